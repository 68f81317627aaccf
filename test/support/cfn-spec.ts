import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, Resource } from '@aws-cdk/service-spec-types';

/**
 * Checks a CloudFormation template (the JSON `osls package` writes) against the resource
 * specification in `@aws-cdk/aws-service-spec`: what CloudFormation itself would reject at
 * deploy time, found offline. Findings are readable strings that start with the template path.
 */

export type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

export interface CfnSpec {
  db: SpecDatabase;
  /** How long reading, unzipping and indexing the database took. */
  loadMs: number;
}

/** What the checker reads of a template; `CfnTemplate` from serverless.ts fits. */
export interface TemplateDocument {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

/** Loads the database (about 2.6 MB gzipped JSON): once per test file, not once per test. */
export async function loadCfnSpec(): Promise<CfnSpec> {
  const started = performance.now();
  const db = await loadAwsServiceSpec();
  return { db, loadMs: performance.now() - started };
}

export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Condition',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{ Ref: … }` or `{ "Fn::…": … }`: a value CloudFormation computes, valid wherever a value goes. */
export function isIntrinsic(value: unknown): value is JsonObject {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || !!keys[0]?.startsWith('Fn::'));
}

function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

function lookupResource(db: SpecDatabase, type: string): Resource | undefined {
  return db.lookup('resource', 'cloudFormationType', 'equals', type)[0];
}

/** Runs every check; an empty list means CloudFormation would accept the template's shape. */
export function checkTemplate(spec: CfnSpec, template: TemplateDocument): string[] {
  return [...checkResourceShapes(spec, template), ...checkReferences(spec, template)];
}

// ---------------------------------------------------------------------------------------------
// Shapes: resource types, properties, required properties, primitive types.

function checkResourceShapes(spec: CfnSpec, template: TemplateDocument): string[] {
  const findings: string[] = [];
  const resourceNames = new Set(Object.keys(template.Resources));
  const conditionNames = new Set(Object.keys(template.Conditions ?? {}));

  for (const [name, resource] of Object.entries(template.Resources)) {
    const path = `Resources.${name}`;
    findings.push(...checkResourceAttributes(resource, path, resourceNames, conditionNames));

    if (typeof resource.Type !== 'string') {
      findings.push(`${path}.Type: missing resource type`);
      continue;
    }
    if (isCustomResource(resource.Type)) {
      if (resource.Properties?.ServiceToken === undefined) {
        findings.push(
          `${path}.Properties.ServiceToken: missing required property of ${resource.Type}`,
        );
      }
      continue;
    }
    const definition = lookupResource(spec.db, resource.Type);
    if (!definition) {
      findings.push(`${path}.Type: unknown resource type ${resource.Type}`);
      continue;
    }
    const properties: unknown = resource.Properties ?? {};
    if (isIntrinsic(properties)) continue;
    if (!isObject(properties)) {
      findings.push(`${path}.Properties: expected an object, got ${describeValue(properties)}`);
      continue;
    }
    const context: ShapeContext = { db: spec.db, resourceType: resource.Type, findings };
    checkObject(properties, definition.properties, resource.Type, `${path}.Properties`, context);
  }
  return findings;
}

/** The keys beside Properties: DependsOn, DeletionPolicy, Condition… */
function checkResourceAttributes(
  resource: object,
  path: string,
  resourceNames: ReadonlySet<string>,
  conditionNames: ReadonlySet<string>,
): string[] {
  const findings: string[] = [];
  for (const [key, value] of Object.entries(resource)) {
    if (!RESOURCE_ATTRIBUTES.has(key)) {
      findings.push(`${path}.${key}: unknown resource attribute`);
    }
    if (key === 'DependsOn') {
      for (const dependency of [value].flat()) {
        if (typeof dependency !== 'string' || !resourceNames.has(dependency)) {
          findings.push(`${path}.DependsOn: ${String(dependency)} is not a resource`);
        }
      }
    }
    const isPolicy = key === 'DeletionPolicy' || key === 'UpdateReplacePolicy';
    if (isPolicy && (typeof value !== 'string' || !DELETION_POLICIES.has(value))) {
      findings.push(
        `${path}.${key}: ${String(value)} is not one of ${[...DELETION_POLICIES].join(', ')}`,
      );
    }
    if (key === 'Condition' && (typeof value !== 'string' || !conditionNames.has(value))) {
      findings.push(`${path}.Condition: ${String(value)} is not a condition of the template`);
    }
  }
  return findings;
}

interface ShapeContext {
  db: SpecDatabase;
  resourceType: string;
  findings: string[];
}

function checkObject(
  value: JsonObject,
  properties: Record<string, Property>,
  owner: string,
  path: string,
  context: ShapeContext,
): void {
  // A type definition without properties is free-form in the specification.
  if (Object.keys(properties).length === 0) return;
  for (const [key, nested] of Object.entries(value)) {
    const property = properties[key];
    if (!property) {
      context.findings.push(`${path}.${key}: unknown property of ${owner}`);
      continue;
    }
    checkValue(nested, property.type, `${path}.${key}`, context);
  }
  for (const [key, property] of Object.entries(properties)) {
    if (property.required && !(key in value)) {
      context.findings.push(`${path}.${key}: missing required property of ${owner}`);
    }
  }
}

function checkValue(value: unknown, type: PropertyType, path: string, context: ShapeContext): void {
  if (isIntrinsic(value)) return;
  const wrongType = () =>
    context.findings.push(
      `${path}: expected ${describeType(type, context.db)}, got ${describeValue(value)}`,
    );

  switch (type.type) {
    case 'string':
    case 'date-time':
      // CloudFormation turns scalars into strings (YAML `Threshold: 0` for a string is fine).
      if (!['string', 'number', 'boolean'].includes(typeof value)) wrongType();
      return;
    case 'number':
      if (!isNumeric(value)) wrongType();
      return;
    case 'integer':
      if (!isNumeric(value) || !Number.isInteger(Number(value))) wrongType();
      return;
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') wrongType();
      return;
    case 'null':
      if (value !== null) wrongType();
      return;
    case 'json':
      if (typeof value !== 'object' || value === null) wrongType();
      return;
    case 'tag':
      if (!isObject(value)) return void wrongType();
      checkObject(value, TAG_PROPERTIES, 'Tag', path, context);
      return;
    case 'array':
      if (!Array.isArray(value)) return void wrongType();
      value.forEach((element, index) =>
        checkValue(element, type.element, `${path}[${index}]`, context),
      );
      return;
    case 'map':
      if (!isObject(value)) return void wrongType();
      for (const [key, element] of Object.entries(value)) {
        checkValue(element, type.element, `${path}.${key}`, context);
      }
      return;
    case 'ref': {
      if (!isObject(value)) return void wrongType();
      const definition = context.db.get('typeDefinition', type.reference);
      checkObject(
        value,
        definition.properties,
        `${context.resourceType}.${definition.name}`,
        path,
        context,
      );
      return;
    }
    case 'union':
      checkUnion(value, type.types, path, context);
      return;
  }
}

const TAG_PROPERTIES: Record<string, Property> = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};

/**
 * The specification widens many typed properties to `typed | json` for compatibility: a value
 * shaped like a typed member is held to that member, so `json` does not hide a misspelt key.
 */
function checkUnion(
  value: unknown,
  members: PropertyType[],
  path: string,
  context: ShapeContext,
): void {
  const attempts = members
    .filter((member) => member.type !== 'json' && shapeMatches(value, member))
    .map((member) => {
      const findings: string[] = [];
      checkValue(value, member, path, { ...context, findings });
      return findings;
    });
  if (attempts.some((findings) => findings.length === 0)) return;
  if (attempts.length > 0) {
    const fewest = attempts.reduce((best, next) => (next.length < best.length ? next : best));
    context.findings.push(...fewest);
    return;
  }
  if (
    members.some((member) => member.type === 'json') &&
    typeof value === 'object' &&
    value !== null
  ) {
    return;
  }
  context.findings.push(
    `${path}: expected ${describeType({ type: 'union', types: members }, context.db)}, got ${describeValue(value)}`,
  );
}

function shapeMatches(value: unknown, type: PropertyType): boolean {
  switch (type.type) {
    case 'array':
      return Array.isArray(value);
    case 'map':
    case 'ref':
    case 'tag':
      return isObject(value);
    case 'json':
      return typeof value === 'object' && value !== null;
    case 'null':
      return value === null;
    case 'union':
      return type.types.some((member) => shapeMatches(value, member));
    default:
      return ['string', 'number', 'boolean'].includes(typeof value);
  }
}

function isNumeric(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value));
}

function describeType(type: PropertyType, db: SpecDatabase): string {
  switch (type.type) {
    case 'array':
      return `array of ${describeType(type.element, db)}`;
    case 'map':
      return `map of ${describeType(type.element, db)}`;
    case 'ref':
      return `object ${db.get('typeDefinition', type.reference).name}`;
    case 'union':
      return type.types.map((member) => describeType(member, db)).join(' | ');
    case 'json':
      return 'object';
    case 'tag':
      return 'tag {Key, Value}';
    default:
      return type.type;
  }
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'object';
  return `${typeof value} ${String(value)}`;
}

// ---------------------------------------------------------------------------------------------
// References: Ref, Fn::GetAtt, Fn::Sub, Fn::If conditions, Fn::FindInMap mappings.

interface ReferenceContext {
  template: TemplateDocument;
  db: SpecDatabase;
  findings: string[];
}

function checkReferences(spec: CfnSpec, template: TemplateDocument): string[] {
  const context: ReferenceContext = { template, db: spec.db, findings: [] };
  for (const [name, resource] of Object.entries(template.Resources)) {
    walkReferences(resource.Properties, `Resources.${name}.Properties`, new Set(), context);
  }
  for (const [name, condition] of Object.entries(template.Conditions ?? {})) {
    walkReferences(condition, `Conditions.${name}`, new Set(), context);
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    walkReferences(output, `Outputs.${name}`, new Set(), context);
  }
  return context.findings;
}

function walkReferences(
  value: unknown,
  path: string,
  subVariables: ReadonlySet<string>,
  context: ReferenceContext,
): void {
  if (Array.isArray(value)) {
    value.forEach((element, index) =>
      walkReferences(element, `${path}[${index}]`, subVariables, context),
    );
    return;
  }
  if (!isObject(value)) return;
  // `{ Condition: name }` is an intrinsic only inside the Conditions section.
  const isConditionReference =
    path.startsWith('Conditions.') && Object.keys(value).length === 1 && 'Condition' in value;
  if (isIntrinsic(value) || isConditionReference) {
    checkIntrinsic(value, path, subVariables, context);
    return;
  }
  for (const [key, nested] of Object.entries(value)) {
    walkReferences(nested, `${path}.${key}`, subVariables, context);
  }
}

function checkIntrinsic(
  intrinsic: JsonObject,
  path: string,
  subVariables: ReadonlySet<string>,
  context: ReferenceContext,
): void {
  const [[fn, argument]] = Object.entries(intrinsic) as [[string, unknown]];
  const at = `${path}.${fn}`;
  const { findings, template } = context;

  switch (fn) {
    case 'Ref':
      if (typeof argument !== 'string')
        findings.push(`${at}: expected a name, got ${describeValue(argument)}`);
      else checkRefName(argument, at, subVariables, context);
      return;
    case 'Fn::GetAtt': {
      const target = getAttTarget(argument);
      if (!target) {
        findings.push(`${at}: expected [resource, attribute] or "resource.attribute"`);
        return;
      }
      checkGetAtt(
        target.resource,
        target.attribute,
        at,
        context,
        `Fn::GetAtt on ${target.resource},`,
      );
      walkReferences(target.attribute, at, subVariables, context);
      return;
    }
    case 'Fn::Sub': {
      const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
      if (typeof text !== 'string' || !isObject(variables)) {
        findings.push(`${at}: expected a string or [string, {variables}]`);
        return;
      }
      walkReferences(variables, `${at}[1]`, subVariables, context);
      const scope = new Set([...subVariables, ...Object.keys(variables)]);
      for (const reference of subReferences(text)) {
        const dot = reference.indexOf('.');
        if (dot < 0) checkRefName(reference, at, scope, context, '${' + reference + '},');
        else if (!scope.has(reference)) {
          const [name, attribute] = [reference.slice(0, dot), reference.slice(dot + 1)];
          checkGetAtt(name, attribute, at, context, '${' + reference + '} names ' + name + ',');
        }
      }
      return;
    }
    case 'Fn::If': {
      const [condition] = Array.isArray(argument) ? argument : [];
      if (typeof condition !== 'string' || !(condition in (template.Conditions ?? {}))) {
        findings.push(`${at}: ${String(condition)} is not a condition of the template`);
      }
      walkReferences(
        Array.isArray(argument) ? argument.slice(1) : argument,
        at,
        subVariables,
        context,
      );
      return;
    }
    case 'Condition':
      if (typeof argument !== 'string' || !(argument in (template.Conditions ?? {}))) {
        findings.push(`${at}: ${String(argument)} is not a condition of the template`);
      }
      return;
    case 'Fn::FindInMap': {
      const [mapping] = Array.isArray(argument) ? argument : [];
      if (typeof mapping === 'string' && !(mapping in (template.Mappings ?? {}))) {
        findings.push(`${at}: ${mapping} is not a mapping of the template`);
      }
      walkReferences(argument, at, subVariables, context);
      return;
    }
    default:
      walkReferences(argument, at, subVariables, context);
  }
}

function checkRefName(
  name: string,
  at: string,
  scope: ReadonlySet<string>,
  { template, findings }: ReferenceContext,
  label = `Ref to ${name},`,
): void {
  if (
    scope.has(name) ||
    PSEUDO_PARAMETERS.has(name) ||
    name in template.Resources ||
    name in (template.Parameters ?? {})
  ) {
    return;
  }
  findings.push(`${at}: ${label} which is neither a resource, a parameter nor a pseudo parameter`);
}

function getAttTarget(argument: unknown): { resource: string; attribute: unknown } | undefined {
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    return dot > 0
      ? { resource: argument.slice(0, dot), attribute: argument.slice(dot + 1) }
      : undefined;
  }
  if (Array.isArray(argument) && argument.length === 2 && typeof argument[0] === 'string') {
    return { resource: argument[0], attribute: argument[1] };
  }
  return undefined;
}

function checkGetAtt(
  resourceName: string,
  attribute: unknown,
  at: string,
  context: ReferenceContext,
  label: string,
): void {
  const resource = context.template.Resources[resourceName];
  if (!resource) {
    context.findings.push(`${at}: ${label} which is not a resource`);
    return;
  }
  // An attribute chosen by an intrinsic is only known at deploy time.
  if (typeof attribute !== 'string') return;
  const type = resource.Type;
  if (isCustomResource(type)) return;
  if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
  const definition = lookupResource(context.db, type);
  // An unknown type is already reported by the shape check.
  if (!definition || attribute in definition.attributes) return;
  const known = Object.keys(definition.attributes);
  context.findings.push(
    `${at}: ${resourceName}.${attribute}: ${type} has no attribute ${attribute} (it has ${known.length ? known.join(', ') : 'none'})`,
  );
}

/** `${Name}` and `${Name.Attr}` in an Fn::Sub string; `${!Literal}` is text, not a reference. */
export function subReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)]
    .map((match) => (match[1] ?? '').trim())
    .filter((reference) => !reference.startsWith('!'));
}
