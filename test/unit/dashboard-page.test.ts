import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_HTML,
  DASHBOARD_SCRIPT,
  DASHBOARD_STYLE,
} from '../../functions/api/dashboard-assets.generated.js';
import { GENERATED_FILE, generatedModuleSource } from '../../dashboard/build.js';
import { CONTENT_SECURITY_POLICY, DASHBOARD_PAGE } from '../../functions/api/dashboard-page.js';
import { jobHash, parseRoute } from '../../dashboard/route.js';
import { serveRequest } from '../../functions/api/serve.js';
import { httpEvent } from '../support/http-event.js';

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('the dashboard build', () => {
  it('is up to date: dashboard-assets.generated.ts is what build.ts makes of the sources', async () => {
    // On failure: npx tsx dashboard/build.ts
    expect(await readFile(GENERATED_FILE, 'utf8')).toBe(await generatedModuleSource());
  }, 60_000);

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

  it('serves the page as HTML with a strict Content-Security-Policy, reading nothing', async () => {
    const response = await serveRequest(httpEvent('/'), deps);
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    });
    expect(response.body).toBe(DASHBOARD_PAGE);
    expect(response.body).toMatch(/^<!doctype html><html lang="en">/);
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

  it('answers 404 to other paths and methods, as before', async () => {
    const response = await serveRequest(httpEvent('/index.html'), deps);
    expect(response.statusCode).toBe(404);
    const post = await serveRequest(httpEvent('/', { method: 'POST' }), deps);
    expect(post.statusCode).toBe(404);
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
