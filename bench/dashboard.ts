import { gzipSync } from 'node:zlib';
import { buildDashboardAssets } from '../dashboard/build.js';
import { DASHBOARD_PAGE_BROTLI } from '../functions/web/dashboard-assets.generated.js';
import { dashboardPage } from '../functions/web/dashboard-page.js';
import { emitSection, type Cell } from './report.js';
import { kb } from './stats.js';

/**
 * Page weight of the dashboard: what GET / sends, per part (HTML template, script, stylesheet,
 * as dashboard/build.ts builds them) and in total, against the budget of 100 KB uncompressed.
 * The api sends the brotli bytes built into functions/web/dashboard-assets.generated.ts to a
 * browser that accepts br, gzip (made once per container) to one that accepts only gzip.
 */
const BUDGET_BYTES = 100 * 1024;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const gzipped = (text: string) => gzipSync(Buffer.from(text, 'utf8'), { level: 9 }).length;

const assets = await buildDashboardAssets();
const parts: Array<[string, string]> = [
  ['index.html (template)', assets.html],
  ['app.js (app.ts bundled, minified)', assets.script],
  ['style.css (minified)', assets.style],
];
const total = parts.reduce((sum, [, text]) => sum + bytes(text), 0);
const page = dashboardPage();
const served = bytes(page);
const brotli = Buffer.from(DASHBOARD_PAGE_BROTLI, 'base64').length;
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
        row('served page (one document, inlined)', served, gzipped(page)),
      ],
      notes: [
        `Budget: ${BUDGET_BYTES} bytes (100 KB) uncompressed for HTML + JS + CSS: ${total <= BUDGET_BYTES ? 'within' : 'OVER'} budget, ${BUDGET_BYTES - total} bytes to spare.`,
        'One request: the script and stylesheet are inlined, allowed by their hashes in the Content-Security-Policy.',
        `Sent with Content-Encoding br: ${brotli} bytes (${DASHBOARD_PAGE_BROTLI.length} bytes of base64 in the web function's bundle); gzip to clients without br.`,
      ],
    },
  ],
  data: {
    budgetBytes: BUDGET_BYTES,
    parts: Object.fromEntries(parts.map(([name, text]) => [name, bytes(text)])),
    totalBytes: total,
    servedBytes: served,
    brotliBytes: brotli,
  },
});
if (total > BUDGET_BYTES) process.exitCode = 1;
