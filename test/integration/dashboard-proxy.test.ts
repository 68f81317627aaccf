import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, dashboardPage } from '../../functions/web/dashboard-page.js';
import { startDashboardProxy } from '../../local/cli/dashboard-proxy.js';
import { listen, send, type LocalServer } from '../../local/aws/http-server.js';
import { freePort, runCli, type CliProcess } from '../support/cli-process.js';

/**
 * `irwatch dashboard --api-url`: the page from the local server, every other GET forwarded to a
 * fake deployed API (a local HTTP server standing in for API Gateway) with a SigV4 signature
 * that the test recomputes from the credentials it gave the CLI.
 */

const CREDENTIALS = { accessKeyId: 'AKIDDASHBOARDTEST', secretAccessKey: 'dashboard-test-secret' };
const REGION = 'eu-west-1';
const JOBS_BODY = JSON.stringify({ jobs: [], sortedBy: 'lastModifiedTime', nextCursor: null });

interface Received {
  method: string;
  url: string;
  headers: Record<string, string>;
}

let fakeApi: LocalServer;
const received: Received[] = [];
const running: CliProcess[] = [];

beforeAll(async () => {
  fakeApi = await listen((req, res) => {
    received.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [name, String(value)]),
      ),
    });
    if (req.url?.startsWith('/prod/jobs?')) {
      send(res, 200, JOBS_BODY, { 'content-type': 'application/json' });
    } else {
      send(res, 404, JSON.stringify({ title: 'Not Found', status: 404, detail: 'No route' }), {
        'content-type': 'application/problem+json',
      });
    }
  });
});
beforeEach(() => {
  received.length = 0;
});
afterAll(async () => {
  for (const cli of running) {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  }
  await fakeApi.close();
});

/** Recomputes the signature from the signed headers the API received, as API Gateway would. */
async function expectValidSignature(request: Received): Promise<void> {
  const authorization = request.headers.authorization ?? '';
  const parts =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
      authorization,
    );
  expect(parts, authorization).not.toBeNull();
  expect(parts![1]).toBe(CREDENTIALS.accessKeyId);
  expect(parts![3]).toBe(REGION);
  const signedHeaders = parts![4]!.split(';');
  expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date']));
  const url = new URL(request.url, fakeApi.url);
  const query: Record<string, string> = {};
  url.searchParams.forEach((value, name) => {
    query[name] = value;
  });
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signingDate = new Date(
    amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  const signer = new SignatureV4({
    service: 'execute-api',
    region: REGION,
    credentials: CREDENTIALS,
    sha256: Sha256,
  });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers: Object.fromEntries(signedHeaders.map((name) => [name, request.headers[name]!])),
    },
    { signingDate },
  );
  expect(authorization).toBe(expected.headers.authorization);
}

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function requestWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/jobs', headers: { host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('irwatch dashboard --api-url', () => {
  it('serves the page and forwards its GETs signed with SigV4 from the env credentials', async () => {
    const port = await freePort();
    const cli = runCli(['dashboard', '--api-url', `${fakeApi.url}/prod`, '--port', String(port)], {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
    });
    running.push(cli);
    const printed = await cli.waitFor(/irwatch dashboard on http:\/\/127\.0\.0\.1:\d+\//);
    const base = `http://127.0.0.1:${port}`;
    expect(printed).toBe(`irwatch dashboard on ${base}/`);

    const page = await fetch(`${base}/`, { headers: { 'accept-encoding': 'br' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    // Sent as built, brotli-compressed; fetch decodes it.
    expect(page.headers.get('content-encoding')).toBe('br');
    expect(await page.text()).toBe(dashboardPage());
    expect(received).toEqual([]);

    const jobs = await fetch(`${base}/jobs?status=COMPLETED&limit=5`, {
      headers: { cookie: 'session=must-not-travel', authorization: 'Bearer must-not-travel' },
    });
    expect(jobs.status).toBe(200);
    expect(jobs.headers.get('content-type')).toBe('application/json');
    expect(await jobs.text()).toBe(JOBS_BODY);
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /prod/jobs?status=COMPLETED&limit=5',
    ]);
    expect(received[0]!.headers.cookie).toBeUndefined();
    await expectValidSignature(received[0]!);

    // A model package ARN travels percent-encoded, exactly as the page sent it.
    const arn = encodeURIComponent(
      'arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3',
    );
    const missing = await fetch(`${base}/models/${arn}/jobs`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(((await missing.json()) as { detail: string }).detail).toBe('No route');
    expect(received[1]!.url).toBe(`/prod/models/${arn}/jobs`);
    await expectValidSignature(received[1]!);

    // Only reads, only for its own host names: nothing else reaches the API.
    const post = await fetch(`${base}/jobs`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(await requestWithHost(port, `rebound.example:${port}`)).toBe(403);
    expect(await requestWithHost(port, `localhost:${port}`)).toBe(404);
    expect(received).toHaveLength(3);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  }, 60_000);

  it('says in one line what is missing: the API URL, or credentials', async () => {
    const noUrl = runCli(['dashboard']);
    running.push(noUrl);
    expect(await noUrl.exited).toBe(1);
    expect(noUrl.output().trim()).toMatch(/^irwatch: dashboard needs --api-url/);

    const empty = await mkdtemp(join(tmpdir(), 'irwatch-no-aws-'));
    const noCredentials = runCli(
      ['dashboard', '--api-url', fakeApi.url, '--port', String(await freePort())],
      {
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SHARED_CREDENTIALS_FILE: join(empty, 'credentials'),
        AWS_CONFIG_FILE: join(empty, 'config'),
      },
    );
    running.push(noCredentials);
    expect(await noCredentials.exited).toBe(1);
    expect(noCredentials.output().trim()).toMatch(/^irwatch: No AWS credentials to sign/m);
    for (const cli of [noUrl, noCredentials]) expect(cli.output()).not.toMatch(/\n\s+at /);
    expect(received).toEqual([]);
  }, 60_000);
});

describe('startDashboardProxy', () => {
  const credentials = async () => CREDENTIALS;

  it('keeps every request on the API host, whatever the request target says', async () => {
    const proxy = await startDashboardProxy({
      apiUrl: `${fakeApi.url}/prod/`,
      port: 0,
      credentials,
      region: REGION,
    });
    try {
      const answer = await rawRequest(
        proxy.port,
        `GET http://elsewhere.example/jobs?limit=1 HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(received.map((r) => r.url)).toEqual(['/prod/jobs?limit=1']);
      await expectValidSignature(received[0]!);
    } finally {
      await proxy.close();
    }
  });

  it('answers 502 with a problem when the API cannot be reached', async () => {
    const closedPort = await freePort();
    const proxy = await startDashboardProxy({
      apiUrl: `http://127.0.0.1:${closedPort}`,
      port: 0,
      credentials,
      region: REGION,
    });
    try {
      const response = await fetch(`${proxy.url}/jobs`);
      expect(response.status).toBe(502);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { detail: string }).detail).toMatch(
        new RegExp(`^Cannot reach http://127\\.0\\.0\\.1:${closedPort}`),
      );
    } finally {
      await proxy.close();
    }
  });

  it('refuses an API URL it cannot use', async () => {
    for (const apiUrl of ['not a url', 'ftp://example.com', 'https://example.com/?stage=prod']) {
      await expect(startDashboardProxy({ apiUrl, port: 0, credentials })).rejects.toThrow(
        /--api-url/,
      );
    }
  });
});
