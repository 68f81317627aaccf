import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The running local stack's API, from the stack.json it writes, else the default port. */
export function localApiUrl(dataDir: string): string {
  try {
    return (JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { api: string }).api;
  } catch {
    return 'http://localhost:3000';
  }
}

const regionOf = (url: URL) =>
  /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ??
  process.env.AWS_REGION ??
  process.env.AWS_DEFAULT_REGION ??
  'us-east-1';

/**
 * GETs a route of the irwatch API. A deployed API (`signed`) sits behind IAM authorization, so
 * requests are signed with SigV4 from the usual AWS credential chain (env, profile, SSO...).
 */
export async function apiGet(
  baseUrl: string,
  path: string,
  options: { signed?: boolean } = {},
): Promise<unknown> {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  let headers: Record<string, string> = { accept: 'application/json', host: url.host };
  if (options.signed) {
    const signer = new SignatureV4({
      service: 'execute-api',
      region: regionOf(url),
      credentials: fromNodeProviderChain(),
      sha256: Sha256,
    });
    const query: Record<string, string> = {};
    url.searchParams.forEach((value, key) => {
      query[key] = value;
    });
    const signed = await signer.sign({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers,
    });
    headers = signed.headers as Record<string, string>;
  }
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    throw new ApiError(
      `Cannot reach ${url.origin} (${(error as Error).cause ?? (error as Error).message}): is the stack running (npm start)?`,
      0,
    );
  }
  const body = (await response.json().catch(() => undefined)) as
    { detail?: string; title?: string } | undefined;
  if (!response.ok) {
    throw new ApiError(body?.detail ?? body?.title ?? `HTTP ${response.status}`, response.status);
  }
  return body;
}
