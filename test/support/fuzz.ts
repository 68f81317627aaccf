import fc from 'fast-check';

/**
 * Shared pieces of the fuzz suites (test/fuzz): run counts, hostile values, and checks of what
 * DynamoDB would accept.
 */

/** Cases per target; IRWATCH_FUZZ_RUNS raises it for a longer local hunt. */
export const FUZZ_RUNS = Math.max(2_000, Number(process.env.IRWATCH_FUZZ_RUNS) || 0);

/** A test's time limit, grown with the cases it runs. */
export const FUZZ_TIMEOUT_MS = Math.max(60_000, FUZZ_RUNS * 30);

const MAX_REPORT = 4_000;

/**
 * Reports a failure as fast-check does (seed, path, counterexample, cause), cut to a readable
 * length: a counterexample can hold a 400 KB string.
 */
const shortReport =
  <T>(): fc.Plugin<T> =>
  () => ({
    onAllRunsComplete(details) {
      if (!details.failed) return;
      const report = fc.defaultReportMessage(details) ?? 'Property failed';
      const cut =
        report.length > MAX_REPORT
          ? `${report.slice(0, MAX_REPORT)}… [${report.length - MAX_REPORT} characters cut]`
          : report;
      throw new Error(cut, { cause: details.errorInstance });
    },
  });

/**
 * fast-check picks a fresh seed each run and prints it, with the shrunk counterexample, when a
 * property fails; IRWATCH_FUZZ_SEED replays one.
 */
export function fuzzParameters<T>(numRuns = FUZZ_RUNS): fc.Parameters<T> {
  const seed = Number(process.env.IRWATCH_FUZZ_SEED);
  return {
    numRuns,
    plugins: [shortReport<T>()],
    ...(Number.isInteger(seed) ? { seed } : {}),
  };
}

/** Text of every kind: ASCII, any code point, lone surrogates, combining marks, emoji. */
export const anyText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.constantFrom('', ' ', '\u0000', '\ud800', 'é', 'e\u0301', '🦜', '\u202e', 'NaN', 'null'),
  );

/** `text` said over and over, `min` to `max` times: long strings without drawing every character. */
export const repeated = (text: fc.Arbitrary<string>, min: number, max: number) =>
  fc
    .tuple(
      text.filter((unit) => unit.length > 0),
      fc.integer({ min, max }),
    )
    .map(([unit, times]) => unit.repeat(times));

/** A string from a few KB up to past DynamoDB's 400 KB item limit. */
export const hugeText: fc.Arbitrary<string> = repeated(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
  2_000,
  140_000,
);

/** Numbers as the SDK can hand them over: NaN and ±Infinity (from "NaN"/"Infinity"), -0, huge. */
export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, Number.MIN_VALUE, 1e308, -1e308),
);

/** A value of the wrong type, or none: what a field must survive besides its own type. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  anyNumber,
  anyText(),
  fc.boolean(),
  fc.date({ noInvalidDate: false }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(anyText(8), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** Either a value of the right shape or a wrong one (one time in `wrongOneIn`). */
export const sometimesWrong = <T>(right: fc.Arbitrary<T>, wrongOneIn = 6): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: right, weight: wrongOneIn - 1 }, { arbitrary: wrongValue, weight: 1 });

type Path = Array<string | number>;

const formatPath = (path: Path) => (path.length === 0 ? '(root)' : path.join('.'));

/** Where a value holds NaN or ±Infinity: DynamoDB stores neither. */
export function nonFinitePaths(value: unknown, path: Path = []): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [formatPath(path)];
  if (Array.isArray(value))
    return value.flatMap((item, index) => nonFinitePaths(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => nonFinitePaths(item, [...path, key]));
  }
  return [];
}

/**
 * Where a value holds something that is not plain JSON data (a Date, a class instance, a bigint,
 * undefined inside an array): the DocumentClient, with convertClassInstanceToMap off as irwatch
 * configures it, refuses to marshall those.
 */
export function nonPlainPaths(value: unknown, path: Path = []): string[] {
  if (value === null) return [];
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
      return [];
    case 'undefined':
      return typeof path[path.length - 1] === 'number' ? [formatPath(path)] : [];
    case 'object':
      if (Array.isArray(value)) {
        return value.flatMap((item, index) => nonPlainPaths(item, [...path, index]));
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return [formatPath(path)];
      return Object.entries(value).flatMap(([key, item]) => nonPlainPaths(item, [...path, key]));
    default:
      return [formatPath(path)];
  }
}

/** DynamoDB's hard item size limit. */
export const DYNAMODB_ITEM_LIMIT = 400 * 1024;
export const PARTITION_KEY_LIMIT = 2_048;
export const SORT_KEY_LIMIT = 1_024;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * An upper bound of the size DynamoDB counts for an item, after its documented rules: attribute
 * names and strings by their UTF-8 length, numbers at most 21 bytes, null and booleans 1, lists
 * and maps 3 bytes plus 1 per element.
 */
export function dynamoDbItemSize(item: Record<string, unknown>): number {
  const size = (value: unknown): number => {
    if (value === null || value === undefined || typeof value === 'boolean') return 1;
    if (typeof value === 'number') return 21;
    if (typeof value === 'string') return utf8(value);
    if (Array.isArray(value)) return 3 + value.reduce<number>((sum, v) => sum + 1 + size(v), 0);
    if (typeof value === 'object') {
      return (
        3 +
        Object.entries(value).reduce<number>(
          (sum, [name, v]) => (v === undefined ? sum : sum + 1 + utf8(name) + size(v)),
          0,
        )
      );
    }
    return 0;
  };
  return Object.entries(item).reduce<number>(
    (sum, [name, value]) => (value === undefined ? sum : sum + utf8(name) + size(value)),
    0,
  );
}
