import { SignatureV4 } from '@smithy/signature-v4';
import { environmentCredentials, type AwsCredentials } from './environment-credentials.js';
import { backoffDelay, sleep } from './retry.js';
import { Sha256 } from './sha256.js';

/**
 * One SigV4-signed AWS request, without an SDK client: JSON 1.1 (`X-Amz-Target`) or the query
 * protocol (form-encoded POST, XML answer). The signer is the one the DynamoDB client bundles
 * anyway, so a call through here costs a function a few hundred bytes where a client costs tens of
 * kilobytes. The endpoint comes from the SDK's own variables (`AWS_ENDPOINT_URL_<SERVICE>`, then
 * `AWS_ENDPOINT_URL`), which is how the local stack and the tests point every call at a local
 * server; attempts from `AWS_MAX_ATTEMPTS` (3 unset), retried as the SDK's standard mode retries:
 * throttles, 5xx and network failures, with the project's backoff.
 */

export type { AwsCredentials };

/** Where a request's credentials come from: called before each attempt. */
export type CredentialsSource = () => Promise<AwsCredentials>;

/** An AWS service as botocore's model names it. */
export interface AwsService {
  /** `serviceId`, upper-cased with `_` for spaces: the `AWS_ENDPOINT_URL_<…>` suffix. */
  endpointVariable: string;
  /** `endpointPrefix`: the host is `<prefix>.<region>.amazonaws.com`. */
  endpointPrefix: string;
  /** `signingName`, when it is not the endpoint prefix. */
  signingName?: string;
  /** JSON 1.1's `targetPrefix`. */
  targetPrefix?: string;
  /** The query protocol's `apiVersion`. */
  apiVersion?: string;
}

export const SECRETS_MANAGER: AwsService = {
  endpointVariable: 'SECRETS_MANAGER',
  endpointPrefix: 'secretsmanager',
  targetPrefix: 'secretsmanager',
};

export const SAGEMAKER: AwsService = {
  endpointVariable: 'SAGEMAKER',
  endpointPrefix: 'api.sagemaker',
  signingName: 'sagemaker',
  targetPrefix: 'SageMaker',
};

export const STS: AwsService = {
  endpointVariable: 'STS',
  endpointPrefix: 'sts',
  apiVersion: '2011-06-15',
};

export interface AwsErrorDetails {
  /** AWS's error code (`ResourceNotFound`, `AccessDenied`), when it answered one. */
  code?: string;
  /** The HTTP status of AWS's answer; undefined when none came (network, configuration). */
  status?: number;
  /** AWS's own message. */
  awsMessage?: string;
  /** Worth another attempt: a throttle, a 5xx or a network failure. */
  retryable?: boolean;
  throttling?: boolean;
}

export class AwsRequestError extends Error {
  override name = 'AwsRequestError';
  /** AwsErrorDetails' members, set by the constructor (retryable and throttling default false). */
  declare readonly code?: string;
  declare readonly status?: number;
  declare readonly awsMessage?: string;
  declare readonly retryable: boolean;
  declare readonly throttling: boolean;
  constructor(message: string, details: AwsErrorDetails = {}) {
    super(message);
    Object.assign(this, { retryable: false, throttling: false }, details);
  }
}

// The SDK's own classification (@smithy/core's retry: THROTTLING_ERROR_CODES,
// TRANSIENT_ERROR_CODES, TRANSIENT_ERROR_STATUS_CODES), as patterns.
const THROTTLING_CODE =
  /^((EC2)?Throttl|RequestThrottled|((Bandwidth|Request)LimitExceeded|SlowDown|PriorRequestNotComplete|(LimitExceeded|ProvisionedThroughputExceeded|TooManyRequests|TransactionInProgress)Exception)$)/;
const TRANSIENT_CODE = /^(TimeoutError|RequestTimeout(Exception)?)$/;
const isTransientStatus = (status: number) => status >= 500 && status <= 504 && status !== 501;

export interface AwsRequestOptions {
  /** Region, endpoint variables and AWS_MAX_ATTEMPTS are read here; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** The environment's credentials by default. */
  credentials?: CredentialsSource;
  /** Attempts in all; AWS_MAX_ATTEMPTS or 3, as the SDK's standard retry mode. */
  maxAttempts?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Epoch milliseconds requests are signed at; the wall clock by default. */
  now?: () => number;
}

/** The endpoint the SDK would call: its variables first, else the service's regional host. */
export function endpointOf(service: AwsService, region: string, env: NodeJS.ProcessEnv): URL {
  const configured = env[`AWS_ENDPOINT_URL_${service.endpointVariable}`] || env.AWS_ENDPOINT_URL;
  // The aws partition, as irwatch's ARNs (shared/accounts.ts).
  const url = configured || `https://${service.endpointPrefix}.${region}.amazonaws.com`;
  try {
    return new URL(url);
  } catch {
    throw new AwsRequestError(
      `AWS_ENDPOINT_URL_${service.endpointVariable} is not a URL: "${configured ?? url}"`,
    );
  }
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

interface WireRequest {
  service: AwsService;
  region: string;
  /** What the error message says was asked, e.g. `SageMaker.GetScalingConfigurationRecommendation`. */
  operation: string;
  headers: Record<string, string>;
  body: string;
  /** Reads AWS's error code and message out of a failed answer. */
  errorOf: (answer: Answer) => { code: string | undefined; message: string | undefined };
}

async function sendOnce(request: WireRequest, options: AwsRequestOptions): Promise<Answer> {
  const env = options.env ?? process.env;
  const endpoint = endpointOf(request.service, request.region, env);
  const signer = new SignatureV4({
    service: request.service.signingName ?? request.service.endpointPrefix,
    region: request.region,
    sha256: Sha256,
    credentials: options.credentials ?? environmentCredentials(env),
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: endpoint.pathname,
      query: {},
      headers: { host: endpoint.host, ...request.headers },
      body: request.body,
    },
    options.now ? { signingDate: new Date(options.now()) } : {},
  );
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(endpoint, {
      method: 'POST',
      headers: signed.headers,
      body: request.body,
    });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message;
    throw new AwsRequestError(
      `${request.operation}: ${endpoint.host} unreachable: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
      { retryable: true },
    );
  }
  const answer = {
    status: response.status,
    headers: response.headers,
    text: await response.text(),
  };
  if (response.ok) return answer;
  const { code, message } = request.errorOf(answer);
  const throttling = response.status === 429 || THROTTLING_CODE.test(code ?? '');
  throw new AwsRequestError(
    `${request.operation}: ${code ?? `HTTP ${response.status}`}: ${message ?? answer.text.slice(0, 200)}`,
    {
      status: response.status,
      throttling,
      retryable:
        throttling || isTransientStatus(response.status) || TRANSIENT_CODE.test(code ?? ''),
      ...(code === undefined ? {} : { code }),
      ...(message === undefined ? {} : { awsMessage: message }),
    },
  );
}

async function sendWithRetries(request: WireRequest, options: AwsRequestOptions): Promise<Answer> {
  const env = options.env ?? process.env;
  const attempts = options.maxAttempts ?? (Number(env.AWS_MAX_ATTEMPTS) || 3);
  const wait = options.sleep ?? sleep;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await sendOnce(request, options);
    } catch (error) {
      const retryable = error instanceof AwsRequestError && error.retryable;
      if (!retryable || attempt + 1 >= attempts) throw error;
      await wait(backoffDelay(attempt + 1, { baseDelayMs: 50, maxDelayMs: 1_000 }));
    }
  }
}

const parseJson = (text: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};

/** JSON 1.1 errors: `x-amzn-errortype` or `__type` (either may carry a namespace or a suffix). */
function jsonErrorOf(answer: Answer) {
  const body = parseJson(answer.text) ?? {};
  const raw = answer.headers.get('x-amzn-errortype') ?? body.__type;
  const code =
    typeof raw === 'string' && raw !== '' ? raw.split(':')[0]!.split('#').pop() : undefined;
  const message = body.message ?? body.Message;
  return { code, message: typeof message === 'string' ? message : undefined };
}

/** An operation of a JSON 1.1 service (`X-Amz-Target: <targetPrefix>.<operation>`). */
export async function jsonRequest<Output>(
  service: AwsService,
  region: string,
  operation: string,
  input: object,
  options: AwsRequestOptions = {},
): Promise<Output> {
  const target = `${service.targetPrefix}.${operation}`;
  const answer = await sendWithRetries(
    {
      service,
      region,
      operation: target,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body: JSON.stringify(input),
      errorOf: jsonErrorOf,
    },
    options,
  );
  const output = parseJson(answer.text);
  if (!output) {
    throw new AwsRequestError(`${target}: no JSON object in the answer`, {
      status: answer.status,
    });
  }
  return output as Output;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const xmlText = (value: string) =>
  value.replace(/&(#x?)?(\w+);/g, (entity, numeric: string | undefined, name: string) =>
    numeric
      ? String.fromCodePoint(parseInt(name, numeric === '#x' ? 16 : 10))
      : (XML_ENTITIES[name] ?? entity),
  );

/**
 * The text of the first `<tag>` element in an XML document (no attributes expected: the query
 * protocol writes none on its members), or undefined.
 */
export function xmlElement(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match ? xmlText(match[1]!) : undefined;
}

/** The query protocol's error document: `<ErrorResponse><Error><Code>…<Message>…`. */
const xmlErrorOf = (answer: Answer) => ({
  code: xmlElement(answer.text, 'Code'),
  message: xmlElement(answer.text, 'Message'),
});

/** An action of a query-protocol service; the answer is its XML text. */
export async function queryRequest(
  service: AwsService,
  region: string,
  action: string,
  parameters: Record<string, string | number | undefined>,
  options: AwsRequestOptions = {},
): Promise<string> {
  const form = new URLSearchParams({ Action: action, Version: service.apiVersion ?? '' });
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined) form.set(name, String(value));
  }
  const answer = await sendWithRetries(
    {
      service,
      region,
      operation: `${service.endpointVariable}.${action}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: form.toString(),
      errorOf: xmlErrorOf,
    },
    options,
  );
  return answer.text;
}
