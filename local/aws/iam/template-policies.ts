import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readServerlessDocument, readTemplateDocument } from '../../stack/serverless-config.js';

/**
 * The IAM policies of irwatch's deployment, with every CloudFormation intrinsic resolved to
 * concrete ARNs for one account, region and stage: the functions' role policies and the resource
 * policies (queues, bus, key, functions). The same reading serves the template tests and the
 * local world's enforcement, from either source the deployment has:
 * - the packaged template (`osls package` → `.serverless/cloudformation-template-update-stack.json`);
 * - `serverless.yml` with its `resources.yml` includes, read as they are (no packaging), adding the
 *   resources osls generates that the policies name (functions, log groups, rules, permissions).
 *
 * Names CloudFormation would generate (roles, keys, the HTTP API id) are stand-ins derived from
 * the stack name and logical id: stable, and the same from both sources.
 */

export class TemplatePolicyError extends Error {
  override name = 'TemplatePolicyError';
}

export interface TemplateEnvironment {
  account: string;
  region: string;
  stage: string;
  /** `aws` unless given. */
  partition?: string;
  /** The serverless service name, `irwatch` unless given: the stack is `<service>-<stage>`. */
  service?: string;
  /**
   * The values of a CloudFormation template's Parameters, as a deployment passes them (else their
   * defaults); for serverless.yml, its `params` as `osls deploy --param` overrides them.
   */
  parameters?: Record<string, string>;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
}

export interface CloudFormationTemplate {
  Resources: Record<string, TemplateResource>;
  Conditions?: Record<string, unknown>;
  Parameters?: Record<string, { Default?: unknown }>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}
export type PolicyStatement = Record<string, unknown>;

export interface NamedPolicy {
  /** `<role logical id>/<policy name>`, or the logical id of a separate policy resource. */
  name: string;
  policy: PolicyDocument;
}

export interface RolePolicies {
  roleArn: string;
  /** The role's MaxSessionDuration (3600 unless the template says). */
  maxSessionSeconds: number;
  /** Identity policies: inline, managed policies of the template, and policies attached to the role. */
  policies: NamedPolicy[];
  trustPolicy: PolicyDocument | undefined;
}

export interface ResourcePolicy {
  /** Logical id of the resource the policy protects. */
  logicalId: string;
  type: string;
  policy: PolicyDocument;
}

export interface FunctionRole {
  /** Logical id of the function, e.g. `IngestLambdaFunction`. */
  logicalId: string;
  /** Deployed name, `<service>-<stage>-<function>`. */
  functionName: string;
  functionArn: string;
  /** Logical id of its role, or undefined when the role is an ARN from outside the template. */
  roleLogicalId: string | undefined;
  roleArn: string;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

// ---------------------------------------------------------------------------------------------
// Sources

/** The template `osls package` wrote. */
export function readPackagedTemplate(path: string): CloudFormationTemplate {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TemplatePolicyError(`Cannot read the template ${path}: ${(error as Error).message}`);
  }
  if (!isObject(parsed) || !isObject(parsed.Resources)) {
    throw new TemplatePolicyError(`${path} is not a CloudFormation template (no Resources)`);
  }
  return parsed as unknown as CloudFormationTemplate;
}

const SERVERLESS_VARIABLE = /\$\{(param|opt|sls|self|aws):([\w.-]+)(?:\s*,\s*([^{}]*))?\}/g;
const WHOLE_VARIABLE = new RegExp(`^${SERVERLESS_VARIABLE.source}$`);

/**
 * The Serverless Framework variables irwatch's configuration uses: `${param:name, default}` from
 * `params.<stage>` then `params.default`, `${sls:stage}`, `${opt:stage|region}`, `${aws:region}`,
 * `${self:service}` and `${self:provider.x}`. A variable standing alone keeps its value's type.
 */
function resolveVariables(
  value: unknown,
  lookup: (kind: string, name: string, fallback: string | undefined) => unknown,
): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_VARIABLE.exec(value);
    if (whole) return lookup(whole[1]!, whole[2]!, whole[3]);
    return value.replace(SERVERLESS_VARIABLE, (_, kind: string, name: string, fallback?: string) =>
      String(lookup(kind, name, fallback)),
    );
  }
  if (Array.isArray(value)) return value.map((item) => resolveVariables(item, lookup));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveVariables(item, lookup)]),
    );
  }
  return value;
}

function literalFallback(text: string): unknown {
  const trimmed = text.trim();
  const quoted = /^(['"])(.*)\1$/.exec(trimmed);
  if (quoted) return quoted[2];
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  return trimmed;
}

/** osls's logical-id spelling of a function name (`my-fn` → `MyDashfn`). */
function normalizedFunctionName(name: string): string {
  const spelled = name.replaceAll('-', 'Dash').replaceAll('_', 'Underscore');
  return spelled.charAt(0).toUpperCase() + spelled.slice(1);
}

const alphaNumericName = (name: string): string => {
  const stripped = name.replace(/[^0-9A-Za-z]/g, '');
  return stripped.charAt(0).toUpperCase() + stripped.slice(1);
};

/** osls's default rule name, shortened with a hash past EventBridge's 64 characters. */
function defaultRuleName(functionName: string, index: number): string {
  const name = `${functionName}-rule-${index}`;
  if (name.length <= 64) return name;
  const suffix = `rule-${index}`;
  const hash = createHash('md5').update(name).digest('hex');
  return `${name.slice(0, 31 - suffix.length)}${hash}-${suffix}`;
}

/** The rule ARN as osls writes it into the rule's invoke permission. */
const ruleArnAsOslsWritesIt = (busName: unknown, ruleName: string, onDefaultBus: boolean) => ({
  'Fn::Join': [
    ':',
    [
      'arn',
      { Ref: 'AWS::Partition' },
      'events',
      { Ref: 'AWS::Region' },
      { Ref: 'AWS::AccountId' },
      { 'Fn::Join': ['/', ['rule', ...(onDefaultBus ? [] : [busName]), ruleName]] },
    ],
  ],
});

/**
 * What osls generates for one function that policies name: its Lambda function and log group,
 * its EventBridge rules with their invoke permissions, and its HTTP API invoke permission.
 */
function oslsFunctionResources(
  name: string,
  definition: JsonObject,
  stackName: string,
): { resources: Record<string, TemplateResource>; httpApi: boolean } {
  const resources: Record<string, TemplateResource> = {};
  let httpApi = false;
  const logical = normalizedFunctionName(name);
  const functionName =
    typeof definition.name === 'string' ? definition.name : `${stackName}-${name}`;
  const functionId = `${logical}LambdaFunction`;
  const role = definition.role;
  resources[`${logical}LogGroup`] = {
    Type: 'AWS::Logs::LogGroup',
    Properties: { LogGroupName: `/aws/lambda/${functionName}` },
  };
  resources[functionId] = {
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: functionName,
      Role:
        typeof role === 'string' && !role.startsWith('arn:')
          ? { 'Fn::GetAtt': [role, 'Arn'] }
          : role,
    },
  };
  const events = list(definition.events).filter(isObject);
  let ruleIndex = 0;
  for (const event of events) {
    if (event.httpApi !== undefined) httpApi = true;
    if (
      event.httpApi !== undefined &&
      resources[`${logical}LambdaPermissionHttpApi`] === undefined
    ) {
      resources[`${logical}LambdaPermissionHttpApi`] = {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
          Action: 'lambda:InvokeFunction',
          Principal: 'apigateway.amazonaws.com',
          SourceArn: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':execute-api:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':',
                { Ref: 'HttpApi' },
                '/*',
              ],
            ],
          },
        },
      };
    }
    const rule = event.eventBridge;
    if (!isObject(rule)) continue;
    ruleIndex += 1;
    const ruleName =
      typeof rule.name === 'string' ? rule.name : defaultRuleName(functionName, ruleIndex);
    const bus = rule.eventBus;
    const busName =
      typeof bus === 'string' && bus.startsWith('arn:') ? bus.split('event-bus/')[1] : bus;
    const onDefaultBus = busName === undefined || busName === 'default';
    const target: JsonObject = { Arn: { 'Fn::GetAtt': [functionId, 'Arn'] } };
    if (rule.deadLetterQueueArn !== undefined) {
      target.DeadLetterConfig = { Arn: rule.deadLetterQueueArn };
    }
    resources[`${alphaNumericName(`${functionName}-rule-${ruleIndex}`)}EventBridgeRule`] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: ruleName,
        ...(onDefaultBus ? {} : { EventBusName: busName }),
        Targets: [target],
      },
    };
    resources[`${logical}EventBridgeLambdaPermission${ruleIndex}`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: ruleArnAsOslsWritesIt(busName, ruleName, onDefaultBus),
      },
    };
  }
  return { resources, httpApi };
}

/**
 * The template osls would package from a serverless.yml, as far as policies go: the resources
 * of `resources` (with `${file()}` and the variables above resolved), plus, per function, its
 * Lambda function and log group, its EventBridge rules with their invoke permissions, and the
 * HTTP API with its invoke permission, named and shaped as osls makes them.
 */
export function templateFromServerlessConfig(
  path: string,
  environment: Pick<TemplateEnvironment, 'stage' | 'region' | 'parameters'>,
): CloudFormationTemplate {
  const { stage, region } = environment;
  const overrides = environment.parameters ?? {};
  const document = readServerlessDocument(path, stage);
  if (!isObject(document)) throw new TemplatePolicyError(`${path} is not a YAML mapping`);
  const params = isObject(document.params) ? document.params : {};
  const stageParams = isObject(params[stage]) ? params[stage] : {};
  const defaultParams = isObject(params.default) ? params.default : {};
  const service = String(document.service);
  const lookup = (kind: string, name: string, fallback: string | undefined): unknown => {
    let found: unknown;
    if (kind === 'param') {
      found =
        name in overrides
          ? overrides[name]
          : name in stageParams
            ? stageParams[name]
            : defaultParams[name];
    } else if (kind === 'sls' && name === 'stage') found = stage;
    else if (kind === 'opt' && name === 'stage') found = stage;
    else if ((kind === 'opt' || kind === 'aws') && name === 'region') found = region;
    else if (kind === 'self' && name === 'service') found = service;
    if (found !== undefined) return found;
    if (fallback !== undefined) return literalFallback(fallback);
    throw new TemplatePolicyError(
      `${path}: \${${kind}:${name}} has no value for stage ${stage} and no default`,
    );
  };
  const config = resolveVariables(document, lookup) as JsonObject;
  const provider = isObject(config.provider) ? config.provider : {};
  if (isObject(provider.iam) || provider.iamRoleStatements !== undefined) {
    throw new TemplatePolicyError(
      `${path}: provider-level IAM (provider.iam) is not read here; give each function a role of its own in its resources.yml`,
    );
  }

  const resources: Record<string, TemplateResource> = {};
  const conditions: Record<string, unknown> = {};
  for (const part of list(config.resources).filter(isObject)) {
    Object.assign(resources, isObject(part.Resources) ? part.Resources : {});
    Object.assign(conditions, isObject(part.Conditions) ? part.Conditions : {});
  }

  const functions = Array.isArray(config.functions)
    ? (Object.assign({}, ...config.functions.filter(isObject)) as JsonObject)
    : isObject(config.functions)
      ? config.functions
      : {};
  let httpApiUsed = false;
  for (const [name, definition] of Object.entries(functions)) {
    if (!isObject(definition)) continue;
    const generated = oslsFunctionResources(name, definition, `${service}-${stage}`);
    Object.assign(resources, generated.resources);
    httpApiUsed ||= generated.httpApi;
  }
  if (httpApiUsed) {
    resources.HttpApi = {
      Type: 'AWS::ApiGatewayV2::Api',
      Properties: { Name: `${stage}-${service}`, ProtocolType: 'HTTP' },
    };
  }
  return { Resources: resources, Conditions: conditions };
}

/** A CloudFormation template written as YAML (`!Sub` and the other short forms) or JSON. */
export function readCloudFormationTemplate(path: string): CloudFormationTemplate {
  const parsed = readTemplateDocument(path);
  if (!isObject(parsed) || !isObject(parsed.Resources)) {
    throw new TemplatePolicyError(`${path} is not a CloudFormation template (no Resources)`);
  }
  return parsed as unknown as CloudFormationTemplate;
}

/**
 * Reads the packaged template (`.json`), a plain CloudFormation template in YAML (one with
 * `AWSTemplateFormatVersion`, like spoke/template.yml) or serverless.yml (anything else).
 */
export function loadTemplate(
  path: string,
  environment: Pick<TemplateEnvironment, 'stage' | 'region' | 'parameters'>,
): CloudFormationTemplate {
  if (path.endsWith('.json')) return readPackagedTemplate(path);
  const document = readTemplateDocument(path);
  return isObject(document) && document.AWSTemplateFormatVersion !== undefined
    ? readCloudFormationTemplate(path)
    : templateFromServerlessConfig(path, environment);
}

// ---------------------------------------------------------------------------------------------
// Intrinsics

/** A stand-in for an id CloudFormation or the service generates: stable per stack and resource. */
function generatedId(seed: string, shape: 'uuid' | 'api'): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  if (shape === 'api')
    return BigInt(`0x${hex.slice(0, 16)}`)
      .toString(36)
      .slice(0, 10);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Resolves the intrinsics of one template for one account, region and stage. */
export class TemplateResolver {
  readonly partition: string;
  readonly stackName: string;
  private readonly conditionCache = new Map<string, boolean>();

  constructor(
    readonly template: CloudFormationTemplate,
    readonly environment: TemplateEnvironment,
  ) {
    this.partition = environment.partition ?? 'aws';
    this.stackName = `${environment.service ?? 'irwatch'}-${environment.stage}`;
  }

  /** Resources whose Condition holds. */
  resources(): Array<[string, TemplateResource]> {
    return Object.entries(this.template.Resources).filter(
      ([, resource]) => resource.Condition === undefined || this.condition(resource.Condition),
    );
  }

  resourcesOfType(type: string): Array<[string, TemplateResource]> {
    return this.resources().filter(([, resource]) => resource.Type === type);
  }

  condition(name: string): boolean {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new TemplatePolicyError(`Unknown condition ${name}`);
    const value = this.truth(definition, `Conditions.${name}`);
    this.conditionCache.set(name, value);
    return value;
  }

  private truth(value: unknown, at: string): boolean {
    if (!isObject(value)) throw new TemplatePolicyError(`${at}: not a condition function`);
    const [fn, args] = Object.entries(value)[0] ?? [];
    const operands = list(args);
    switch (fn) {
      case 'Fn::Equals':
        return (
          JSON.stringify(this.resolve(operands[0], at)) ===
          JSON.stringify(this.resolve(operands[1], at))
        );
      case 'Fn::Not':
        return !this.truth(operands[0], at);
      case 'Fn::And':
        return operands.every((operand) => this.truth(operand, at));
      case 'Fn::Or':
        return operands.some((operand) => this.truth(operand, at));
      case 'Condition':
        return this.condition(String(args));
      default:
        throw new TemplatePolicyError(`${at}: ${String(fn)} is not a condition function`);
    }
  }

  private pseudo(name: string): string | undefined {
    const { account, region } = this.environment;
    switch (name) {
      case 'AWS::AccountId':
        return account;
      case 'AWS::Region':
        return region;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return this.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${region}:${account}:stack/${this.stackName}/${generatedId(this.stackName, 'uuid')}`;
      default:
        return undefined;
    }
  }

  private resource(logicalId: string, at: string): TemplateResource {
    const resource = this.template.Resources[logicalId];
    if (!resource)
      throw new TemplatePolicyError(`${at}: ${logicalId} is not a resource of the template`);
    return resource;
  }

  private property(logicalId: string, name: string): unknown {
    const value = this.resource(logicalId, logicalId).Properties?.[name];
    return value === undefined ? undefined : this.resolve(value, `${logicalId}.Properties.${name}`);
  }

  private nameOf(logicalId: string, property: string): string {
    const given = this.property(logicalId, property);
    return typeof given === 'string' ? given : `${this.stackName}-${logicalId}`;
  }

  private arn(service: string, resource: string, { region = true, account = true } = {}): string {
    return `arn:${this.partition}:${service}:${region ? this.environment.region : ''}:${account ? this.environment.account : ''}:${resource}`;
  }

  /** What `Ref` returns for a resource of the template. */
  ref(logicalId: string, at = logicalId): string {
    const parameter = this.template.Parameters?.[logicalId];
    if (parameter) {
      const given = this.environment.parameters?.[logicalId];
      if (given !== undefined) return given;
      if (parameter.Default === undefined) {
        throw new TemplatePolicyError(
          `${at}: parameter ${logicalId} has no value given and no default`,
        );
      }
      return String(parameter.Default);
    }
    const { Type: type } = this.resource(logicalId, at);
    switch (type) {
      case 'AWS::SNS::Topic':
        return this.attribute(logicalId, 'TopicArn', at);
      case 'AWS::SQS::Queue':
        return this.attribute(logicalId, 'QueueUrl', at);
      case 'AWS::Events::EventBus':
        return this.nameOf(logicalId, 'Name');
      case 'AWS::Events::Rule': {
        const bus = this.property(logicalId, 'EventBusName');
        const name = this.nameOf(logicalId, 'Name');
        return bus === undefined || bus === 'default' ? name : `${String(bus)}|${name}`;
      }
      case 'AWS::DynamoDB::Table':
        return this.nameOf(logicalId, 'TableName');
      case 'AWS::Lambda::Function':
        return this.nameOf(logicalId, 'FunctionName');
      case 'AWS::IAM::Role':
        return this.nameOf(logicalId, 'RoleName');
      case 'AWS::IAM::ManagedPolicy':
        return this.attribute(logicalId, 'PolicyArn', at);
      case 'AWS::Logs::LogGroup':
        return this.nameOf(logicalId, 'LogGroupName');
      case 'AWS::KMS::Key':
        return generatedId(`${this.stackName}/${logicalId}`, 'uuid');
      case 'AWS::KMS::Alias':
        return String(this.property(logicalId, 'AliasName'));
      case 'AWS::S3::Bucket':
        return this.nameOf(logicalId, 'BucketName').toLowerCase();
      case 'AWS::ApiGatewayV2::Api':
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Route':
        return generatedId(`${this.stackName}/${logicalId}`, 'api');
      case 'AWS::ApiGatewayV2::Stage':
        return String(this.property(logicalId, 'StageName'));
      default:
        throw new TemplatePolicyError(
          `${at}: Ref to ${logicalId}, a ${type}, is not resolved here`,
        );
    }
  }

  /** What `Fn::GetAtt` returns. */
  attribute(logicalId: string, name: string, at = logicalId): string {
    const { Type: type } = this.resource(logicalId, at);
    const unsupported = () =>
      new TemplatePolicyError(
        `${at}: Fn::GetAtt ${logicalId}.${name} (${type}) is not resolved here`,
      );
    switch (type) {
      case 'AWS::SNS::Topic': {
        const topic = this.nameOf(logicalId, 'TopicName');
        if (name === 'TopicName') return topic;
        if (name === 'TopicArn') return this.arn('sns', topic);
        throw unsupported();
      }
      case 'AWS::SQS::Queue': {
        const queue = this.nameOf(logicalId, 'QueueName');
        if (name === 'QueueName') return queue;
        if (name === 'Arn') return this.arn('sqs', queue);
        if (name === 'QueueUrl') {
          return `https://sqs.${this.environment.region}.${this.pseudo('AWS::URLSuffix')}/${this.environment.account}/${queue}`;
        }
        throw unsupported();
      }
      case 'AWS::Events::EventBus': {
        const bus = this.nameOf(logicalId, 'Name');
        if (name === 'Name') return bus;
        if (name === 'Arn') return this.arn('events', `event-bus/${bus}`);
        throw unsupported();
      }
      case 'AWS::Events::Rule': {
        if (name !== 'Arn') throw unsupported();
        const bus = this.property(logicalId, 'EventBusName');
        const rule = this.nameOf(logicalId, 'Name');
        const busName =
          typeof bus === 'string' && bus.startsWith('arn:') ? bus.split('event-bus/')[1] : bus;
        return this.arn(
          'events',
          busName === undefined || busName === 'default'
            ? `rule/${rule}`
            : `rule/${String(busName)}/${rule}`,
        );
      }
      case 'AWS::DynamoDB::Table':
        if (name === 'Arn') return this.arn('dynamodb', `table/${this.ref(logicalId)}`);
        throw unsupported();
      case 'AWS::Lambda::Function':
        if (name === 'Arn') return this.arn('lambda', `function:${this.ref(logicalId)}`);
        throw unsupported();
      case 'AWS::IAM::Role': {
        const path = String(this.property(logicalId, 'Path') ?? '/');
        if (name === 'Arn')
          return this.arn('iam', `role${path}${this.ref(logicalId)}`, { region: false });
        if (name === 'RoleId') return `AROA${generatedId(logicalId, 'api').toUpperCase()}`;
        throw unsupported();
      }
      case 'AWS::IAM::ManagedPolicy':
        if (name === 'PolicyArn') {
          const given = this.property(logicalId, 'ManagedPolicyName');
          const policy = typeof given === 'string' ? given : `${this.stackName}-${logicalId}`;
          return this.arn('iam', `policy/${policy}`, { region: false });
        }
        throw unsupported();
      case 'AWS::Logs::LogGroup':
        if (name === 'Arn') return this.arn('logs', `log-group:${this.ref(logicalId)}:*`);
        throw unsupported();
      case 'AWS::KMS::Key':
        if (name === 'KeyId') return this.ref(logicalId);
        if (name === 'Arn') return this.arn('kms', `key/${this.ref(logicalId)}`);
        throw unsupported();
      case 'AWS::S3::Bucket':
        if (name === 'Arn') return `arn:${this.partition}:s3:::${this.ref(logicalId)}`;
        throw unsupported();
      case 'AWS::ApiGatewayV2::Api':
        if (name === 'ApiId') return this.ref(logicalId);
        if (name === 'ApiEndpoint') {
          return `https://${this.ref(logicalId)}.execute-api.${this.environment.region}.${this.pseudo('AWS::URLSuffix')}`;
        }
        throw unsupported();
      default:
        throw unsupported();
    }
  }

  private sub(text: string, variables: JsonObject, at: string): string {
    return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in variables) return String(this.resolve(variables[name], at));
      const pseudo = this.pseudo(name);
      if (pseudo !== undefined) return pseudo;
      const dot = name.indexOf('.');
      if (dot > 0) return this.attribute(name.slice(0, dot), name.slice(dot + 1), at);
      if (name in this.template.Resources || name in (this.template.Parameters ?? {})) {
        return this.ref(name, at);
      }
      throw new TemplatePolicyError(`${at}: ${whole} names nothing of the template`);
    });
  }

  /** Resolves every intrinsic in a value; `Ref: AWS::NoValue` entries are dropped. */
  resolve(value: unknown, at = ''): unknown {
    if (Array.isArray(value)) {
      return value
        .map((item, index) => this.resolve(item, `${at}[${index}]`))
        .filter((item) => item !== NO_VALUE);
    }
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    const fn = keys.length === 1 ? keys[0]! : undefined;
    const args = fn === undefined ? undefined : value[fn];
    const here = `${at}.${fn ?? ''}`;
    switch (fn) {
      case 'Ref': {
        const name = String(args);
        if (name === 'AWS::NoValue') return NO_VALUE;
        return this.pseudo(name) ?? this.ref(name, here);
      }
      case 'Fn::GetAtt': {
        const [logicalId, attribute] =
          typeof args === 'string' ? args.split(/\.(.*)/s) : list(args);
        return this.attribute(String(logicalId), String(this.resolve(attribute, here)), here);
      }
      case 'Fn::Sub': {
        const [text, variables] = typeof args === 'string' ? [args, {}] : list(args);
        return this.sub(String(text), isObject(variables) ? variables : {}, here);
      }
      case 'Fn::Join': {
        const [separator, items] = list(args);
        return list(this.resolve(items, here)).map(String).join(String(separator));
      }
      case 'Fn::Split': {
        const [separator, text] = list(args);
        return String(this.resolve(text, here)).split(String(separator));
      }
      case 'Fn::Select': {
        const [index, items] = list(args);
        const selected = list(this.resolve(items, here))[Number(this.resolve(index, here))];
        if (selected === undefined) throw new TemplatePolicyError(`${here}: index out of range`);
        return selected;
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = list(args);
        return this.resolve(this.condition(String(condition)) ? whenTrue : whenFalse, here);
      }
      case 'Fn::FindInMap': {
        const [map, first, second] = list(this.resolve(args, here)).map(String);
        const found = this.template.Mappings?.[map!]?.[first!]?.[second!];
        if (found === undefined)
          throw new TemplatePolicyError(`${here}: no ${map}.${first}.${second}`);
        return found;
      }
      case 'Fn::ImportValue':
      case 'Fn::GetAZs':
      case 'Fn::Base64':
      case 'Fn::Cidr':
        throw new TemplatePolicyError(`${here}: ${fn} is not resolved here`);
      default:
        return Object.fromEntries(
          Object.entries(value)
            .map(([key, item]) => [key, this.resolve(item, `${at}.${key}`)] as const)
            .filter(([, item]) => item !== NO_VALUE),
        );
    }
  }
}

const NO_VALUE = Symbol('AWS::NoValue');

// ---------------------------------------------------------------------------------------------
// Policies

function document(value: unknown, at: string): PolicyDocument {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!isObject(parsed) || parsed.Statement === undefined) {
    throw new TemplatePolicyError(`${at}: not a policy document (no Statement)`);
  }
  return { ...parsed, Statement: list(parsed.Statement).filter(isObject) } as PolicyDocument;
}

/** Logical ids of roles named in a `Roles` list (by `Ref`), ignoring roles from outside. */
function attachedRoles(resolver: TemplateResolver, roles: unknown): string[] {
  const byName = new Map(
    resolver.resourcesOfType('AWS::IAM::Role').map(([id]) => [resolver.ref(id), id] as const),
  );
  return list(roles)
    .map((role) =>
      isObject(role) && typeof role.Ref === 'string' ? role.Ref : byName.get(String(role)),
    )
    .filter((role): role is string => role !== undefined);
}

/** Each role of the template, by logical id, with its identity policies resolved. */
export function loadRolePolicies(
  template: CloudFormationTemplate,
  environment: TemplateEnvironment,
): Record<string, RolePolicies> {
  const resolver = new TemplateResolver(template, environment);
  const roles: Record<string, RolePolicies> = {};
  for (const [id, role] of resolver.resourcesOfType('AWS::IAM::Role')) {
    const properties = role.Properties ?? {};
    const inline = list(properties.Policies).filter(isObject);
    const maxSession = resolver.resolve(properties.MaxSessionDuration, `${id}.MaxSessionDuration`);
    roles[id] = {
      roleArn: resolver.attribute(id, 'Arn'),
      maxSessionSeconds: maxSession === undefined ? 3600 : Number(maxSession),
      trustPolicy:
        properties.AssumeRolePolicyDocument === undefined
          ? undefined
          : document(
              resolver.resolve(
                properties.AssumeRolePolicyDocument,
                `${id}.AssumeRolePolicyDocument`,
              ),
              id,
            ),
      policies: inline.map((policy, index) => ({
        name: `${id}/${String(policy.PolicyName ?? index)}`,
        policy: document(resolver.resolve(policy.PolicyDocument, `${id}.Policies[${index}]`), id),
      })),
    };
  }
  const managedByArn = new Map<string, NamedPolicy>();
  for (const [id, policy] of resolver.resourcesOfType('AWS::IAM::ManagedPolicy')) {
    const named = {
      name: id,
      policy: document(resolver.resolve(policy.Properties?.PolicyDocument, id), id),
    };
    managedByArn.set(resolver.attribute(id, 'PolicyArn'), named);
    for (const role of attachedRoles(resolver, policy.Properties?.Roles))
      roles[role]?.policies.push(named);
  }
  for (const [id, policy] of [
    ...resolver.resourcesOfType('AWS::IAM::Policy'),
    ...resolver.resourcesOfType('AWS::IAM::RolePolicy'),
  ]) {
    const named = {
      name: id,
      policy: document(resolver.resolve(policy.Properties?.PolicyDocument, id), id),
    };
    const targets = [
      ...attachedRoles(resolver, policy.Properties?.Roles),
      ...attachedRoles(resolver, policy.Properties?.RoleName),
    ];
    for (const role of targets) roles[role]?.policies.push(named);
  }
  for (const [id, role] of resolver.resourcesOfType('AWS::IAM::Role')) {
    for (const arn of list(resolver.resolve(role.Properties?.ManagedPolicyArns, id)).map(String)) {
      const managed = managedByArn.get(arn);
      if (!managed) {
        throw new TemplatePolicyError(
          `${id}: the managed policy ${arn} is not in the template, so its permissions are unknown here`,
        );
      }
      roles[id]?.policies.push(managed);
    }
  }
  return roles;
}

/**
 * Every resource policy of the template by the ARN of the resource it protects: queue policies,
 * topic policies, the bus policy, key policies, bucket policies, and one policy per function
 * made of its `AWS::Lambda::Permission`s, written as Lambda shows them (`AWS:SourceArn`).
 */
export function loadResourcePolicies(
  template: CloudFormationTemplate,
  environment: TemplateEnvironment,
): Record<string, ResourcePolicy> {
  const resolver = new TemplateResolver(template, environment);
  const policies: Record<string, ResourcePolicy> = {};
  const add = (arn: string, logicalId: string, type: string, statements: PolicyStatement[]) => {
    const existing = policies[arn];
    if (existing) existing.policy.Statement.push(...statements);
    else
      policies[arn] = { logicalId, type, policy: { Version: '2012-10-17', Statement: statements } };
  };
  const logicalIdOf = (type: string, arn: string, attribute: string) =>
    resolver.resourcesOfType(type).find(([id]) => resolver.attribute(id, attribute) === arn)?.[0];

  for (const [id, policy] of resolver.resourcesOfType('AWS::SQS::QueuePolicy')) {
    const statements = document(
      resolver.resolve(policy.Properties?.PolicyDocument, id),
      id,
    ).Statement;
    for (const url of list(resolver.resolve(policy.Properties?.Queues, id)).map(String)) {
      const queue = logicalIdOf('AWS::SQS::Queue', url, 'QueueUrl');
      const name = url.split('/').pop() ?? url;
      add(
        `arn:${resolver.partition}:sqs:${environment.region}:${environment.account}:${name}`,
        queue ?? id,
        'AWS::SQS::Queue',
        structuredClone(statements),
      );
    }
  }
  for (const [id, policy] of resolver.resourcesOfType('AWS::SNS::TopicPolicy')) {
    const statements = document(
      resolver.resolve(policy.Properties?.PolicyDocument, id),
      id,
    ).Statement;
    for (const arn of list(resolver.resolve(policy.Properties?.Topics, id)).map(String)) {
      add(
        arn,
        logicalIdOf('AWS::SNS::Topic', arn, 'TopicArn') ?? id,
        'AWS::SNS::Topic',
        structuredClone(statements),
      );
    }
  }
  for (const [id, bus] of resolver.resourcesOfType('AWS::Events::EventBus')) {
    if (bus.Properties?.Policy === undefined) continue;
    add(
      resolver.attribute(id, 'Arn'),
      id,
      bus.Type,
      document(resolver.resolve(bus.Properties.Policy, id), id).Statement,
    );
  }
  for (const [id, policy] of resolver.resourcesOfType('AWS::Events::EventBusPolicy')) {
    const properties = resolver.resolve(policy.Properties ?? {}, id) as JsonObject;
    const busName = String(properties.EventBusName ?? 'default');
    const arn = busName.startsWith('arn:')
      ? busName
      : `arn:${resolver.partition}:events:${environment.region}:${environment.account}:event-bus/${busName}`;
    const statement: PolicyStatement = isObject(properties.Statement)
      ? { ...properties.Statement, Sid: properties.StatementId }
      : {
          Sid: properties.StatementId,
          Effect: 'Allow',
          Principal: { AWS: properties.Principal },
          Action: properties.Action,
          Resource: arn,
          ...(isObject(properties.Condition) ? { Condition: properties.Condition } : {}),
        };
    add(arn, logicalIdOf('AWS::Events::EventBus', arn, 'Arn') ?? id, 'AWS::Events::EventBus', [
      statement,
    ]);
  }
  for (const [id, key] of resolver.resourcesOfType('AWS::KMS::Key')) {
    if (key.Properties?.KeyPolicy === undefined) continue;
    add(
      resolver.attribute(id, 'Arn'),
      id,
      key.Type,
      document(resolver.resolve(key.Properties.KeyPolicy, id), id).Statement,
    );
  }
  for (const [id, policy] of resolver.resourcesOfType('AWS::S3::BucketPolicy')) {
    const bucket = String(resolver.resolve(policy.Properties?.Bucket, id));
    const statements = document(
      resolver.resolve(policy.Properties?.PolicyDocument, id),
      id,
    ).Statement;
    add(`arn:${resolver.partition}:s3:::${bucket}`, id, 'AWS::S3::Bucket', statements);
  }
  for (const [id, permission] of resolver.resourcesOfType('AWS::Lambda::Permission')) {
    const properties = resolver.resolve(permission.Properties ?? {}, id) as JsonObject;
    const target = String(properties.FunctionName);
    const functionArn = target.startsWith('arn:')
      ? target
      : `arn:${resolver.partition}:lambda:${environment.region}:${environment.account}:function:${target}`;
    const principal = String(properties.Principal);
    const condition: JsonObject = {};
    if (properties.SourceArn !== undefined)
      condition.ArnLike = { 'AWS:SourceArn': properties.SourceArn };
    if (properties.SourceAccount !== undefined) {
      condition.StringEquals = { 'AWS:SourceAccount': properties.SourceAccount };
    }
    add(
      functionArn,
      logicalIdOf('AWS::Lambda::Function', functionArn, 'Arn') ?? id,
      'AWS::Lambda::Function',
      [
        {
          Sid: id,
          Effect: 'Allow',
          Principal: principal.includes('.amazonaws.com')
            ? { Service: principal }
            : { AWS: principal },
          Action: properties.Action,
          Resource: functionArn,
          ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
        },
      ],
    );
  }
  return policies;
}

/**
 * Each Lambda function of the template by its serverless name (`ingest`), with its role. The
 * name is the deployed one without the `<service>-<stage>-` prefix osls gives it.
 */
export function functionRoles(
  template: CloudFormationTemplate,
  environment: TemplateEnvironment,
): Record<string, FunctionRole> {
  const resolver = new TemplateResolver(template, environment);
  const prefix = `${resolver.stackName}-`;
  const functions: Record<string, FunctionRole> = {};
  for (const [id, fn] of resolver.resourcesOfType('AWS::Lambda::Function')) {
    const functionName = resolver.ref(id);
    const role = fn.Properties?.Role;
    const roleLogicalId = isObject(role)
      ? ((): string | undefined => {
          const getAtt = role['Fn::GetAtt'];
          if (Array.isArray(getAtt)) return String(getAtt[0]);
          if (typeof getAtt === 'string') return getAtt.split('.')[0];
          return typeof role.Ref === 'string' ? role.Ref : undefined;
        })()
      : undefined;
    const key = functionName.startsWith(prefix) ? functionName.slice(prefix.length) : functionName;
    functions[key] = {
      logicalId: id,
      functionName,
      functionArn: resolver.attribute(id, 'Arn'),
      roleLogicalId:
        roleLogicalId && template.Resources[roleLogicalId]?.Type === 'AWS::IAM::Role'
          ? roleLogicalId
          : undefined,
      roleArn: String(resolver.resolve(role, `${id}.Properties.Role`)),
    };
  }
  return functions;
}
