import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, send, type LocalServer } from '../../local/aws/http-server.js';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { launchChromium } from '../support/browser.js';
import { requestWithHost } from '../support/raw-http.js';
import { repoRoot } from '../support/serverless.js';

let stack: LocalStack;
let hostile: LocalServer;
let context: BrowserContext;
let dataDir: string;
let userDataDir: string;

/**
 * A page of another site, as any tab the user has open: it tries each local listener with the
 * requests a page can send without asking (no-cors fetches, a form POST that needs no preflight).
 */
function hostilePage(targets: Record<string, string>): string {
  const script = `
    const targets = ${JSON.stringify(targets)};
    window.attempts = Promise.all([
      fetch(targets.api + '/jobs', { mode: 'no-cors' }).catch(() => undefined),
      fetch(targets.dynamodb + '/', { method: 'POST', mode: 'no-cors', body: '{}' }).catch(() => undefined),
      fetch(targets.sagemaker + '/', { method: 'POST', mode: 'no-cors', body: '{}' }).catch(() => undefined),
      fetch(targets.eventbridge + '/', { method: 'POST', mode: 'no-cors', body: '{}' }).catch(() => undefined),
      fetch(targets.sqs + '/', { method: 'POST', mode: 'no-cors', body: '{}' }).catch(() => undefined),
      fetch(targets.sns + '/', {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=Publish&TopicArn=' + encodeURIComponent(targets.topicArn) + '&Message=forged&Subject=forged',
      }).catch(() => undefined),
      fetch(targets.sts + '/', {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'Action=GetCallerIdentity&Version=2011-06-15',
      }).catch(() => undefined),
    ]).then(() => 'done');`;
  return `<!doctype html><title>another site</title><script>${script}</script>`;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'irwatch-cross-origin-'));
  userDataDir = await mkdtemp(join(tmpdir(), 'irwatch-chromium-'));
  stack = await startStack({
    root: repoRoot,
    dataDir,
    port: 0,
    pollIntervalSeconds: 3600,
    log: () => undefined,
  });
  const info = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as {
    topicArn: string;
  };
  const page = hostilePage({ ...stack.endpoints, api: stack.url, topicArn: info.topicArn });
  hostile = await listen((_req, res) => send(res, 200, page, { 'content-type': 'text/html' }));
  context = await launchChromium(userDataDir);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await hostile?.close();
  await stack?.stop();
  await rm(userDataDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

describe('the API and the data of the local stack', () => {
  it('answer only requests that name the API as their Host (no DNS rebinding)', async () => {
    const { port } = new URL(stack.url);
    const answer = await requestWithHost({ port, path: '/jobs', host: `rebound.example:${port}` });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 403,
      detail: expect.stringMatching(/^Host "rebound\.example:\d+" is not this server/),
    });
    expect((await fetch(`${stack.url}/jobs`)).status).toBe(200);
  });

  it('are private to the user: the data folder 0700, its files 0600', async () => {
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    for (const file of ['credentials', 'config', 'stack.json', 'cursor-key']) {
      expect((await stat(join(dataDir, file))).mode & 0o777, file).toBe(0o600);
    }
  });
});

describe('a page of another site in the browser', () => {
  it('is refused by every local listener, and its forged notification is never published', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const statuses = new Map<string, number>();
    page.on('response', (response) => {
      if (response.url() !== `${hostile.url}/`) statuses.set(response.url(), response.status());
    });
    await page.goto(`${hostile.url}/`);
    expect(
      await page.evaluate(() => (window as unknown as { attempts: Promise<string> }).attempts),
    ).toBe('done');

    const listeners = {
      api: `${stack.url}/jobs`,
      ...Object.fromEntries(
        Object.entries(stack.endpoints).map(([name, url]) => [name, `${url}/`]),
      ),
    };
    for (const [name, url] of Object.entries(listeners)) {
      expect(statuses.get(url), `${name} (${url})`).toBe(403);
    }
    const outbox = await readFile(join(dataDir, 'outbox.jsonl'), 'utf8').catch(() => '');
    expect(outbox).not.toContain('forged');
  });
});
