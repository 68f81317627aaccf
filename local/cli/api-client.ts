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

/** The region of an execute-api URL, else the usual AWS variables, else us-east-1. */
export function regionOf(url: URL, env: NodeJS.ProcessEnv = process.env): string {
  return (
    /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION ??
    'us-east-1'
  );
}

export type CredentialProvider = Extract<
  ConstructorParameters<typeof SignatureV4>[0]['credentials'],
  (...args: never[]) => unknown
>;

/**
 * Signs GET requests to a deployed irwatch API (IAM authorization, service `execute-api`) with
 * SigV4, from the usual AWS credential chain (env, profile, SSO...) unless given others.
 */
export function apiSigner(
  region: string,
  credentials: CredentialProvider = fromNodeProviderChain(),
): (target: URL, headers: Record<string, string>) => Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  return async (target, headers) => {
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of target.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signed = await signer.sign({
      method: 'GET',
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port ? Number(target.port) : undefined,
      path: target.pathname,
      query,
      headers: { ...headers, host: target.host },
    });
    return signed.headers as Record<string, string>;
  };
}

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
  const accept = { accept: 'application/json' };
  const region = regionOf(url);
  const headers = options.signed ? await apiSigner(region)(url, accept) : accept;
  let response: Response;
  try {
    response = await fetch(url, { headers });
  } catch (error) {
    throw new ApiError(
      `Cannot reach ${url.origin} (${(error as Error).cause ?? (error as Error).message}): is the stack running (npm start)?`,
      0,
    );
  }
  // irwatch answers problem+json (detail, title); API Gateway's own refusals carry `message`.
  const body = (await response.json().catch(() => undefined)) as
    { detail?: string; title?: string; message?: string } | undefined;
  if (!response.ok) {
    const said = body?.detail ?? body?.title ?? body?.message ?? `HTTP ${response.status}`;
    if (options.signed && (response.status === 401 || response.status === 403)) {
      throw new ApiError(
        `${url.origin} refused the signed request (${response.status}: ${said}): the AWS credentials in use must be valid and allowed execute-api:Invoke on this API, and the region signed for, ${region} (from an execute-api URL, else AWS_REGION), must be the API's`,
        response.status,
      );
    }
    throw new ApiError(said, response.status);
  }
  return body;
}
