import { createHash } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DASHBOARD_HTML, DASHBOARD_SCRIPT, DASHBOARD_STYLE } from './dashboard-assets.generated.js';
import { SCRIPT_SLOT, STYLE_SLOT } from './dashboard-slots.js';

/**
 * The dashboard as one HTML document: its script and stylesheet are inlined, so GET / is the only
 * route it needs (one request, nothing else to authorize or cache). The Content-Security-Policy
 * allows exactly those two inline blocks by their SHA-256 hashes, no other script or style, and
 * network access to this origin only: the page reads the API it is served by.
 */

// Replacer functions: the minified script may hold `$&` or `$'`, which a replacement string
// would expand.
export const DASHBOARD_PAGE = DASHBOARD_HTML.replace(
  STYLE_SLOT,
  () => `<style>${DASHBOARD_STYLE}</style>`,
).replace(SCRIPT_SLOT, () => `<script>${DASHBOARD_SCRIPT}</script>`);

const sha256 = (text: string) =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256(DASHBOARD_STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  // Revalidated on every load: the page ships with the function and changes with each deploy.
  'cache-control': 'no-cache',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function dashboardResponse(): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: { ...DASHBOARD_HEADERS }, body: DASHBOARD_PAGE };
}
