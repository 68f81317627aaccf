import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigError } from '../../shared/config.js';
import { CursorCodec, loadCursorKey, queryFingerprint } from '../../functions/api/cursor.js';
import { jobListingPositionSchema } from '../../functions/api/job-listing.js';
import { ProblemError } from '../../functions/api/problem.js';
import { tableDefinition } from '../../shared/db/table.js';

const key = Buffer.from('unit-test-cursor-key-0123456789abcdef');
const codec = new CursorCodec(key);
const scope = { route: 'listJobs', fingerprint: queryFingerprint({ status: 'COMPLETED' }) };
const position = z.strictObject({ key: z.record(z.string(), z.string()) });

function rejection(run: () => unknown): ProblemError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a 400');
}

describe('CursorCodec', () => {
  it('carries any JSON position within its scope, as JSON carries it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (at) => {
        const cursor = codec.encode(scope, at);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
        // JSON has no -0 (it comes back as 0); everything else comes back unchanged.
        expect(codec.decode(cursor, scope, z.unknown())).toEqual(JSON.parse(JSON.stringify(at)));
      }),
    );
  });

  it('round-trips any job-listing position, keyed by the table’s own key attributes', () => {
    const attribute = fc.constantFrom(
      ...tableDefinition.AttributeDefinitions.map((a) => a.AttributeName),
    );
    const listingPosition = fc.oneof(
      fc.record({ key: fc.dictionary(attribute, fc.string()) }),
      fc.record({ before: fc.string() }),
    );
    fc.assert(
      fc.property(listingPosition, (at) => {
        const cursor = codec.encode(scope, at);
        expect(codec.decode(cursor, scope, jobListingPositionSchema)).toEqual(at);
      }),
    );
  });

  it('rejects every single-character change, as a 400 naming the cursor', () => {
    const cursor = codec.encode(scope, { key: { PK: 'JOB#a', SK: 'JOB' } });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    for (let index = 0; index < cursor.length; index += 1) {
      for (const char of alphabet) {
        if (char === cursor[index]) continue;
        const changed = `${cursor.slice(0, index)}${char}${cursor.slice(index + 1)}`;
        const error = rejection(() => codec.decode(changed, scope, position));
        expect(error.status).toBe(400);
        expect(error.extra.invalidParams?.[0]?.name).toBe('cursor');
      }
    }
  });

  it('rejects a cursor of another route, another query, another key or another shape', () => {
    const cursor = codec.encode(scope, { key: { PK: 'x' } });
    expect(
      rejection(() => codec.decode(cursor, { ...scope, route: 'listModelJobs' }, position)).detail,
    ).toContain('another route');
    expect(
      rejection(() => codec.decode(cursor, { ...scope, fingerprint: 'other' }, position)).detail,
    ).toContain('different query');
    const foreign = new CursorCodec(randomBytes(32)).encode(scope, { key: { PK: 'x' } });
    expect(rejection(() => codec.decode(foreign, scope, position)).detail).toContain('signature');
    const otherShape = codec.encode(scope, { before: 'x' });
    expect(rejection(() => codec.decode(otherShape, scope, position)).status).toBe(400);
    expect(rejection(() => codec.decode('x'.repeat(5000), scope, position)).status).toBe(400);
    expect(rejection(() => codec.decode('', scope, position)).status).toBe(400);
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => new CursorCodec(Buffer.from('short'))).toThrow(ConfigError);
  });
});

describe('queryFingerprint', () => {
  it('depends on values, not on the order parameters were given in', () => {
    expect(queryFingerprint({ a: 1, b: 'x' })).toBe(queryFingerprint({ b: 'x', a: 1 }));
    expect(queryFingerprint({ a: 1, b: undefined })).toBe(queryFingerprint({ a: 1 }));
    expect(queryFingerprint({ a: 1 })).not.toBe(queryFingerprint({ a: 2 }));
  });
});

describe('loadCursorKey', () => {
  it('reads the secret when one is named, and only then', async () => {
    const fetched: string[] = [];
    const fetchSecret = async (name: string) => {
      fetched.push(name);
      return 'k'.repeat(40);
    };
    expect(await loadCursorKey({ secretId: 'arn:s', localKey: 'ignored', fetchSecret })).toEqual(
      Buffer.from('k'.repeat(40)),
    );
    expect(fetched).toEqual(['arn:s']);
    expect(await loadCursorKey({ localKey: 'l'.repeat(32), fetchSecret })).toEqual(
      Buffer.from('l'.repeat(32)),
    );
    const random = await loadCursorKey({ fetchSecret });
    expect(random).toHaveLength(32);
    expect(await loadCursorKey({ fetchSecret })).not.toEqual(random);
    expect(fetched).toEqual(['arn:s']);
  });

  it('fails on an empty or short secret instead of signing with it', async () => {
    await expect(
      loadCursorKey({ secretId: 'arn:s', fetchSecret: async () => undefined }),
    ).rejects.toThrow(ConfigError);
    await expect(
      loadCursorKey({ secretId: 'arn:s', fetchSecret: async () => 'short' }),
    ).rejects.toThrow(ConfigError);
  });
});
