import type { IncomingMessage, ServerResponse } from 'node:http';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { dashboardResponse } from '../../functions/web/dashboard-page.js';
import { apiSigner, regionOf, type CredentialProvider } from './api-client.js';
import { UsageError } from './usage-error.js';
import { listen, send, type LocalServer } from '../aws/http-server.js';
import { foreignCallerReason } from '../aws/iam/gate.js';
import { untilInterrupted } from './signals.js';

/**
 * `irwatch dashboard --api-url <url>`: a deployed API sits behind IAM authorization, and a browser
 * cannot sign requests with SigV4 without holding AWS keys. This server, on 127.0.0.1 only, serves
 * the dashboard page and forwards the page's GETs to the API, signed with the user's own
 * credentials (the SDK's usual chain: env, profile, SSO...), the way `apiGet` signs the CLI's.
 */

/** Extends UsageError so that the CLI reports it in one line: each is something the user fixes. */
export class DashboardProxyError extends UsageError {
  override name = 'DashboardProxyError';
}

export interface DashboardProxyOptions {
  /** The deployed API's base URL, with its stage path if it has one. */
  apiUrl: string;
  /** 0 picks a free port. */
  port: number;
  /** The SDK's default chain when absent. */
  credentials?: CredentialProvider;
  /** The region to sign for; from an execute-api host name, else AWS_REGION, else us-east-1. */
  region?: string;
  /** How long to wait for the API before answering 504. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Parses --api-url: http(s), no query or fragment; the path is kept as the base of every route. */
export function parseApiUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DashboardProxyError(`--api-url "${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DashboardProxyError(`--api-url must be an http(s) URL, got ${url.protocol}`);
  }
  // The proxy sends the user's signed requests there: in clear text only to this machine.
  if (url.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new DashboardProxyError(
      `--api-url must be https:// (it receives requests signed with your AWS credentials); plain http:// is only for 127.0.0.1 or localhost, got ${url.host}`,
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new DashboardProxyError(
      '--api-url takes the API base URL only: no query, fragment or user',
    );
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

function problem(res: ServerResponse, status: number, detail: string, extra = {}): void {
  const titles: Record<number, string> = {
    403: 'Forbidden',
    405: 'Method Not Allowed',
    502: 'Bad Gateway',
    504: 'Gateway Timeout',
  };
  send(
    res,
    status,
    JSON.stringify({ type: 'about:blank', title: titles[status] ?? 'Error', status, detail }),
    { 'content-type': 'application/problem+json', ...extra },
  );
}

/** The API URL a request of the page maps to: same path below the base, same query, same host. */
function upstreamUrl(base: URL, requestUrl: string): URL {
  // Parsed against a placeholder origin, so that an absolute-form or `//host` request target
  // can only ever name a path and a query, never another host.
  const { pathname, search } = new URL(requestUrl, 'http://dashboard.invalid');
  const target = new URL(base);
  target.pathname = `${base.pathname}${pathname.replace(/^\/+/, '')}`;
  target.search = search;
  return target;
}

export async function startDashboardProxy(options: DashboardProxyOptions): Promise<LocalServer> {
  const base = parseApiUrl(options.apiUrl);
  const credentials = options.credentials ?? fromNodeProviderChain();
  try {
    await credentials();
  } catch (error) {
    throw new DashboardProxyError(
      `No AWS credentials to sign the API requests with (${(error as Error).message}). Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
    );
  }
  const sign = apiSigner(options.region ?? regionOf(base), credentials);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let allowedHosts = new Set<string>();

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = upstreamUrl(base, req.url ?? '/');
    let response: Response;
    try {
      response = await fetch(target, {
        headers: await sign(target, { accept: 'application/json' }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      problem(
        res,
        timedOut ? 504 : 502,
        timedOut
          ? `${base.origin} did not answer within ${timeoutMs / 1000} s.`
          : `Cannot reach ${base.origin}: ${String((error as Error).cause ?? (error as Error).message)}`,
      );
      return;
    }
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, {
      'content-type': response.headers.get('content-type') ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  }

  let ownPort = 0;
  const server = await listen(
    async (req, res) => {
      // A page elsewhere that gets its own host name resolved to 127.0.0.1 (DNS rebinding) must
      // not read the API through this server: only our own host names are answered, and only
      // to the page this server serves, never to another site's page.
      const foreign = foreignCallerReason(req, ownPort);
      if (!allowedHosts.has(req.headers.host ?? '') || foreign) {
        problem(
          res,
          403,
          `Open the dashboard at the address irwatch printed. ${foreign ?? ''}`.trim(),
        );
        return;
      }
      if (req.method !== 'GET') {
        problem(res, 405, 'The dashboard only reads: use GET.', { allow: 'GET' });
        return;
      }
      const { pathname } = new URL(req.url ?? '/', 'http://dashboard.invalid');
      if (pathname === '/') {
        const page = dashboardResponse({ 'accept-encoding': req.headers['accept-encoding'] });
        const body = Buffer.from(String(page.body ?? ''), page.isBase64Encoded ? 'base64' : 'utf8');
        res.writeHead(page.statusCode ?? 200, {
          ...(page.headers as Record<string, string>),
          'content-length': body.length,
        });
        res.end(body);
        return;
      }
      await forward(req, res);
    },
    { port: options.port, host: '127.0.0.1' },
  ).catch((error: NodeJS.ErrnoException) => {
    throw new DashboardProxyError(
      error.code === 'EADDRINUSE'
        ? `Port ${options.port} is in use: pass another with --port`
        : `Cannot serve the dashboard: ${error.message}`,
    );
  });
  ownPort = server.port;
  allowedHosts = new Set([`127.0.0.1:${server.port}`, `localhost:${server.port}`]);
  return server;
}

type Options = Record<string, string | boolean | undefined>;

export const DEFAULT_DASHBOARD_PORT = 3001;

function portOption(raw: string | boolean | undefined): number {
  if (raw === undefined) return DEFAULT_DASHBOARD_PORT;
  const port = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new DashboardProxyError(`--port must be a port number from 1 to 65535, got "${raw}"`);
  }
  return port;
}

/** The CLI command: serves until Ctrl-C. */
export async function runDashboard(options: Options): Promise<number> {
  const apiUrl = options['api-url'];
  if (typeof apiUrl !== 'string') {
    throw new DashboardProxyError(
      'dashboard needs --api-url <deployed API URL>; the local stack (npm start) serves the dashboard itself at http://localhost:3000',
    );
  }
  const server = await startDashboardProxy({ apiUrl, port: portOption(options.port) });
  console.log(
    [
      `irwatch dashboard on ${server.url}/`,
      `  forwarding its GETs to ${parseApiUrl(apiUrl).href}, signed with your AWS credentials`,
      'Ctrl-C stops.',
    ].join('\n'),
  );
  await untilInterrupted();
  await server.close();
  return 0;
}
