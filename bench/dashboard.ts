import { gzipSync } from 'node:zlib';
import {
  DASHBOARD_HTML,
  DASHBOARD_SCRIPT,
  DASHBOARD_STYLE,
} from '../functions/api/dashboard-assets.generated.js';
import { DASHBOARD_PAGE } from '../functions/api/dashboard-page.js';
import { emitSection, type Cell } from './report.js';
import { kb } from './stats.js';

/**
 * Page weight of the dashboard: what GET / sends, per part (HTML template, script, stylesheet,
 * as built into functions/api/dashboard-assets.generated.ts) and in total, against the budget
 * of 100 KB uncompressed. Gzip sizes are what a browser downloads through a compressing proxy
 * (API Gateway itself does not compress).
 */
const BUDGET_BYTES = 100 * 1024;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const gzipped = (text: string) => gzipSync(Buffer.from(text, 'utf8'), { level: 9 }).length;

const parts: Array<[string, string]> = [
  ['index.html (template)', DASHBOARD_HTML],
  ['app.js (app.ts bundled, minified)', DASHBOARD_SCRIPT],
  ['style.css (minified)', DASHBOARD_STYLE],
];
const total = parts.reduce((sum, [, text]) => sum + bytes(text), 0);
const served = bytes(DASHBOARD_PAGE);
const row = (name: string, size: number, gzip: number): Cell[] => [
  name,
  size,
  kb(size),
  gzip,
  `${((size / BUDGET_BYTES) * 100).toFixed(1)} %`,
];

emitSection({
  section: 'dashboard',
  tables: [
    {
      title: 'Dashboard page weight (GET /)',
      columns: ['part', 'bytes', 'KB', 'gzip bytes', 'of budget'],
      rows: [
        ...parts.map(([name, text]) => row(name, bytes(text), gzipped(text))),
        row(
          'total HTML + JS + CSS',
          total,
          parts.reduce((sum, [, t]) => sum + gzipped(t), 0),
        ),
        row('served page (one document, inlined)', served, gzipped(DASHBOARD_PAGE)),
      ],
      notes: [
        `Budget: ${BUDGET_BYTES} bytes (100 KB) uncompressed for HTML + JS + CSS: ${total <= BUDGET_BYTES ? 'within' : 'OVER'} budget, ${BUDGET_BYTES - total} bytes to spare.`,
        'One request: the script and stylesheet are inlined, allowed by their hashes in the Content-Security-Policy.',
      ],
    },
  ],
  data: {
    budgetBytes: BUDGET_BYTES,
    parts: Object.fromEntries(parts.map(([name, text]) => [name, bytes(text)])),
    totalBytes: total,
    servedBytes: served,
  },
});
if (total > BUDGET_BYTES) process.exitCode = 1;
