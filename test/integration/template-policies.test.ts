import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TemplateResolver,
  functionRoles,
  loadResourcePolicies,
  loadRolePolicies,
  loadTemplate,
  type CloudFormationTemplate,
  type NamedPolicy,
  type PolicyDocument,
  type PolicyStatement,
  type TemplateEnvironment,
} from '../../local/aws/iam/template-policies.js';
import { simulateCall, type Caller } from '../support/iam-simulation.js';
import { packagedTemplate, repoRoot } from '../support/serverless.js';

/**
 * The packaged template's policies, evaluated the way AWS evaluates them
 * (@cloud-copilot/iam-simulate, on AWS's authorization data): every call a function's code sends
 * is allowed by its role, nothing else is granted, and the resource policies let in the services
 * that deliver to irwatch and nobody else. Each check is also shown failing on a broken copy.
 */

const ENV: TemplateEnvironment = { account: '111122223333', region: 'eu-west-1', stage: 'dev' };
const FOREIGN_ACCOUNT_PRINCIPAL = `arn:aws:iam::${ENV.account}:role/somebody-else`;

interface ExpectedCall {
  action: string;
  resource: string;
  /** Condition keys the request carries besides the principal's own. */
  context?: Record<string, string | string[]>;
}

/** Names of the deployed resources, resolved from the template, that calls are made on. */
function deployedNames(template: CloudFormationTemplate) {
  const resolver = new TemplateResolver(template, ENV);
  const arn = (id: string, attribute = 'Arn') => resolver.attribute(id, attribute);
  const { account, region } = ENV;
  return {
    table: arn('Table'),
    bus: arn('EventBus'),
    topic: arn('Topic', 'TopicArn'),
    queue: (fn: string) => arn(`${fn.charAt(0).toUpperCase()}${fn.slice(1)}DeadLetterQueue`),
    logStream: (fn: string) =>
      `arn:aws:logs:${region}:${account}:log-group:/aws/lambda/irwatch-${ENV.stage}-${fn}:log-stream:2026/12/06/[$LATEST]0123456789abcdef`,
    job: `arn:aws:sagemaker:${region}:${account}:inference-recommendations-job/my-job`,
    // Secrets Manager's ARN of the cursor key: its name, a hyphen and six random characters.
    cursorKeySecret: resolver.ref('CursorKeySecret'),
    // The key behind aws/sns (or a key the deployer chose instead).
    snsKey: `arn:aws:kms:${region}:${account}:key/0a1b2c3d-0000-4000-8000-00000000bbbb`,
  };
}

/**
 * The calls each function's code sends, per function: read off the code (functions/<fn>/deps.ts
 * and the stores it uses) plus what Lambda does with the function's role (logs, traces, the
 * on-failure destination). Swap this for the calls recorded from the integration runs: the
 * tests below only need this shape.
 */
function expectedCalls(template: CloudFormationTemplate): Record<string, ExpectedCall[]> {
  const names = deployedNames(template);
  const { region } = ENV;
  const lambdaRuntime = (fn: string): ExpectedCall[] => [
    { action: 'logs:CreateLogStream', resource: names.logStream(fn) },
    { action: 'logs:PutLogEvents', resource: names.logStream(fn) },
    { action: 'xray:PutTraceSegments', resource: '*' },
    { action: 'xray:PutTelemetryRecords', resource: '*' },
  ];
  const onFailure = (fn: string): ExpectedCall[] => [
    { action: 'sqs:SendMessage', resource: names.queue(fn) },
  ];
  const detector = { 'dynamodb:LeadingKeys': ['DETECTOR'] };
  return {
    api: [
      ...lambdaRuntime('api'),
      { action: 'dynamodb:GetItem', resource: names.table },
      { action: 'dynamodb:BatchGetItem', resource: names.table },
      { action: 'dynamodb:Query', resource: names.table },
      { action: 'dynamodb:Query', resource: `${names.table}/index/GSI1` },
      { action: 'dynamodb:Query', resource: `${names.table}/index/GSI2` },
      // A plan with source=sagemaker (functions/api/scaling-recommendation.ts).
      { action: 'sagemaker:GetScalingConfigurationRecommendation', resource: names.job },
      {
        action: 'secretsmanager:GetSecretValue',
        resource: names.cursorKeySecret,
        context: { 'secretsmanager:SecretId': names.cursorKeySecret },
      },
    ],
    detect: [
      ...lambdaRuntime('detect'),
      ...onFailure('detect'),
      { action: 'sagemaker:ListInferenceRecommendationsJobs', resource: '*' },
      { action: 'sagemaker:DescribeInferenceRecommendationsJob', resource: names.job },
      { action: 'dynamodb:PutItem', resource: names.table, context: detector },
      { action: 'dynamodb:BatchGetItem', resource: names.table, context: detector },
      { action: 'dynamodb:BatchWriteItem', resource: names.table, context: detector },
      // Live progress: the running jobs, from the status index (functions/detect/refresh-store.ts).
      {
        action: 'dynamodb:Query',
        resource: `${names.table}/index/GSI1`,
        context: {
          'dynamodb:LeadingKeys': ['STATUS#IN_PROGRESS'],
          'dynamodb:Attributes': [
            'jobName',
            'accountId',
            'region',
            'jobArn',
            'status',
            'lastModifiedTime',
          ],
          'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
        },
      },
      { action: 'events:PutEvents', resource: names.bus },
    ],
    ingest: [
      ...lambdaRuntime('ingest'),
      ...onFailure('ingest'),
      { action: 'sagemaker:DescribeInferenceRecommendationsJob', resource: names.job },
      { action: 'sagemaker:ListInferenceRecommendationsJobSteps', resource: '*' },
      // The endpoints a finished job benchmarked (functions/ingest/deps.ts).
      {
        action: 'sagemaker:DescribeEndpoint',
        resource: names.job.replace('inference-recommendations-job/', 'endpoint/'),
      },
      {
        action: 'sagemaker:DescribeEndpointConfig',
        resource: names.job.replace('inference-recommendations-job/', 'endpoint-config/'),
      },
      { action: 'dynamodb:GetItem', resource: names.table },
      // A refreshed step, written unless a later listing's is stored (shared/db/progress-store.ts).
      { action: 'dynamodb:PutItem', resource: names.table },
      { action: 'dynamodb:UpdateItem', resource: names.table },
      { action: 'dynamodb:BatchWriteItem', resource: names.table },
      { action: 'events:PutEvents', resource: names.bus },
    ],
    notify: [
      ...lambdaRuntime('notify'),
      ...onFailure('notify'),
      { action: 'sns:Publish', resource: names.topic },
      ...['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
        action,
        resource: names.snsKey,
        context: {
          'kms:ViaService': `sns.${region}.amazonaws.com`,
          'kms:ResourceAliases': ['alias/aws/sns'],
        },
      })),
      { action: 'dynamodb:GetItem', resource: names.table },
      { action: 'dynamodb:Query', resource: names.table },
      { action: 'dynamodb:PutItem', resource: names.table },
      { action: 'dynamodb:UpdateItem', resource: names.table },
      { action: 'dynamodb:DeleteItem', resource: names.table },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Simulation

/**
 * A key outside the template (aws/ssm, aws/sns, or the deployer's own) is simulated as a key
 * whose policy hands it to the account's IAM policies: then the role's policy alone decides,
 * the strictest case for the role. (The AWS-managed keys admit the account's principals through
 * their service even without it.)
 */
const delegatingKeyPolicy = (): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ENV.account}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});

const ENCRYPTION_CONTEXT = /^kms:EncryptionContext:(.+)$/i;

/**
 * iam-simulate takes variable condition keys only in the `prefix/name` form (aws:PrincipalTag/x),
 * not `kms:EncryptionContext:<name>`. Those conditions are evaluated here instead, for the
 * operators irwatch uses (StringEquals, StringLike): a statement whose encryption-context
 * condition holds keeps its other conditions, one whose condition fails is dropped.
 */
function withEncryptionContextEvaluated(
  policies: NamedPolicy[],
  context: Record<string, string | string[]>,
): NamedPolicy[] {
  const contextValue = (key: string) =>
    Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
  const like = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
  return policies.map(({ name, policy }) => ({
    name,
    policy: {
      ...policy,
      Statement: policy.Statement.flatMap((statement): PolicyStatement[] => {
        const condition = statement.Condition as
          Record<string, Record<string, unknown>> | undefined;
        if (!condition) return [statement];
        const kept: Record<string, Record<string, unknown>> = {};
        for (const [operator, keys] of Object.entries(condition)) {
          for (const [key, expected] of Object.entries(keys)) {
            if (!ENCRYPTION_CONTEXT.test(key)) {
              kept[operator] = { ...kept[operator], [key]: expected };
              continue;
            }
            if (operator !== 'StringEquals' && operator !== 'StringLike') {
              throw new Error(`${name}: ${operator} on ${key} is not evaluated by this test`);
            }
            const actual = contextValue(key);
            const holds = [expected]
              .flat()
              .some((value) =>
                operator === 'StringEquals'
                  ? actual === value
                  : typeof actual === 'string' && like(String(value)).test(actual),
              );
            if (!holds) return [];
          }
        }
        return [{ ...statement, Condition: kept }];
      }),
    },
  }));
}

async function decide(
  principal: Caller,
  call: ExpectedCall,
  resourcePolicy: PolicyDocument | undefined,
): Promise<string> {
  const context = { ...call.context };
  const simulatedContext = Object.fromEntries(
    Object.entries(context).filter(([key]) => !ENCRYPTION_CONTEXT.test(key)),
  );
  return simulateCall(
    { arn: principal.arn, policies: withEncryptionContextEvaluated(principal.policies, context) },
    { ...call, context: simulatedContext },
    resourcePolicy ?? (call.resource.includes(':kms:') ? delegatingKeyPolicy() : undefined),
    ENV.account,
  );
}

interface Policies {
  roles: ReturnType<typeof loadRolePolicies>;
  resources: ReturnType<typeof loadResourcePolicies>;
  functions: ReturnType<typeof functionRoles>;
}

function policiesOf(template: CloudFormationTemplate): Policies {
  return {
    roles: loadRolePolicies(template, ENV),
    resources: loadResourcePolicies(template, ENV),
    functions: functionRoles(template, ENV),
  };
}

function roleOfFunction(policies: Policies, fn: string): { roleId: string; principal: Caller } {
  const found = policies.functions[fn];
  const roleId = found?.roleLogicalId;
  const role = roleId ? policies.roles[roleId] : undefined;
  if (!found || !roleId || !role) throw new Error(`the template has no function ${fn} with a role`);
  return { roleId, principal: { arn: role.roleArn, policies: role.policies } };
}

/** Each expected call its function's role does not get, one readable line each. */
async function deniedCalls(template: CloudFormationTemplate): Promise<string[]> {
  const policies = policiesOf(template);
  const denied: string[] = [];
  for (const [fn, calls] of Object.entries(expectedCalls(template))) {
    const { roleId, principal } = roleOfFunction(policies, fn);
    for (const call of calls) {
      const decision = await decide(principal, call, policies.resources[call.resource]?.policy);
      if (decision !== 'Allowed') {
        denied.push(
          `${fn}: ${roleId} (${principal.arn}) is ${decision} ${call.action} on ${call.resource}${call.context ? ` with ${JSON.stringify(call.context)}` : ''}`,
        );
      }
    }
  }
  return denied;
}

const actionPattern = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`, 'i');

/** Each action a function's role allows that none of its expected calls uses. */
function unusedGrants(template: CloudFormationTemplate): string[] {
  const policies = policiesOf(template);
  const unused: string[] = [];
  for (const [fn, calls] of Object.entries(expectedCalls(template))) {
    const { roleId, principal } = roleOfFunction(policies, fn);
    for (const { name, policy } of principal.policies) {
      for (const statement of policy.Statement.filter((s) => s.Effect === 'Allow')) {
        for (const action of [statement.Action].flat().map(String)) {
          if (!calls.some((call) => actionPattern(action).test(call.action))) {
            unused.push(`${fn}: ${roleId} grants ${action} (${name}), which no call of ${fn} uses`);
          }
        }
      }
    }
  }
  return unused;
}

// ---------------------------------------------------------------------------------------------
// Resource policies

interface RuleDelivery {
  rule: string;
  ruleArn: string;
  functionArn: string;
  deadLetterArn: string | undefined;
}

function ruleDeliveries(template: CloudFormationTemplate): RuleDelivery[] {
  const resolver = new TemplateResolver(template, ENV);
  return resolver.resourcesOfType('AWS::Events::Rule').flatMap(([rule, resource]) =>
    [resource.Properties?.Targets].flat().map((target) => {
      const resolved = resolver.resolve(target, rule) as {
        Arn: string;
        DeadLetterConfig?: { Arn: string };
      };
      return {
        rule,
        ruleArn: resolver.attribute(rule, 'Arn'),
        functionArn: resolved.Arn,
        deadLetterArn: resolved.DeadLetterConfig?.Arn,
      };
    }),
  );
}

const service = (name: string): Caller => ({ arn: `${name}.amazonaws.com`, policies: [] });
const fromSource = (arn: string) => ({ 'aws:SourceArn': arn, 'aws:SourceAccount': ENV.account });

/** EventBridge may dead-letter into each rule's queue from that rule, and from no other rule. */
async function deadLetterFindings(template: CloudFormationTemplate): Promise<string[]> {
  const { resources } = policiesOf(template);
  const deliveries = ruleDeliveries(template);
  const findings: string[] = [];
  for (const { rule, ruleArn, deadLetterArn } of deliveries) {
    if (!deadLetterArn) continue;
    const policy = resources[deadLetterArn]?.policy;
    const call = (source: string) => ({
      action: 'sqs:SendMessage',
      resource: deadLetterArn,
      context: fromSource(source),
    });
    const own = await decide(service('events'), call(ruleArn), policy);
    if (own !== 'Allowed') {
      findings.push(
        `${rule}: EventBridge is ${own} sqs:SendMessage to its dead-letter queue ${deadLetterArn} from ${ruleArn}`,
      );
    }
    const others = [
      `arn:aws:events:${ENV.region}:${ENV.account}:rule/somebody-elses-rule`,
      ...deliveries.filter((d) => d.deadLetterArn !== deadLetterArn).map((d) => d.ruleArn),
    ];
    for (const other of others) {
      if ((await decide(service('events'), call(other), policy)) === 'Allowed') {
        findings.push(
          `${deadLetterArn}: admits EventBridge deliveries from ${other}, not one of its rules`,
        );
      }
    }
  }
  return findings;
}

/** Each alarm's topic key lets CloudWatch encrypt for that alarm, and not for other alarms. */
async function alarmKeyFindings(template: CloudFormationTemplate): Promise<string[]> {
  const resolver = new TemplateResolver(template, ENV);
  const { resources } = policiesOf(template);
  const findings: string[] = [];
  for (const [alarm, resource] of resolver.resourcesOfType('AWS::CloudWatch::Alarm')) {
    const properties = resolver.resolve(resource.Properties, alarm) as {
      AlarmName: string;
      AlarmActions?: string[];
    };
    const alarmArn = `arn:aws:cloudwatch:${ENV.region}:${ENV.account}:alarm:${properties.AlarmName}`;
    for (const topicArn of properties.AlarmActions ?? []) {
      const topic = resolver
        .resourcesOfType('AWS::SNS::Topic')
        .find(([id]) => resolver.attribute(id, 'TopicArn') === topicArn);
      const keyId = topic?.[1].Properties?.KmsMasterKeyId;
      const keyArn = keyId === undefined ? undefined : String(resolver.resolve(keyId, alarm));
      const keyPolicy = keyArn ? resources[keyArn]?.policy : undefined;
      if (!keyArn || !keyPolicy) {
        findings.push(
          `${alarm}: its topic ${topicArn} is encrypted with ${keyArn ?? 'no key'}, which has no key policy in the template; cloudwatch.amazonaws.com cannot use an AWS-managed key such as alias/aws/sns, so the alarm is never delivered`,
        );
        continue;
      }
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        const call = (source: string) => ({
          action,
          resource: keyArn,
          context: fromSource(source),
        });
        const decision = await decide(service('cloudwatch'), call(alarmArn), keyPolicy);
        if (decision !== 'Allowed') {
          findings.push(`${alarm}: cloudwatch.amazonaws.com is ${decision} ${action} on ${keyArn}`);
        }
        const foreignAlarm = `arn:aws:cloudwatch:${ENV.region}:${ENV.account}:alarm:somebody-elses-alarm`;
        if ((await decide(service('cloudwatch'), call(foreignAlarm), keyPolicy)) === 'Allowed') {
          findings.push(`${keyArn}: lets CloudWatch ${action} for ${foreignAlarm}`);
        }
      }
    }
  }
  return findings;
}

/** Only irwatch's writers may put events on its bus, whatever other principals' policies say. */
async function busFindings(template: CloudFormationTemplate): Promise<string[]> {
  const policies = policiesOf(template);
  const bus = deployedNames(template).bus;
  const busPolicy = policies.resources[bus]?.policy;
  const put = { action: 'events:PutEvents', resource: bus };
  const findings: string[] = [];
  const writers = [
    ...['detect', 'ingest'].map((fn) => roleOfFunction(policies, fn)),
    { roleId: 'RedriveRole', principal: rolePrincipal(policies, 'RedriveRole') },
  ];
  for (const { roleId, principal } of writers) {
    const decision = await decide(principal, put, busPolicy);
    if (decision !== 'Allowed')
      findings.push(`${roleId}: is ${decision} events:PutEvents on ${bus}`);
  }
  const putAnywhere: NamedPolicy = {
    name: 'events-anywhere',
    policy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
    },
  };
  const outsiders: Array<[string, Caller]> = [
    [
      'another role of the account allowed events:PutEvents on "*"',
      { arn: FOREIGN_ACCOUNT_PRINCIPAL, policies: [putAnywhere] },
    ],
    ['notify', { ...roleOfFunction(policies, 'notify').principal, policies: [putAnywhere] }],
  ];
  for (const [who, principal] of outsiders) {
    const decision = await decide(principal, put, busPolicy);
    if (decision === 'Allowed')
      findings.push(`${bus}: admits PutEvents from ${who} (${principal.arn})`);
  }
  return findings;
}

/** The redrive role reads and deletes every dead-letter queue's messages and puts them back. */
async function redriveFindings(template: CloudFormationTemplate): Promise<string[]> {
  const policies = policiesOf(template);
  const names = deployedNames(template);
  const principal = rolePrincipal(policies, 'RedriveRole');
  const calls: ExpectedCall[] = [
    ...['detect', 'ingest', 'notify'].flatMap((fn) =>
      ['sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'].map((action) => ({
        action,
        resource: names.queue(fn),
      })),
    ),
    { action: 'events:PutEvents', resource: names.bus },
  ];
  const findings: string[] = [];
  for (const call of calls) {
    const decision = await decide(principal, call, policies.resources[call.resource]?.policy);
    if (decision !== 'Allowed') {
      findings.push(
        `RedriveRole (${principal.arn}) is ${decision} ${call.action} on ${call.resource}`,
      );
    }
  }
  return findings;
}

function rolePrincipal(policies: Policies, roleId: string): Caller {
  const role = policies.roles[roleId];
  if (!role) throw new Error(`the template has no role ${roleId}`);
  return { arn: role.roleArn, policies: role.policies };
}

/** Lambda lets each rule invoke its target function and the HTTP API invoke api; no one else. */
async function invokeFindings(template: CloudFormationTemplate): Promise<string[]> {
  const { resources, functions } = policiesOf(template);
  const findings: string[] = [];
  const invoke = (functionArn: string, source: string) => ({
    action: 'lambda:InvokeFunction',
    resource: functionArn,
    context: fromSource(source),
  });
  for (const { rule, ruleArn, functionArn } of ruleDeliveries(template)) {
    const policy = resources[functionArn]?.policy;
    const decision = await decide(service('events'), invoke(functionArn, ruleArn), policy);
    if (decision !== 'Allowed') {
      findings.push(`${rule}: EventBridge is ${decision} lambda:InvokeFunction on ${functionArn}`);
    }
    const foreign = `arn:aws:events:${ENV.region}:${ENV.account}:rule/somebody-elses-rule`;
    if ((await decide(service('events'), invoke(functionArn, foreign), policy)) === 'Allowed') {
      findings.push(`${functionArn}: ${foreign} may invoke it`);
    }
  }
  const api = functions.api;
  if (!api) return [...findings, 'the template has no api function'];
  const apiId = new TemplateResolver(template, ENV).ref('HttpApi');
  const route = `arn:aws:execute-api:${ENV.region}:${ENV.account}:${apiId}/$default/GET/jobs`;
  const policy = resources[api.functionArn]?.policy;
  const decision = await decide(service('apigateway'), invoke(api.functionArn, route), policy);
  if (decision !== 'Allowed') {
    findings.push(
      `HttpApi: API Gateway is ${decision} lambda:InvokeFunction on ${api.functionArn}`,
    );
  }
  const otherApi = `arn:aws:execute-api:${ENV.region}:${ENV.account}:otherapi01/$default/GET/jobs`;
  if (
    (await decide(service('apigateway'), invoke(api.functionArn, otherApi), policy)) === 'Allowed'
  ) {
    findings.push(`${api.functionArn}: another HTTP API may invoke it`);
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------

let template: CloudFormationTemplate;

beforeAll(async () => {
  template = (await packagedTemplate('dev')).template as unknown as CloudFormationTemplate;
});

const copy = () => structuredClone(template);

function statementsAllowing(t: CloudFormationTemplate, role: string, action: string) {
  const policies = t.Resources[role]?.Properties?.Policies as
    Array<{ PolicyDocument: { Statement: PolicyStatement[] } }> | undefined;
  const found = (policies ?? [])
    .flatMap((policy) => policy.PolicyDocument.Statement)
    .filter((statement) => [statement.Action].flat().includes(action));
  if (found.length === 0) throw new Error(`${role} has no statement allowing ${action}`);
  return found;
}

describe('the packaged template, simulated', () => {
  it('allows every call each function sends', async () => {
    expect(await deniedCalls(template)).toEqual([]);
  });

  it('grants no action a function does not send', () => {
    expect(unusedGrants(template)).toEqual([]);
  });

  it('lets EventBridge dead-letter into each queue from its own rules only', async () => {
    expect(await deadLetterFindings(template)).toEqual([]);
  });

  it("lets CloudWatch use the alarm topic's key for this stage's alarms only", async () => {
    expect(await alarmKeyFindings(template)).toEqual([]);
  });

  it('admits only detect, ingest and the redrive role to the bus', async () => {
    expect(await busFindings(template)).toEqual([]);
  });

  it('has one invoke permission per rule target and one per HTTP API function, each with its SourceArn', () => {
    const resolver = new TemplateResolver(template, ENV);
    const permissions = resolver
      .resourcesOfType('AWS::Lambda::Permission')
      .map(
        ([id, permission]) => resolver.resolve(permission.Properties, id) as Record<string, string>,
      );
    const expected = [
      ...ruleDeliveries(template).map(({ ruleArn, functionArn }) => ({
        FunctionName: functionArn,
        Principal: 'events.amazonaws.com',
        SourceArn: ruleArn,
      })),
      // The HTTP API's two functions: api (the data routes) and web (GET /, GET /openapi.json).
      ...(['api', 'web'] as const).map((name) => ({
        FunctionName: functionRoles(template, ENV)[name]?.functionArn,
        Principal: 'apigateway.amazonaws.com',
        SourceArn: `arn:aws:execute-api:${ENV.region}:${ENV.account}:${resolver.ref('HttpApi')}/*`,
      })),
    ];
    expect(
      permissions.map(({ FunctionName, Principal, SourceArn }) => ({
        FunctionName,
        Principal,
        SourceArn,
      })),
    ).toEqual(expect.arrayContaining(expected));
    expect(permissions).toHaveLength(expected.length);
    expect(permissions.every((permission) => permission.Action === 'lambda:InvokeFunction')).toBe(
      true,
    );
  });

  it('lets the redrive role read and delete the dead letters and put them back', async () => {
    expect(await redriveFindings(template)).toEqual([]);
  });

  it('lets each rule and the HTTP API invoke their function, and nothing else', async () => {
    expect(await invokeFindings(template)).toEqual([]);
  });

  it('reads the same policies from serverless.yml and resources.yml without packaging', () => {
    const fromConfig = loadTemplate(join(repoRoot, 'serverless.yml'), ENV);
    expect(loadRolePolicies(fromConfig, ENV)).toEqual(loadRolePolicies(template, ENV));
    expect(functionRoles(fromConfig, ENV)).toEqual(functionRoles(template, ENV));
    // The deployment bucket is osls's own, not a resource the configuration names.
    const withoutBucket = (policies: ReturnType<typeof loadResourcePolicies>) =>
      Object.fromEntries(
        Object.entries(policies).filter(([arn]) => !arn.startsWith('arn:aws:s3:')),
      );
    expect(withoutBucket(loadResourcePolicies(fromConfig, ENV))).toEqual(
      withoutBucket(loadResourcePolicies(template, ENV)),
    );
  });
});

describe('each simulation on a deliberately broken copy of the template', () => {
  it('names action, resource and role when ListInferenceRecommendationsJobSteps is scoped to job ARNs again', async () => {
    const t = copy();
    for (const statement of statementsAllowing(
      t,
      'IngestRole',
      'sagemaker:ListInferenceRecommendationsJobSteps',
    )) {
      statement.Resource = {
        'Fn::Sub':
          'arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:inference-recommendations-job/*',
      };
    }
    expect(await deniedCalls(t)).toEqual([
      `ingest: IngestRole (arn:aws:iam::${ENV.account}:role/irwatch-dev-IngestRole) is ImplicitlyDenied sagemaker:ListInferenceRecommendationsJobSteps on *`,
    ]);
  });

  it('names the call when an action a function sends is removed from its role', async () => {
    const t = copy();
    for (const statement of statementsAllowing(t, 'IngestRole', 'dynamodb:UpdateItem')) {
      statement.Action = [statement.Action].flat().filter((a) => a !== 'dynamodb:UpdateItem');
    }
    expect(await deniedCalls(t)).toEqual([
      expect.stringMatching(
        /^ingest: IngestRole .* ImplicitlyDenied dynamodb:UpdateItem on arn:aws:dynamodb:/,
      ),
    ]);
  });

  it("denies detect another partition than the detector's", async () => {
    const t = copy();
    const detector = statementsAllowing(t, 'DetectRole', 'dynamodb:PutItem')[0]!;
    const condition = detector.Condition as Record<string, Record<string, unknown>>;
    condition['ForAllValues:StringEquals']!['dynamodb:LeadingKeys'] = ['JOB#my-job'];
    // PutItem, BatchGetItem and BatchWriteItem on the detector's partition.
    expect(await deniedCalls(t)).toHaveLength(3);
  });

  it('denies api its cursor key when the grant names another secret', async () => {
    const t = copy();
    const read = statementsAllowing(t, 'ApiRole', 'secretsmanager:GetSecretValue')[0]!;
    read.Resource = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:other-AbCdEf';
    expect(await deniedCalls(t)).toEqual([
      expect.stringMatching(
        /^api: ApiRole .* ImplicitlyDenied secretsmanager:GetSecretValue on arn:aws:secretsmanager:.*:secret:irwatch\/dev\/api\/cursor-key-[A-Za-z0-9]{6} with /,
      ),
    ]);
  });

  it('names a granted action no call uses', () => {
    const t = copy();
    statementsAllowing(t, 'NotifyRole', 'sns:Publish')[0]!.Action = [
      'sns:Publish',
      'sns:Subscribe',
    ];
    expect(unusedGrants(t)).toEqual([
      'notify: NotifyRole grants sns:Subscribe (NotifyRole/notify), which no call of notify uses',
    ]);
  });

  it('names the alarms that could not be delivered when the alarm topic goes back to alias/aws/sns', async () => {
    const t = copy();
    t.Resources.AlarmTopic!.Properties!.KmsMasterKeyId = 'alias/aws/sns';
    const findings = await alarmKeyFindings(t);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings).toContainEqual(
      expect.stringMatching(
        /^IngestDeadLetterQueueAlarm: its topic .*irwatch-dev-alarms is encrypted with alias\/aws\/sns/,
      ),
    );
  });

  it('names the rule whose dead letters its queue refuses, and a queue open to any rule', async () => {
    const unlisted = copy();
    const ingestRule = Object.entries(unlisted.Resources).find(
      ([, r]) =>
        r.Type === 'AWS::Events::Rule' && JSON.stringify(r).includes('IngestLambdaFunction'),
    )!;
    ingestRule[1].Properties!.Name = 'irwatch-dev-ingest-renamed';
    expect(await deadLetterFindings(unlisted)).toContainEqual(
      expect.stringMatching(
        /^Irwatchdevingestrule1EventBridgeRule: EventBridge is ImplicitlyDenied sqs:SendMessage/,
      ),
    );

    const open = copy();
    const [statement] = (
      open.Resources.IngestDeadLetterQueuePolicy!.Properties!.PolicyDocument as PolicyDocument
    ).Statement;
    statement!.Condition = {
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*',
        },
      },
    };
    expect(await deadLetterFindings(open)).toContainEqual(
      expect.stringContaining(
        'irwatch-dev-ingest-dlq: admits EventBridge deliveries from arn:aws:events:eu-west-1:111122223333:rule/somebody-elses-rule',
      ),
    );
  });

  it('names the principals the bus admits once its policy is gone', async () => {
    const t = copy();
    delete t.Resources.EventBusWriters;
    expect(await busFindings(t)).toEqual([
      expect.stringContaining(`admits PutEvents from another role of the account`),
      expect.stringContaining('admits PutEvents from notify'),
    ]);
  });

  it('names a rule that may not invoke its function', async () => {
    const t = copy();
    const permission = Object.entries(t.Resources).find(([id]) =>
      id.startsWith('IngestEventBridgeLambdaPermission'),
    )!;
    delete t.Resources[permission[0]];
    expect(await invokeFindings(t)).toEqual([
      expect.stringMatching(
        /^Irwatchdevingestrule1EventBridgeRule: EventBridge is ImplicitlyDenied lambda:InvokeFunction/,
      ),
    ]);
  });
});

describe('reading policies', () => {
  const roleWithResource = (resource: unknown): CloudFormationTemplate => ({
    Resources: {
      Reader: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Policies: [
            {
              PolicyName: 'read',
              PolicyDocument: {
                Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resource }],
              },
            },
          ],
        },
      },
      Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'irwatch-dev-data' } },
    },
    Conditions: { IsProd: { 'Fn::Equals': ['dev', 'prod'] } },
  });
  const resourceOf = (template: CloudFormationTemplate) =>
    loadRolePolicies(template, ENV).Reader?.policies[0]?.policy.Statement[0]?.Resource;

  it('resolves Fn::If, Fn::Join, Fn::Sub with variables and drops AWS::NoValue', () => {
    expect(
      resourceOf(
        roleWithResource([
          { 'Fn::If': ['IsProd', 'arn:aws:s3:::prod/*', { Ref: 'AWS::NoValue' }] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket', 'Arn'] }, '/in/*']] },
          {
            'Fn::Sub': [
              '${Arn}/out/${AWS::AccountId}/*',
              { Arn: { 'Fn::GetAtt': ['Bucket', 'Arn'] } },
            ],
          },
        ]),
      ),
    ).toEqual([
      'arn:aws:s3:::irwatch-dev-data/in/*',
      `arn:aws:s3:::irwatch-dev-data/out/${ENV.account}/*`,
    ]);
  });

  it('names what it cannot resolve', () => {
    expect(() => resourceOf(roleWithResource({ Ref: 'Bukket' }))).toThrow(
      /Reader.Policies\[0\].*Bukket is not a resource of the template/,
    );
    expect(() => resourceOf(roleWithResource({ 'Fn::Sub': '${Bucket.Nmae}/*' }))).toThrow(
      /Fn::GetAtt Bucket.Nmae \(AWS::S3::Bucket\) is not resolved here/,
    );
    expect(() => resourceOf(roleWithResource({ 'Fn::ImportValue': 'shared-bucket' }))).toThrow(
      /Fn::ImportValue is not resolved here/,
    );
  });
});
