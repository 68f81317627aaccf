/**
 * A small JSON Schema (2020-12) validator for the keywords z.toJSONSchema emits, so the API's
 * real responses can be checked against the OpenAPI document itself. A keyword it does not know
 * is an error, never silently passed: a schema it cannot check fails the test instead.
 */

export type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['description', 'default', 'title', 'examples', 'format', '$comment']);
const KNOWN = new Set([
  ...ANNOTATIONS,
  '$ref',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'anyOf',
  'oneOf',
  'allOf',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return isObject(value);
    default:
      return typeOf(value) === type;
  }
}

/** Resolves `#/a/b` against the root document (the OpenAPI document). */
function resolve(root: unknown, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`Unsupported $ref ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) || !(key in node)) throw new Error(`Unresolvable $ref ${ref}`);
    node = node[key];
  }
  if (!isObject(node) && typeof node !== 'boolean') throw new Error(`$ref ${ref} is no schema`);
  return node;
}

export function validate(root: unknown, schema: Schema, value: unknown, at = ''): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at || '/'}: no value allowed`];
  const errors: string[] = [];
  const fail = (message: string) => errors.push(`${at || '/'}: ${message}`);
  for (const keyword of Object.keys(schema)) {
    if (!KNOWN.has(keyword)) throw new Error(`Validator does not know keyword ${keyword} at ${at}`);
  }
  if (typeof schema.$ref === 'string') {
    errors.push(...validate(root, resolve(root, schema.$ref), value, at));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => hasType(value, type))) {
      fail(`expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return errors;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => option === value)) {
    fail(`expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`);
  }
  if ('const' in schema && schema.const !== value) fail(`expected ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      fail(`above ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) {
      fail(`not above ${schema.exclusiveMinimum}`);
    }
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) {
      fail(`not below ${schema.exclusiveMaximum}`);
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) fail('too short');
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) fail('too long');
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) {
      fail(`does not match ${schema.pattern}`);
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      fail('too few items');
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      fail('too many items');
    if (schema.items !== undefined) {
      value.forEach((item, index) =>
        errors.push(...validate(root, schema.items as Schema, item, `${at}/${index}`)),
      );
    }
  }
  if (isObject(value)) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    for (const name of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
      if (!(name in value)) fail(`missing required property ${name}`);
    }
    for (const [name, item] of Object.entries(value)) {
      const where = `${at}/${name}`;
      if (name in properties) {
        errors.push(...validate(root, properties[name] as Schema, item, where));
      } else if (schema.additionalProperties !== undefined) {
        errors.push(...validate(root, schema.additionalProperties as Schema, item, where));
      }
      if (schema.propertyNames !== undefined) {
        errors.push(...validate(root, schema.propertyNames as Schema, name, `${where} (name)`));
      }
    }
  }
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf as Schema[]) errors.push(...validate(root, part, value, at));
  }
  if (Array.isArray(schema.anyOf)) {
    const results = (schema.anyOf as Schema[]).map((part) => validate(root, part, value, at));
    if (!results.some((result) => result.length === 0)) {
      fail(`matches no anyOf branch: ${results.map((r) => r[0]).join(' | ')}`);
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter(
      (part) => validate(root, part, value, at).length === 0,
    ).length;
    if (passing !== 1) fail(`matches ${passing} oneOf branches, not exactly 1`);
  }
  return errors;
}
