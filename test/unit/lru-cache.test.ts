import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import LRUCache from '../../shared/lru-cache.js';

type Cache = Pick<LRUCache<number, string>, 'get' | 'peek' | 'has' | 'set' | 'clear' | 'size'>;
// The original, as the SDK loads it: `module.exports = LRUCache` (its typings claim a default
// export, which TypeScript's Node16 resolution then cannot construct).
const MnemonistLRUCache = createRequire(import.meta.url)('mnemonist/lru-cache') as new (
  capacity: number,
) => Cache;

type Op =
  | { op: 'set'; key: number; value: string }
  | { op: 'get' | 'peek' | 'has'; key: number }
  | { op: 'clear' };

const KEYS = 5;
const key = fc.integer({ min: 0, max: KEYS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.string() }),
  },
  { weight: 10, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('peek', 'has'), key }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

describe('LRUCache (the bundles’ stand-in for mnemonist/lru-cache)', () => {
  it('answers every sequence of calls exactly as mnemonist does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: KEYS - 1 }),
        fc.array(opArb, { maxLength: 60 }),
        (capacity, ops) => {
          const ours = new LRUCache<number, string>(capacity);
          const theirs = new MnemonistLRUCache(capacity);
          for (const step of ops) {
            if (step.op === 'set') {
              expect(ours.set(step.key, step.value)).toBe(ours);
              theirs.set(step.key, step.value);
            } else if (step.op === 'clear') {
              ours.clear();
              theirs.clear();
            } else {
              expect(ours[step.op](step.key)).toEqual(theirs[step.op](step.key));
            }
            expect(ours.size).toBe(theirs.size);
          }
          // Same entries left, without touching their recency.
          for (let k = 0; k < KEYS; k += 1) expect(ours.peek(k)).toEqual(theirs.peek(k));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('evicts the least recently used entry, and a read counts as a use', () => {
    const cache = new LRUCache<string, number>(2).set('a', 1).set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.peek('a')).toBe(1);
    cache.set('d', 4);
    expect([cache.has('a'), cache.has('c'), cache.has('d')]).toEqual([false, true, true]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LRUCache(0)).toThrow(/positive integer, got 0/);
    expect(() => new LRUCache(1.5)).toThrow(RangeError);
  });
});
