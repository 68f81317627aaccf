import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a SigV4 `Authorization` header claims, before the signature is checked. */
export interface SignedClaims {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export type SignatureProblem =
  | { kind: 'missing'; message: string }
  | { kind: 'malformed'; message: string }
  | { kind: 'expired'; message: string };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** Fifteen minutes either way, as AWS allows. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/** Reads the credential scope of a SigV4 header; says what is wrong with one that is not. */
export function readSignedClaims(req: IncomingMessage): SignedClaims | SignatureProblem {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header === '') {
    return { kind: 'missing', message: 'Request is missing Authentication Token' };
  }
  const match = AUTHORIZATION.exec(header.trim());
  if (!match) {
    return {
      kind: 'malformed',
      message: `Authorization header requires a SigV4 'Credential', 'SignedHeaders' and 'Signature' (got "${header.slice(0, 40)}…")`,
    };
  }
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  return {
    accessKeyId: accessKeyId!,
    date: date!,
    region: region!,
    service: service!,
    signedHeaders: signedHeaders!.split(';'),
    signature: signature!,
  };
}

/** RFC 3986 encoding, as SigV4 wants it: only unreserved characters stay as they are. */
const strictEncode = (value: string) =>
  encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );

const safeDecode = (value: string) => {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
};

function canonicalQuery(search: string): string {
  if (!search) return '';
  return search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [strictEncode(safeDecode(key)), strictEncode(safeDecode(value))] as const;
    })
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/**
 * The two canonical paths signers produce for services other than S3: the path as sent encoded
 * once more per segment (botocore, the JS SDK), or as sent. Either is accepted.
 */
function canonicalPaths(pathname: string): string[] {
  const encodedAgain = pathname
    .split('/')
    .map((segment) => strictEncode(segment))
    .join('/');
  return [...new Set([encodedAgain || '/', pathname || '/'])];
}

function canonicalHeaders(req: IncomingMessage, names: string[]): string | undefined {
  const values = new Map<string, string[]>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const list = values.get(name) ?? [];
    list.push(req.rawHeaders[i + 1]!.trim().replace(/\s+/g, ' '));
    values.set(name, list);
  }
  const lines: string[] = [];
  for (const name of names) {
    const value = values.get(name);
    if (!value) return undefined;
    lines.push(`${name}:${value.join(',')}\n`);
  }
  return lines.join('');
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data).digest();

/** The request time the signature carries (`X-Amz-Date`, else `Date`), or a reason it is unusable. */
export function signedTime(req: IncomingMessage, now: number): SignatureProblem | undefined {
  const raw = req.headers['x-amz-date'] ?? req.headers.date;
  const value = Array.isArray(raw) ? raw[0] : raw;
  const basic = value && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  const time = basic
    ? Date.UTC(+basic[1]!, +basic[2]! - 1, +basic[3]!, +basic[4]!, +basic[5]!, +basic[6]!)
    : value
      ? Date.parse(value)
      : Number.NaN;
  if (Number.isNaN(time)) {
    return {
      kind: 'malformed',
      message: 'Authorization header requires existence of either a X-Amz-Date or a Date header.',
    };
  }
  if (Math.abs(now - time) > MAX_SKEW_MS) {
    return {
      kind: 'expired',
      message: `Signature expired: ${value} is now earlier or later than ${new Date(now - MAX_SKEW_MS).toISOString()} (${new Date(now + MAX_SKEW_MS).toISOString()})`,
    };
  }
  return undefined;
}

/**
 * Recomputes the SigV4 signature of a request from its method, path, query, the headers it says
 * it signed and its body, with the caller's secret key, and compares it with the one sent.
 */
export function signatureMatches(
  req: IncomingMessage,
  body: Buffer,
  claims: SignedClaims,
  secretAccessKey: string,
): boolean {
  const headers = canonicalHeaders(req, claims.signedHeaders);
  if (headers === undefined) return false;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const contentHash = req.headers['x-amz-content-sha256'];
  const payloadHash =
    typeof contentHash === 'string' && claims.signedHeaders.includes('x-amz-content-sha256')
      ? contentHash
      : sha256(body);
  const url = new URL(req.url ?? '/', 'http://local.invalid');
  const dateKey = hmac(`AWS4${secretAccessKey}`, claims.date);
  const key = hmac(hmac(hmac(dateKey, claims.region), claims.service), 'aws4_request');
  const expected = Buffer.from(claims.signature, 'hex');
  return canonicalPaths(url.pathname).some((path) => {
    const canonical = [
      req.method ?? 'GET',
      path,
      canonicalQuery(url.search),
      headers,
      claims.signedHeaders.join(';'),
      payloadHash,
    ].join('\n');
    const scope = `${claims.date}/${claims.region}/${claims.service}/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    const actual = hmac(key, stringToSign);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
}
