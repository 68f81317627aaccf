import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { ConfigError } from '../../shared/config.js';
import { badRequest } from './problem.js';

/**
 * Pagination cursors: base64url(JSON payload) "." base64url(HMAC-SHA256(payload)). The payload
 * names the route and a fingerprint of the query it continues, so a cursor only ever continues
 * the listing that issued it; the signature makes its DynamoDB key impossible to forge.
 */
export interface CursorScope {
  route: string;
  fingerprint: string;
}

const MAX_CURSOR_LENGTH = 4096;
const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;
export const MIN_CURSOR_KEY_LENGTH = 32;

const payloadSchema = z.object({
  v: z.literal(1),
  r: z.string(),
  q: z.string(),
  p: z.unknown(),
});

const invalidCursor = (reason: string) =>
  badRequest([{ name: 'cursor', in: 'query', reason }], `Invalid cursor: ${reason}`);

/** A stable digest of the parameters that define a listing (not `limit`, not `cursor`). */
export function queryFingerprint(values: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(values)
      .sort()
      .filter((name) => values[name] !== undefined)
      .map((name) => [name, values[name]]),
  );
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

export class CursorCodec {
  constructor(private readonly key: Buffer) {
    if (key.length < MIN_CURSOR_KEY_LENGTH) {
      throw new ConfigError(`The cursor key needs at least ${MIN_CURSOR_KEY_LENGTH} bytes`);
    }
  }

  private sign(data: string): Buffer {
    return createHmac('sha256', this.key).update(data).digest();
  }

  encode(scope: CursorScope, position: unknown): string {
    const payload = Buffer.from(
      JSON.stringify({ v: 1, r: scope.route, q: scope.fingerprint, p: position }),
    ).toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** The position the cursor carries, validated by `position`; a 400 naming `cursor` otherwise. */
  decode<T>(token: string, scope: CursorScope, position: z.ZodMiniType<T>): T {
    if (token.length > MAX_CURSOR_LENGTH || !TOKEN.test(token)) {
      throw invalidCursor('is not a cursor issued by this API; pass nextCursor unchanged');
    }
    const [payload = '', signature = ''] = token.split('.');
    const expected = this.sign(payload);
    const given = Buffer.from(signature, 'base64url');
    // base64url leaves spare bits in the last character: only the canonical spelling counts,
    // or a changed character could still pass.
    const canonical = given.toString('base64url') === signature;
    if (!canonical || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidCursor('signature does not match; pass nextCursor unchanged');
    }
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor('is not a cursor issued by this API; pass nextCursor unchanged');
    }
    const parsed = payloadSchema.safeParse(decoded);
    if (!parsed.success) {
      throw invalidCursor('was issued by another version of this API; start from the first page');
    }
    if (parsed.data.r !== scope.route) {
      throw invalidCursor('was issued by another route; use it only where it was returned');
    }
    if (parsed.data.q !== scope.fingerprint) {
      throw invalidCursor(
        'was issued for different query parameters; repeat the first page’s parameters (only limit may change)',
      );
    }
    const at = position.safeParse(parsed.data.p);
    if (!at.success) {
      throw invalidCursor('was issued by another version of this API; start from the first page');
    }
    return at.data;
  }
}

export interface CursorKeySource {
  /** ARN of the Secrets Manager secret holding the key (deployed; the stack generates it). */
  secretId?: string;
  /** A key given directly (tests only; never set in serverless.yml). */
  localKey?: string;
  fetchSecret(secretId: string): Promise<string | undefined>;
}

/**
 * The key that signs cursors: the secret when one is named, else a given local key, else a
 * random key for this process (cursors then die with the process, which a test accepts).
 */
export async function loadCursorKey(source: CursorKeySource): Promise<Buffer> {
  if (source.secretId) {
    const value = await source.fetchSecret(source.secretId);
    if (!value || value.length < MIN_CURSOR_KEY_LENGTH) {
      throw new ConfigError(
        `Secret ${source.secretId} must hold at least ${MIN_CURSOR_KEY_LENGTH} characters`,
      );
    }
    return Buffer.from(value, 'utf8');
  }
  if (source.localKey) return Buffer.from(source.localKey, 'utf8');
  return randomBytes(MIN_CURSOR_KEY_LENGTH);
}
