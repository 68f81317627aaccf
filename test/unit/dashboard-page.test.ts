import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_PAGE_BROTLI,
  DASHBOARD_SCRIPT_HASH,
  DASHBOARD_STYLE_HASH,
} from '../../functions/web/dashboard-assets.generated.js';
import {
  buildDashboardAssets,
  dashboardPageOf,
  type DashboardAssets,
} from '../../dashboard/build.js';
import {
  CONTENT_SECURITY_POLICY,
  contentEncodingFor,
  dashboardPage,
} from '../../functions/web/dashboard-page.js';
import { jobHash, parseRoute } from '../../dashboard/route.js';
import { serveRequest } from '../../functions/api/serve.js';
import { serveWeb } from '../../functions/web/handler.js';
import { httpEvent } from '../support/http-event.js';

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

// What dashboard/build.ts makes of the sources now: the page the api must serve.
let built: DashboardAssets;
let DASHBOARD_HTML: string;
let DASHBOARD_SCRIPT: string;
let DASHBOARD_STYLE: string;
let DASHBOARD_PAGE: string;
beforeAll(async () => {
  built = await buildDashboardAssets();
  ({ html: DASHBOARD_HTML, script: DASHBOARD_SCRIPT, style: DASHBOARD_STYLE } = built);
  DASHBOARD_PAGE = dashboardPageOf(built);
}, 60_000);

describe('the dashboard build', () => {
  it('is up to date: dashboard-assets.generated.ts holds the page and hashes build.ts makes of the sources', () => {
    // On failure: npx tsx dashboard/build.ts. (Compared decompressed: brotli's bytes may differ
    // between zlib versions for the same page.)
    expect(brotliDecompressSync(Buffer.from(DASHBOARD_PAGE_BROTLI, 'base64')).toString()).toBe(
      DASHBOARD_PAGE,
    );
    expect(dashboardPage()).toBe(DASHBOARD_PAGE);
    expect(DASHBOARD_SCRIPT_HASH).toBe(hashOf(DASHBOARD_SCRIPT));
    expect(DASHBOARD_STYLE_HASH).toBe(hashOf(DASHBOARD_STYLE));
  });

  it('weighs under 100 KB (HTML + JS + CSS, uncompressed)', () => {
    const total = bytes(DASHBOARD_HTML) + bytes(DASHBOARD_SCRIPT) + bytes(DASHBOARD_STYLE);
    expect(total).toBeLessThan(100 * 1024);
    expect(bytes(DASHBOARD_PAGE)).toBe(total);
  });
});

describe('GET /', () => {
  const failingReader = {
    query: () => Promise.reject(new Error('the page must not read the table')),
    get: () => Promise.reject(new Error('the page must not read the table')),
    batchGet: () => Promise.reject(new Error('the page must not read the table')),
  };
  const deps = {
    reader: failingReader,
    cursorKey: () => Promise.reject(new Error('the page must not need a cursor key')),
  };

  it('serves the page as HTML with a strict Content-Security-Policy, from the web function', async () => {
    const response = serveWeb(httpEvent('/'));
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      vary: 'accept-encoding',
    });
    expect(response.headers).not.toHaveProperty('content-encoding');
    expect(response.isBase64Encoded).toBeFalsy();
    expect(response.body).toBe(DASHBOARD_PAGE);
    expect(response.body).toMatch(/^<!doctype html><html lang="en">/);
  });

  it('sends the page compressed, as bytes API Gateway decodes from base64, to a client that accepts it', async () => {
    const encoded = async (acceptEncoding: string) => {
      const response = serveWeb(httpEvent('/', { headers: { 'accept-encoding': acceptEncoding } }));
      expect(response.statusCode).toBe(200);
      expect(response.headers?.['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      return response;
    };
    const br = await encoded('gzip, deflate, br, zstd');
    expect(br.headers?.['content-encoding']).toBe('br');
    expect(br.isBase64Encoded).toBe(true);
    expect(brotliDecompressSync(Buffer.from(String(br.body), 'base64')).toString()).toBe(
      DASHBOARD_PAGE,
    );
    const gzip = await encoded('gzip;q=1, br;q=0');
    expect(gzip.headers?.['content-encoding']).toBe('gzip');
    expect(gzip.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(String(gzip.body), 'base64')).toString()).toBe(DASHBOARD_PAGE);
    const identity = await encoded('identity');
    expect(identity.headers).not.toHaveProperty('content-encoding');
    expect(identity.body).toBe(DASHBOARD_PAGE);
  });

  it('reads Accept-Encoding by its weights', () => {
    expect(contentEncodingFor(undefined)).toBeUndefined();
    expect(contentEncodingFor('')).toBeUndefined();
    expect(contentEncodingFor('br')).toBe('br');
    expect(contentEncodingFor('GZIP')).toBe('gzip');
    expect(contentEncodingFor('gzip;q=0.5, br;q=0.4')).toBe('gzip');
    expect(contentEncodingFor('gzip;q=0.5, br;q=0.5')).toBe('br');
    expect(contentEncodingFor('*')).toBe('br');
    expect(contentEncodingFor('*;q=0.1, br;q=0')).toBe('gzip');
    expect(contentEncodingFor('br;q=0, gzip;q=0')).toBeUndefined();
    expect(contentEncodingFor('deflate, identity')).toBeUndefined();
    expect(contentEncodingFor('br;q=nonsense')).toBeUndefined();
  });

  it('allows exactly its own inline script and stylesheet, by hash, and nothing inline besides', () => {
    const scripts = [...DASHBOARD_PAGE.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    const styles = [...DASHBOARD_PAGE.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(scripts).toEqual([DASHBOARD_SCRIPT]);
    expect(styles).toEqual([DASHBOARD_STYLE]);
    const directives = Object.fromEntries(
      CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual([hashOf(DASHBOARD_SCRIPT)]);
    expect(directives['style-src']).toEqual([hashOf(DASHBOARD_STYLE)]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    // Inline style or handler attributes would be blocked by that policy.
    expect(DASHBOARD_HTML).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    expect(DASHBOARD_SCRIPT).not.toMatch(/setAttribute\(\s*["']style["']/);
  });

  it('answers 404 to other paths and methods, as before', () => {
    const response = serveWeb(httpEvent('/index.html'));
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(String(response.body))).toMatchObject({
      detail: 'No route GET /index.html. GET /openapi.json lists the routes.',
    });
    expect(serveWeb(httpEvent('/', { method: 'POST' })).statusCode).toBe(404);
  });

  it('is not the api’s: its data routes’ function carries neither the page nor the document', async () => {
    for (const target of ['/', '/openapi.json']) {
      const response = await serveRequest(httpEvent(target), deps);
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(String(response.body))).toMatchObject({
        detail: `No route GET ${target}. GET /openapi.json lists the routes.`,
      });
    }
  });
});

describe('the page routes', () => {
  it('reads views and parameters from the hash', () => {
    expect(parseRoute('')).toMatchObject({ view: 'jobs' });
    expect(parseRoute('#/?status=FAILED').query.get('status')).toBe('FAILED');
    expect(parseRoute('#/jobs/a-1?maxModelLatency=5')).toMatchObject({
      view: 'job',
      job: { jobName: 'a-1' },
    });
    const job = { accountId: '444455556666', region: 'eu-west-1', jobName: 'a-1' };
    expect(jobHash(job, { sortBy: 'modelLatency' })).toBe(
      '#/jobs/444455556666/eu-west-1/a-1?sortBy=modelLatency',
    );
    expect(parseRoute(jobHash(job))).toMatchObject({ view: 'job', job });
    const arn = 'arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3';
    expect(parseRoute(`#/compare/${encodeURIComponent(arn)}?jobs=a,b`)).toMatchObject({
      view: 'compare',
      model: arn,
    });
    expect(parseRoute('#/jobs/a/b')).toMatchObject({ view: 'unknown' });
    expect(parseRoute('#/jobs/a/b/c/d')).toMatchObject({ view: 'unknown' });
    expect(parseRoute('#/jobs/%E0%A4%A')).toMatchObject({ view: 'unknown' });
  });
});
