import { brotliDecompressSync, gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  DASHBOARD_PAGE_BROTLI,
  DASHBOARD_SCRIPT_HASH,
  DASHBOARD_STYLE_HASH,
} from './dashboard-assets.generated.js';

/**
 * The dashboard as one HTML document: its script and stylesheet are inlined, so GET / is the only
 * route it needs (one request, nothing else to authorize or cache). The Content-Security-Policy
 * allows exactly those two inline blocks by their SHA-256 hashes, no other script or style, and
 * network access to this origin only: the page reads the API it is served by.
 *
 * The bundle carries the page compressed with brotli (dashboard/build.ts): a browser that
 * accepts br gets those bytes as they are; one that accepts only gzip gets them recompressed,
 * once per container; anything else gets the page decompressed.
 */

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${DASHBOARD_SCRIPT_HASH}`,
  `style-src ${DASHBOARD_STYLE_HASH}`,
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
  // The body depends on Accept-Encoding: a cache must not hand brotli to a client without it.
  vary: 'accept-encoding',
};

let page: string | undefined;
let gzipped: string | undefined;

/** The page as a browser reads it, decompressed on first need. */
export const dashboardPage = (): string =>
  (page ??= brotliDecompressSync(Buffer.from(DASHBOARD_PAGE_BROTLI, 'base64')).toString('utf8'));

/**
 * The content coding to answer with, by the request's Accept-Encoding (RFC 9110 §12.5.3): br or
 * gzip when the client gives it a non-zero weight (itself or through `*`), the higher weight
 * first and br on a tie; none (identity) otherwise.
 */
export function contentEncodingFor(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  const weights = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [coding = '', ...parameters] = part.split(';').map((piece) => piece.trim());
    if (!coding) continue;
    const q = parameters.find((parameter) => /^q=/i.test(parameter));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(coding.toLowerCase(), Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: string) => weights.get(coding) ?? weights.get('*') ?? 0;
  const [br, gzip] = [weightOf('br'), weightOf('gzip')];
  if (br > 0 && br >= gzip) return 'br';
  return gzip > 0 ? 'gzip' : undefined;
}

export function dashboardResponse(
  requestHeaders: Record<string, string | undefined> = {},
): APIGatewayProxyStructuredResultV2 {
  const encoding = contentEncodingFor(requestHeaders['accept-encoding']);
  if (encoding === undefined) {
    return { statusCode: 200, headers: { ...DASHBOARD_HEADERS }, body: dashboardPage() };
  }
  // API Gateway sends a base64 body flagged isBase64Encoded to the client as bytes.
  const body =
    encoding === 'br'
      ? DASHBOARD_PAGE_BROTLI
      : (gzipped ??= gzipSync(dashboardPage()).toString('base64'));
  return {
    statusCode: 200,
    headers: { ...DASHBOARD_HEADERS, 'content-encoding': encoding },
    body,
    isBase64Encoded: true,
  };
}
