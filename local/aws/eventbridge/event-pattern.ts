/**
 * Amazon EventBridge event pattern matching, for the local bus and `irwatch test-event-pattern`.
 *
 * The semantics follow the EventBridge user guide ("Event pattern syntax", "Comparison operators
 * for use in event patterns", "Arrays in ... event patterns", "Matching null values and empty
 * strings ...") and, where the guide is silent, the behaviour of aws/event-ruler, the open-source
 * matcher EventBridge runs:
 * - Patterns and events are compared as flattened `a.b.c` paths, so `{"a": {"b": [...]}}` and
 *   `{"a.b": [...]}` are the same pattern and a later duplicate of a path replaces an earlier one.
 * - Objects inside event arrays are matched array-consistently: two pattern fields can't be
 *   satisfied by objects taken from different elements of the same array.
 * - Fields are checked in sorted path order, which decides which array element an
 *   `{"exists": false}` is checked against (event-ruler walks its state machine in that order).
 */

type JsonScalar = string | number | boolean | null;

export class EventPatternError extends Error {
  constructor(
    message: string,
    /** Dotted location of the offending field, with `$or[i]` steps; empty for the whole pattern. */
    readonly path: string,
    /** The operator being validated, when the problem is inside an operator object. */
    readonly operator?: string,
  ) {
    super(message);
    this.name = 'EventPatternError';
  }
}

export type StringMatcher =
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'wildcard'; readonly value: string; readonly regex: RegExp };

export type NumericOperator = '=' | '<' | '<=' | '>' | '>=';

export type ValueMatcher =
  | { readonly kind: 'exact'; readonly value: JsonScalar }
  | StringMatcher
  | { readonly kind: 'anything-but'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'anything-but-matching'; readonly matchers: readonly StringMatcher[] }
  | {
      readonly kind: 'numeric';
      readonly conditions: readonly { readonly op: NumericOperator; readonly value: number }[];
    }
  | { readonly kind: 'cidr'; readonly value: string; readonly range: IpRange }
  | { readonly kind: 'exists'; readonly value: boolean };

export interface IpRange {
  readonly family: 4 | 6;
  readonly low: bigint;
  readonly high: bigint;
}

export interface FieldCondition {
  /** Flattened event path, e.g. `detail.state`. */
  readonly path: string;
  /** The field matches when any of these match. */
  readonly matchers: readonly ValueMatcher[];
}

const EVENT_PATTERN: unique symbol = Symbol('irwatch.event-pattern');

export type EventPattern = {
  readonly [EVENT_PATTERN]: true;
  /** One branch per `$or` alternative; each branch is an AND of conditions sorted by path. */
  readonly branches: readonly (readonly FieldCondition[])[];
};

const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
  'wildcard',
] as const;
const OPERATOR_NAMES: ReadonlySet<string> = new Set<string>(OPERATORS);
const NUMERIC_OPERATORS: ReadonlySet<string> = new Set<NumericOperator>([
  '=',
  '<',
  '<=',
  '>',
  '>=',
]);

type Branch = Map<string, readonly ValueMatcher[]>;

// ---------------------------------------------------------------------------------------------
// Parsing

export function parseEventPattern(pattern: unknown): EventPattern {
  if (isEventPattern(pattern)) return pattern;
  if (!isJsonObject(pattern)) {
    const hint = typeof pattern === 'string' ? ' (parse the JSON text before passing it)' : '';
    throw new EventPatternError(
      `Invalid event pattern: the pattern must be a JSON object, got ${describe(pattern)}${hint}`,
      '',
    );
  }
  const branches = compileObject(pattern, [], '', [new Map()], false);
  return {
    [EVENT_PATTERN]: true,
    branches: branches.map((branch) =>
      [...branch.entries()]
        .map(([path, matchers]) => ({ path, matchers }))
        .sort((a, b) => compareStrings(a.path, b.path)),
    ),
  };
}

function compileObject(
  object: Record<string, unknown>,
  keyPath: readonly string[],
  where: string,
  branches: readonly Branch[],
  insideOr: boolean,
): Branch[] {
  const entries = Object.entries(object);
  if (entries.length === 0) {
    throw fail(where, 'empty objects are not allowed; give at least one field to match');
  }
  let current = [...branches];
  for (const [key, value] of entries) {
    if (key === '$or') {
      current = compileOr(value, keyPath, where, current);
      continue;
    }
    const fieldWhere = where === '' ? key : `${where}.${key}`;
    if (insideOr && OPERATOR_NAMES.has(key)) {
      throw fail(
        fieldWhere,
        `"${key}" is an operator name and can't be used as a field name inside "$or"`,
      );
    }
    const fieldPath = [...keyPath, key];
    if (isJsonObject(value)) {
      current = compileObject(value, fieldPath, fieldWhere, current, insideOr);
    } else if (Array.isArray(value)) {
      const matchers = compileMatchList(value, fieldWhere);
      const flat = fieldPath.join('.');
      current = current.map((branch) => new Map(branch).set(flat, matchers));
    } else {
      throw fail(
        fieldWhere,
        `expected an array of values to match or a nested object, got ${describe(value)}`,
      );
    }
  }
  return current;
}

function compileOr(
  value: unknown,
  keyPath: readonly string[],
  where: string,
  branches: readonly Branch[],
): Branch[] {
  const orWhere = where === '' ? '$or' : `${where}.$or`;
  if (!Array.isArray(value) || value.length < 2) {
    throw fail(orWhere, '"$or" expects an array of at least two objects', '$or');
  }
  return value.flatMap((option: unknown, index) => {
    const optionWhere = `${orWhere}[${index}]`;
    if (!isJsonObject(option)) {
      throw fail(optionWhere, `"$or" accepts only objects, got ${describe(option)}`, '$or');
    }
    return compileObject(option, keyPath, optionWhere, branches, true);
  });
}

function compileMatchList(values: readonly unknown[], where: string): ValueMatcher[] {
  if (values.length === 0) {
    throw fail(where, 'empty arrays are not allowed; list at least one value to match');
  }
  return values.map((value): ValueMatcher => {
    if (isJsonObject(value)) return compileOperator(value, where);
    if (isJsonScalar(value)) return { kind: 'exact', value };
    if (Array.isArray(value)) {
      throw fail(where, `nested arrays are not allowed in a value list, got ${describe(value)}`);
    }
    throw fail(
      where,
      `match values must be strings, numbers, true, false, null or an operator object, got ${describe(value)}`,
    );
  });
}

function compileOperator(expression: Record<string, unknown>, where: string): ValueMatcher {
  const keys = Object.keys(expression);
  const [operator] = keys;
  if (operator === undefined || keys.length !== 1) {
    throw fail(
      where,
      `an operator object must have exactly one key, got ${keys.length === 0 ? 'none' : keys.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  const value = expression[operator];
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return compilePrefixOrSuffix(operator, value, where);
    case 'equals-ignore-case':
      return { kind: 'equals-ignore-case', value: requireString(value, operator, where) };
    case 'wildcard':
      return compileWildcard(requireString(value, operator, where), where, operator);
    case 'anything-but':
      return compileAnythingBut(value, where);
    case 'numeric':
      return compileNumeric(value, where);
    case 'exists':
      if (typeof value !== 'boolean') {
        throw fail(where, `"exists" expects true or false, got ${describe(value)}`, operator);
      }
      return { kind: 'exists', value };
    case 'cidr':
      return compileCidr(requireString(value, operator, where), where);
    default:
      throw fail(
        where,
        `unknown operator "${operator}"; expected one of ${OPERATORS.join(', ')}`,
        operator,
      );
  }
}

function compilePrefixOrSuffix(
  kind: 'prefix' | 'suffix',
  value: unknown,
  where: string,
): StringMatcher {
  if (typeof value === 'string') return { kind, value, ignoreCase: false };
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    const inner = value['equals-ignore-case'];
    if (keys.length === 1 && typeof inner === 'string') {
      return { kind, value: inner, ignoreCase: true };
    }
  }
  throw fail(
    where,
    `"${kind}" expects a string or {"equals-ignore-case": "<string>"}, got ${describe(value)}`,
    kind,
  );
}

function compileAnythingBut(value: unknown, where: string): ValueMatcher {
  const operator = 'anything-but';
  if (typeof value === 'string' || isFiniteNumber(value)) {
    return { kind: operator, values: [value] };
  }
  if (Array.isArray(value)) {
    const list: unknown[] = value;
    if (list.length > 0 && list.every((item) => typeof item === 'string')) {
      return { kind: operator, values: list.filter((item) => typeof item === 'string') };
    }
    if (list.length > 0 && list.every(isFiniteNumber)) {
      return { kind: operator, values: list.filter(isFiniteNumber) };
    }
    throw fail(
      where,
      '"anything-but" list must be non-empty and hold only strings or only numbers',
      operator,
    );
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    const [inner] = keys;
    if (inner !== undefined && keys.length === 1) {
      const operand = value[inner];
      const innerWhere = `"anything-but": {"${inner}": ...}`;
      const strings = stringOrStringList(operand);
      switch (inner) {
        case 'prefix':
        case 'suffix':
          if (strings === undefined || strings.some((s) => s === '')) {
            throw fail(
              where,
              `${innerWhere} expects a non-empty string or a list of non-empty strings, got ${describe(operand)}`,
              operator,
            );
          }
          return {
            kind: 'anything-but-matching',
            matchers: strings.map((s) => ({ kind: inner, value: s, ignoreCase: false })),
          };
        case 'equals-ignore-case':
          if (strings === undefined) {
            throw fail(
              where,
              `${innerWhere} expects a string or a list of strings, got ${describe(operand)}`,
              operator,
            );
          }
          return {
            kind: 'anything-but-matching',
            matchers: strings.map((s) => ({ kind: inner, value: s })),
          };
        case 'wildcard':
          if (strings === undefined) {
            throw fail(
              where,
              `${innerWhere} expects a string or a list of strings, got ${describe(operand)}`,
              operator,
            );
          }
          return {
            kind: 'anything-but-matching',
            matchers: strings.map((s) => compileWildcard(s, where, operator)),
          };
        default:
          break;
      }
    }
    throw fail(
      where,
      `"anything-but" objects take exactly one of prefix, suffix, equals-ignore-case or wildcard, got ${keys.length === 0 ? 'none' : keys.map((k) => `"${k}"`).join(', ')}`,
      operator,
    );
  }
  throw fail(
    where,
    `"anything-but" expects a string, a number, a list of strings or numbers, or an object with prefix, suffix, equals-ignore-case or wildcard; got ${describe(value)}`,
    operator,
  );
}

function compileNumeric(value: unknown, where: string): ValueMatcher {
  const operator = 'numeric';
  const usage = '"numeric" expects pairs of a comparison operator and a number';
  if (!Array.isArray(value) || value.length === 0 || value.length % 2 !== 0) {
    throw fail(where, `${usage}, such as [">", 0, "<=", 5]; got ${describe(value)}`, operator);
  }
  const items: unknown[] = value;
  const conditions: { op: NumericOperator; value: number }[] = [];
  for (let i = 0; i < items.length; i += 2) {
    const op = items[i];
    const operand = items[i + 1];
    if (typeof op !== 'string' || !isNumericOperator(op)) {
      throw fail(
        where,
        `${usage}; ${describe(op)} is not one of "=", "<", "<=", ">", ">="`,
        operator,
      );
    }
    if (!isFiniteNumber(operand)) {
      throw fail(where, `${usage}; the value after "${op}" must be a number`, operator);
    }
    conditions.push({ op, value: operand });
  }
  const [first, second] = conditions;
  if (first !== undefined && second !== undefined) {
    // event-ruler accepts only a lower bound followed by an upper bound.
    if (
      conditions.length > 2 ||
      (first.op !== '>' && first.op !== '>=') ||
      (second.op !== '<' && second.op !== '<=')
    ) {
      throw fail(
        where,
        `"numeric" ranges must be a lower bound (">" or ">=") followed by an upper bound ("<" or "<="), got ${JSON.stringify(items)}`,
        operator,
      );
    }
    if (!(first.value < second.value)) {
      throw fail(
        where,
        `"numeric" range lower bound ${first.value} must be less than upper bound ${second.value}`,
        operator,
      );
    }
  }
  return { kind: 'numeric', conditions };
}

function compileCidr(text: string, where: string): ValueMatcher {
  const operator = 'cidr';
  const parts = text.split('/');
  const [address, bitsText] = parts;
  if (parts.length !== 2 || address === undefined || bitsText === undefined) {
    throw fail(where, `"cidr" expects "<ip address>/<mask bits>", got "${text}"`, operator);
  }
  if (!/^\d+$/.test(bitsText)) {
    throw fail(
      where,
      `"cidr" mask bits must be a non-negative integer, got "${bitsText}"`,
      operator,
    );
  }
  const ip = parseIp(address);
  if (ip === undefined) {
    throw fail(where, `"cidr" has an invalid IP address "${address}"`, operator);
  }
  const width = ip.family === 4 ? 32 : 128;
  const bits = Number(bitsText);
  // event-ruler rejects full-length masks (/32, /128); match a single address with an exact value.
  if (bits >= width) {
    throw fail(
      where,
      `"cidr" mask bits for IPv${ip.family} must be less than ${width}, got ${bits}`,
      operator,
    );
  }
  const hostMask = (1n << BigInt(width - bits)) - 1n;
  // event-ruler ranges from the address as written (host bits are not cleared) to its broadcast.
  return {
    kind: 'cidr',
    value: text,
    range: { family: ip.family, low: ip.value, high: ip.value | hostMask },
  };
}

function compileWildcard(text: string, where: string, operator: string): StringMatcher {
  let source = '';
  let literal = '';
  let previousWasStar = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') {
        throw fail(
          where,
          `"wildcard" allows a backslash only before "*" or another backslash (at position ${i + 1} of "${text}")`,
          operator,
        );
      }
      literal += next;
      i++;
      previousWasStar = false;
    } else if (char === '*') {
      if (previousWasStar) {
        throw fail(
          where,
          `"wildcard" does not allow consecutive "*" characters (at position ${i + 1} of "${text}")`,
          operator,
        );
      }
      source += escapeRegExp(literal) + '[\\s\\S]*';
      literal = '';
      previousWasStar = true;
    } else {
      literal += char;
      previousWasStar = false;
    }
  }
  source += escapeRegExp(literal);
  return { kind: 'wildcard', value: text, regex: new RegExp(`^${source}$`) };
}

function requireString(value: unknown, operator: string, where: string): string {
  if (typeof value !== 'string') {
    throw fail(where, `"${operator}" expects a string, got ${describe(value)}`, operator);
  }
  return value;
}

function stringOrStringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const list: unknown[] = value;
  const strings = list.filter((item): item is string => typeof item === 'string');
  return strings.length === list.length ? strings : undefined;
}

function fail(where: string, detail: string, operator?: string): EventPatternError {
  const location = where === '' ? 'Invalid event pattern' : `Invalid event pattern at ${where}`;
  return new EventPatternError(`${location}: ${detail}`, where, operator);
}

// ---------------------------------------------------------------------------------------------
// Matching

interface EventField {
  readonly value: JsonScalar;
  /** Array id -> element index for every array this value sits in. */
  readonly arrays: ReadonlyMap<number, number>;
}

export function matchesEventPattern(pattern: EventPattern | unknown, event: unknown): boolean {
  const compiled = parseEventPattern(pattern);
  // TestEventPattern only accepts JSON objects as events; anything else can't carry the fields.
  if (!isJsonObject(event)) return false;
  const paths = new Set(compiled.branches.flatMap((branch) => branch.map((c) => c.path)));
  const fields = flattenEvent(event, paths);
  return compiled.branches.some((branch) => matchBranch(branch, fields));
}

function flattenEvent(
  event: Record<string, unknown>,
  wanted: ReadonlySet<string>,
): Map<string, EventField[]> {
  // Any event path that can lead to a wanted path is a dot-separated prefix of it, whether the
  // event nests objects or uses dotted keys.
  const prefixes = new Set<string>();
  for (const path of wanted) {
    let end = path.indexOf('.');
    while (end !== -1) {
      prefixes.add(path.slice(0, end));
      end = path.indexOf('.', end + 1);
    }
    prefixes.add(path);
  }
  const fields = new Map<string, EventField[]>();
  let nextArrayId = 0;

  const visit = (value: unknown, path: string, arrays: ReadonlyMap<number, number>): void => {
    if (Array.isArray(value)) {
      const id = nextArrayId++;
      const items: unknown[] = value;
      items.forEach((item, index) => visit(item, path, new Map(arrays).set(id, index)));
    } else if (isJsonObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path === '' ? key : `${path}.${key}`;
        if (prefixes.has(childPath)) visit(child, childPath, arrays);
      }
    } else if (isJsonScalar(value) && wanted.has(path)) {
      const list = fields.get(path);
      if (list) list.push({ value, arrays });
      else fields.set(path, [{ value, arrays }]);
    }
  };
  visit(event, '', new Map());
  return fields;
}

function matchBranch(
  conditions: readonly FieldCondition[],
  fields: ReadonlyMap<string, readonly EventField[]>,
): boolean {
  const step = (index: number, arrays: ReadonlyMap<number, number>): boolean => {
    const condition = conditions[index];
    if (condition === undefined) return true;
    const candidates = (fields.get(condition.path) ?? []).filter((field) =>
      consistent(arrays, field.arrays),
    );
    const allowsAbsence = condition.matchers.some((m) => m.kind === 'exists' && !m.value);
    if (allowsAbsence && candidates.length === 0 && step(index + 1, arrays)) return true;
    const tried = new Set<string>();
    for (const field of candidates) {
      if (!condition.matchers.some((matcher) => matchesValue(matcher, field.value))) continue;
      const merged = new Map([...arrays, ...field.arrays]);
      const key = [...merged].map(([id, i]) => `${id}:${i}`).join(',');
      if (tried.has(key)) continue;
      tried.add(key);
      if (step(index + 1, merged)) return true;
    }
    return false;
  };
  return step(0, new Map());
}

function consistent(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  for (const [id, index] of b) {
    const other = a.get(id);
    if (other !== undefined && other !== index) return false;
  }
  return true;
}

function matchesValue(matcher: ValueMatcher, value: JsonScalar): boolean {
  switch (matcher.kind) {
    case 'exact':
      // Parsed JSON has lost the number's spelling, so 300 and 300.0 compare equal (as event-ruler's
      // numeric-equality pattern for number literals also does).
      return matcher.value === value;
    case 'exists':
      return matcher.value;
    case 'anything-but':
      return !matcher.values.some((excluded) => excluded === value);
    case 'anything-but-matching':
      // Only strings can match the excluded shapes, so every other value passes.
      return typeof value !== 'string' || !matcher.matchers.some((m) => matchesString(m, value));
    case 'numeric':
      return (
        typeof value === 'number' &&
        Number.isFinite(value) &&
        matcher.conditions.every(({ op, value: bound }) => compareNumber(value, op, bound))
      );
    case 'cidr': {
      if (typeof value !== 'string') return false;
      const ip = parseIp(value);
      return (
        ip !== undefined &&
        ip.family === matcher.range.family &&
        ip.value >= matcher.range.low &&
        ip.value <= matcher.range.high
      );
    }
    default:
      return typeof value === 'string' && matchesString(matcher, value);
  }
}

function matchesString(matcher: StringMatcher, value: string): boolean {
  switch (matcher.kind) {
    case 'prefix':
      return matcher.ignoreCase
        ? foldCase(value).startsWith(foldCase(matcher.value))
        : value.startsWith(matcher.value);
    case 'suffix':
      return matcher.ignoreCase
        ? foldCase(value).endsWith(foldCase(matcher.value))
        : value.endsWith(matcher.value);
    case 'equals-ignore-case':
      return foldCase(value) === foldCase(matcher.value);
    case 'wildcard':
      return matcher.regex.test(value);
  }
}

function compareNumber(value: number, op: NumericOperator, bound: number): boolean {
  switch (op) {
    case '=':
      return value === bound;
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
  }
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// IP addresses

interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  // Java's InetAddress, which event-ruler uses, turns IPv4-mapped IPv6 addresses into IPv4 ones.
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

function parseIpv4(text: string): bigint | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  let value = 0n;
  for (const octet of match.slice(1)) {
    const n = Number(octet);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string, allowV4Tail: boolean): bigint[] | undefined => {
    if (part === '') return [];
    const pieces = part.split(':');
    const groups: bigint[] = [];
    for (const [index, piece] of pieces.entries()) {
      if (allowV4Tail && index === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        groups.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(BigInt(`0x${piece}`));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const [head = '', tail] = halves;
  const compressed = tail !== undefined;
  const left = parseGroups(head, !compressed);
  const right = compressed ? parseGroups(tail, true) : [];
  if (left === undefined || right === undefined) return undefined;
  const explicit = left.length + right.length;
  if (compressed ? explicit > 7 : explicit !== 8) return undefined;
  const groups = [...left, ...Array<bigint>(8 - explicit).fill(0n), ...right];
  return groups.reduce((acc, group) => (acc << 16n) | group, 0n);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isEventPattern(value: unknown): value is EventPattern {
  return typeof value === 'object' && value !== null && EVENT_PATTERN in value;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonScalar(value: unknown): value is JsonScalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    isFiniteNumber(value)
  );
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isNumericOperator(value: string): value is NumericOperator {
  return NUMERIC_OPERATORS.has(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Orders like Java's String.compareTo (UTF-16 code units), as event-ruler sorts field names. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array (${JSON.stringify(value)})`;
  if (typeof value === 'object') return `an object (${JSON.stringify(value)})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return String(value);
  return typeof value;
}
