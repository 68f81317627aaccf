import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { backoffDelay, sleep } from './retry.js';

/**
 * Secrets Manager's GetSecretValue as one SigV4-signed POST (JSON 1.1), without an SDK client:
 * the signer is the one the DynamoDB client already bundles, so reading a secret costs the bundle
 * about a kilobyte instead of a client (~75 KB) or a Lambda layer. It signs with the credentials
 * Lambda hands the function in its environment and honours AWS_ENDPOINT_URL_SECRETS_MANAGER (the
 * SDK's own variable, so the local stack and the tests point it at a local endpoint).
 */

export class SecretFetchError extends Error {
  override name = 'SecretFetchError';
  constructor(
    message: string,
    /** Secrets Manager's error code (`ResourceNotFoundException`), when it answered one. */
    readonly code?: string,
    /** Worth another attempt: a 5xx, a throttle or a network failure. */
    readonly retryable = false,
  ) {
    super(message);
  }
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 and HMAC-SHA256 from node:crypto, as the signer wants them. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

export interface SecretFetchOptions {
  /** The environment to read region, credentials and endpoint from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Attempts in all; AWS_MAX_ATTEMPTS or 3, as the SDK's standard retry mode. */
  maxAttempts?: number;
  fetch?: typeof fetch;
}

const need = (env: NodeJS.ProcessEnv, name: string) => {
  const value = env[name];
  if (!value) throw new SecretFetchError(`Missing environment variable ${name}`);
  return value;
};

const THROTTLES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

async function getSecretValueOnce(
  secretId: string,
  env: NodeJS.ProcessEnv,
  send: typeof fetch,
): Promise<string> {
  const region = need(env, 'AWS_REGION');
  const endpoint = new URL(
    env.AWS_ENDPOINT_URL_SECRETS_MANAGER ||
      env.AWS_ENDPOINT_URL ||
      `https://secretsmanager.${region}.amazonaws.com`,
  );
  const signer = new SignatureV4({
    service: 'secretsmanager',
    region,
    sha256: NodeSha256,
    credentials: {
      accessKeyId: need(env, 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: need(env, 'AWS_SECRET_ACCESS_KEY'),
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
  });
  const body = JSON.stringify({ SecretId: secretId });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
    path: endpoint.pathname,
    query: {},
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body,
  });
  let response: Response;
  try {
    response = await send(endpoint, { method: 'POST', headers: signed.headers, body });
  } catch (error) {
    throw new SecretFetchError(
      `Secrets Manager unreachable: ${(error as Error).message}`,
      undefined,
      true,
    );
  }
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // An answer that is not JSON is reported by its status below.
  }
  if (!response.ok) {
    const code = String(parsed.__type ?? `HTTP ${response.status}`)
      .split('#')
      .pop();
    const message = String(parsed.Message ?? parsed.message ?? text.slice(0, 200));
    throw new SecretFetchError(
      `GetSecretValue ${secretId}: ${code}: ${message}`,
      code,
      response.status >= 500 || THROTTLES.has(code ?? ''),
    );
  }
  if (typeof parsed.SecretString !== 'string') {
    throw new SecretFetchError(`Secret ${secretId} holds no SecretString`);
  }
  return parsed.SecretString;
}

/** The current value (AWSCURRENT) of a secret string, retried with backoff on 5xx and throttles. */
export async function getSecretString(
  secretId: string,
  options: SecretFetchOptions = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const attempts = options.maxAttempts ?? (Number(env.AWS_MAX_ATTEMPTS) || 3);
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await getSecretValueOnce(secretId, env, options.fetch ?? fetch);
    } catch (error) {
      const retryable = error instanceof SecretFetchError && error.retryable;
      if (!retryable || attempt + 1 >= attempts) throw error;
      await sleep(backoffDelay(attempt + 1, { baseDelayMs: 50, maxDelayMs: 1_000 }));
    }
  }
}
