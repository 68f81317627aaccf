import { beforeAll, describe, expect, it } from 'vitest';
import { checkTemplate, loadCfnSpec, type CfnSpec } from '../support/cfn-spec.js';
import {
  packagedTemplate,
  resourcesOfType,
  type CfnTemplate,
  type PackagedForm,
} from '../support/serverless.js';
import { readSpokeTemplate } from '../support/spoke.js';
import {
  hardeningFindings,
  loadAuthorizationData,
  httpRoutes,
  policyStatements,
  referencedResource,
} from '../support/template-hardening.js';

type Stage = 'dev' | 'prod';

/** The stage a packaged form was packaged for (`watching` is dev watching other accounts). */
const stageOf = (form: PackagedForm): Stage => (form === 'watching' ? 'dev' : form);

let spec: CfnSpec;
const packaged = new Map<PackagedForm, CfnTemplate>();

beforeAll(async () => {
  spec = await loadCfnSpec();
  packaged.set('dev', (await packagedTemplate('dev')).template);
  packaged.set('prod', (await packagedTemplate('prod')).template);
  packaged.set('watching', (await packagedTemplate('watching')).template);
}, 120_000);

function templateOf(form: PackagedForm): CfnTemplate {
  const template = packaged.get(form);
  if (!template) throw new Error(`the ${form} template was not packaged`);
  return template;
}

/** Every check's findings, the specification's under `cfnSpec`. */
async function allFindings(template: CfnTemplate, stage: Stage): Promise<Record<string, string[]>> {
  const authorization = await loadAuthorizationData(template);
  return {
    cfnSpec: checkTemplate(spec, template),
    ...hardeningFindings(template, stage, authorization),
  };
}

const CHECK_NAMES = [
  'cfnSpec',
  'eachFunctionHasOwnRole',
  'noWildcardActions',
  'wildcardResourcesOnlyForUnscopableActions',
  'unscopableActionsOnEveryResource',
  'eventBridgeTargetsHaveRetryAndDeadLetter',
  'deadLetterQueuesHaveAlarms',
  'alarmTopicsUseOwnKey',
  'tableIsProtected',
  'topicsAreEncrypted',
  'httpRoutesUseIamAndThrottling',
  'httpStagesLogAccess',
  'logRetentionIsSet',
  'noSecretsInEnvironment',
] as const;
type CheckName = (typeof CHECK_NAMES)[number];

describe.each(['dev', 'prod', 'watching'] as const)('the packaged %s template', (form) => {
  const stage = stageOf(form);
  it('lists every check', async () => {
    expect(Object.keys(await allFindings(templateOf(form), stage)).sort()).toEqual(
      [...CHECK_NAMES].sort(),
    );
  });

  it.for(CHECK_NAMES)('%s reports nothing', async (check, { annotate }) => {
    const template = templateOf(form);
    expect((await allFindings(template, stage))[check]).toEqual([]);
    if (check === 'cfnSpec') {
      await annotate(`resource specification loaded in ${Math.round(spec.loadMs)} ms`);
    }
    if (check === 'httpRoutesUseIamAndThrottling' && httpRoutes(template).length === 0) {
      await annotate(
        'passed vacuously: the template has no AWS::ApiGatewayV2::Route yet',
        'notice',
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Deliberately broken copies: one targeted mutation each, found on whatever the template holds.

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, what: string): JsonObject {
  if (!isObject(value)) throw new Error(`expected ${what} to be an object`);
  return value;
}

function propsOf(template: CfnTemplate, name: string): JsonObject {
  const resource = template.Resources[name];
  if (!resource) throw new Error(`the template has no resource ${name}`);
  return (resource.Properties ??= {});
}

function firstOf(template: CfnTemplate, type: string): string {
  const [first] = resourcesOfType(template, type);
  if (!first) throw new Error(`the template has no ${type}`);
  return first[0];
}

const firstFunction = (t: CfnTemplate) => firstOf(t, 'AWS::Lambda::Function');

function roleOf(template: CfnTemplate, fn: string): string {
  const role = referencedResource(propsOf(template, fn).Role);
  if (!role) throw new Error(`${fn} has no role of the template`);
  return role;
}

function environmentOf(template: CfnTemplate, fn: string): JsonObject {
  const props = propsOf(template, fn);
  const environment = (props.Environment ??= {}) as JsonObject;
  return (environment.Variables ??= {}) as JsonObject;
}

function firstRuleTarget(template: CfnTemplate): { rule: string; target: JsonObject } {
  const rule = firstOf(template, 'AWS::Events::Rule');
  const [target] = propsOf(template, rule).Targets as unknown[];
  return { rule, target: object(target, `the first target of ${rule}`) };
}

function deadLetterQueueOfFirstRule(template: CfnTemplate): string {
  const { target } = firstRuleTarget(template);
  const queue = referencedResource(object(target.DeadLetterConfig, 'DeadLetterConfig').Arn);
  if (!queue) throw new Error('the first rule target has no dead-letter queue of the template');
  return queue;
}

function alarmOnQueue(template: CfnTemplate, queue: string): string {
  const [alarm] = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(([, resource]) =>
    JSON.stringify(resource.Properties?.Dimensions ?? []).includes(`"${queue}"`),
  );
  if (!alarm) throw new Error(`no alarm on ${queue}`);
  return alarm[0];
}

function logGroupOf(template: CfnTemplate, fn: string): string {
  const name = `/aws/lambda/${String(propsOf(template, fn).FunctionName)}`;
  const [group] = resourcesOfType(template, 'AWS::Logs::LogGroup').filter(
    ([, resource]) => resource.Properties?.LogGroupName === name,
  );
  if (!group) throw new Error(`no log group ${name}`);
  return group[0];
}

/**
 * The template's own HTTP API when it has one; otherwise one built like osls builds it (IAM
 * authorizer, throttled stage), so the route checks have something to break today.
 */
function withHttpRoutes(template: CfnTemplate): { route: string; stage: string } {
  if (httpRoutes(template).length === 0) {
    const fn = firstFunction(template);
    template.Resources.HttpApi = {
      Type: 'AWS::ApiGatewayV2::Api',
      Properties: { Name: 'irwatch-template-check', ProtocolType: 'HTTP' },
    };
    template.Resources.HttpApiStage = {
      Type: 'AWS::ApiGatewayV2::Stage',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingBurstLimit: 50, ThrottlingRateLimit: 20 },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': ['HttpApiLogGroupCheck', 'Arn'] },
          Format: '$context.requestId',
        },
      },
    };
    template.Resources.HttpApiLogGroupCheck = {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: '/aws/http-api/irwatch-template-check', RetentionInDays: 30 },
    };
    template.Resources.HttpApiIntegrationCheck = {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': [fn, 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    };
    template.Resources.HttpApiRouteGetJobs = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        RouteKey: 'GET /jobs',
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: 'HttpApiIntegrationCheck' }]] },
        AuthorizationType: 'AWS_IAM',
      },
    };
  }
  const [route] = httpRoutes(template);
  if (!route) throw new Error('no HTTP route');
  const api = referencedResource(propsOf(template, route).ApiId);
  const [stage] = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').filter(
    ([, resource]) => referencedResource(resource.Properties?.ApiId) === api,
  );
  if (!stage) throw new Error(`no stage for ${String(api)}`);
  return { route, stage: stage[0] };
}

interface BrokenTemplate {
  /** The check that must report the mutation. */
  check: CheckName;
  what: string;
  /** Checks that rightly report the same mutation too. */
  alsoReportedBy?: CheckName[];
  stage?: Stage;
  /** Mutates the copy; returns the text the finding must contain (a logical id or path). */
  breakTemplate: (template: CfnTemplate) => string;
}

const brokenTemplates: BrokenTemplate[] = [
  {
    check: 'noWildcardActions',
    what: 'an action dynamodb:* in a function role',
    breakTemplate: (t) => {
      const role = roleOf(t, firstFunction(t));
      const [statement] = policyStatements(t).filter(
        (s) => s.resource === role && s.identity && s.statement.Effect === 'Allow',
      );
      if (!statement) throw new Error(`${role} has no Allow statement`);
      statement.statement.Action = [statement.statement.Action, 'dynamodb:*'].flat();
      return role;
    },
  },
  {
    check: 'noWildcardActions',
    what: 'an action * in a queue policy',
    breakTemplate: (t) => {
      const [statement] = policyStatements(t).filter(
        (s) => t.Resources[s.resource]?.Type === 'AWS::SQS::QueuePolicy',
      );
      if (!statement) throw new Error('no queue policy statement');
      statement.statement.Action = '*';
      return statement.resource;
    },
  },
  {
    check: 'eachFunctionHasOwnRole',
    what: 'a role shared by two functions',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      const copy = structuredClone(t.Resources[fn]);
      if (!copy?.Properties) throw new Error(`${fn} has no properties`);
      copy.Properties.FunctionName = 'irwatch-template-check-copy';
      copy.Properties.LoggingConfig = { LogGroup: { Ref: logGroupOf(t, fn) } };
      t.Resources.SharedRoleCopyLambdaFunction = copy;
      return roleOf(t, fn);
    },
  },
  {
    check: 'eachFunctionHasOwnRole',
    what: 'a function whose role is an ARN from outside the template',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      propsOf(t, fn).Role = 'arn:aws:iam::123456789012:role/somebody-elses-role';
      return fn;
    },
  },
  {
    check: 'wildcardResourcesOnlyForUnscopableActions',
    what: 'Resource "*" on a scopable action',
    breakTemplate: (t) => {
      // DynamoDB actions all have the table resource type.
      const role = roleOf(t, firstFunction(t));
      const [statement] = policyStatements(t).filter(
        (s) =>
          s.resource === role &&
          s.identity &&
          [s.statement.Action].flat().some((action) => String(action).startsWith('dynamodb:')),
      );
      if (!statement) throw new Error(`${role} has no DynamoDB statement`);
      statement.statement.Resource = '*';
      return role;
    },
  },
  {
    check: 'unscopableActionsOnEveryResource',
    what: 'ListInferenceRecommendationsJobSteps scoped to job ARNs again',
    breakTemplate: (t) => {
      const [statement] = policyStatements(t).filter((s) =>
        [s.statement.Action].flat().includes('sagemaker:ListInferenceRecommendationsJobSteps'),
      );
      if (!statement) throw new Error('no role allows ListInferenceRecommendationsJobSteps');
      statement.statement.Resource = {
        'Fn::Sub':
          'arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:inference-recommendations-job/*',
      };
      return `${statement.resource}: ${statement.path} allows sagemaker:ListInferenceRecommendationsJobSteps only on`;
    },
  },
  {
    check: 'alarmTopicsUseOwnKey',
    what: 'the alarm topic back on alias/aws/sns',
    breakTemplate: (t) => {
      const alarm = alarmOnQueue(t, deadLetterQueueOfFirstRule(t));
      const [action] = propsOf(t, alarm).AlarmActions as unknown[];
      const topic = referencedResource(action) ?? '';
      propsOf(t, topic).KmsMasterKeyId = 'alias/aws/sns';
      return `${topic}: alarm topic of`;
    },
  },
  {
    check: 'eventBridgeTargetsHaveRetryAndDeadLetter',
    what: 'a rule target without DeadLetterConfig',
    breakTemplate: (t) => {
      const { rule, target } = firstRuleTarget(t);
      delete target.DeadLetterConfig;
      return rule;
    },
  },
  {
    check: 'eventBridgeTargetsHaveRetryAndDeadLetter',
    what: 'a rule target without RetryPolicy',
    breakTemplate: (t) => {
      const { rule, target } = firstRuleTarget(t);
      delete target.RetryPolicy;
      return rule;
    },
  },
  {
    check: 'eventBridgeTargetsHaveRetryAndDeadLetter',
    what: 'a rule-invoked function without an on-failure destination',
    breakTemplate: (t) => {
      const fn = referencedResource(firstRuleTarget(t).target.Arn) ?? '';
      for (const [name, config] of resourcesOfType(t, 'AWS::Lambda::EventInvokeConfig')) {
        if (referencedResource(config.Properties?.FunctionName) === fn) {
          delete propsOf(t, name).DestinationConfig;
        }
      }
      return fn;
    },
  },
  {
    check: 'deadLetterQueuesHaveAlarms',
    what: 'a dead-letter queue without alarm',
    breakTemplate: (t) => {
      const queue = deadLetterQueueOfFirstRule(t);
      delete t.Resources[alarmOnQueue(t, queue)];
      return queue;
    },
  },
  {
    check: 'deadLetterQueuesHaveAlarms',
    what: 'an alarm topic without KMS',
    alsoReportedBy: ['topicsAreEncrypted'],
    breakTemplate: (t) => {
      const alarm = alarmOnQueue(t, deadLetterQueueOfFirstRule(t));
      const [action] = propsOf(t, alarm).AlarmActions as unknown[];
      delete propsOf(t, referencedResource(action) ?? '').KmsMasterKeyId;
      return alarm;
    },
  },
  {
    check: 'deadLetterQueuesHaveAlarms',
    what: 'an alarm whose action is not a topic of the template',
    breakTemplate: (t) => {
      const alarm = alarmOnQueue(t, deadLetterQueueOfFirstRule(t));
      propsOf(t, alarm).AlarmActions = ['arn:aws:sns:us-east-1:123456789012:plaintext'];
      return alarm;
    },
  },
  {
    check: 'tableIsProtected',
    what: 'point-in-time recovery off',
    breakTemplate: (t) => {
      const table = firstOf(t, 'AWS::DynamoDB::Table');
      propsOf(t, table).PointInTimeRecoverySpecification = { PointInTimeRecoveryEnabled: false };
      return table;
    },
  },
  {
    check: 'tableIsProtected',
    what: 'prod without deletion protection',
    stage: 'prod',
    breakTemplate: (t) => {
      const table = firstOf(t, 'AWS::DynamoDB::Table');
      propsOf(t, table).DeletionProtectionEnabled = false;
      return table;
    },
  },
  {
    check: 'topicsAreEncrypted',
    what: 'a topic without KMS',
    breakTemplate: (t) => {
      const alarmTopics = new Set(
        resourcesOfType(t, 'AWS::CloudWatch::Alarm').flatMap(([, alarm]) =>
          [alarm.Properties?.AlarmActions].flat().map(referencedResource),
        ),
      );
      const [topic] = resourcesOfType(t, 'AWS::SNS::Topic').filter(
        ([name]) => !alarmTopics.has(name),
      );
      if (!topic) throw new Error('no topic besides the alarm topics');
      delete propsOf(t, topic[0]).KmsMasterKeyId;
      return topic[0];
    },
  },
  {
    check: 'httpRoutesUseIamAndThrottling',
    what: 'a route with AuthorizationType NONE',
    breakTemplate: (t) => {
      const { route } = withHttpRoutes(t);
      propsOf(t, route).AuthorizationType = 'NONE';
      return route;
    },
  },
  {
    check: 'httpRoutesUseIamAndThrottling',
    what: 'a stage without throttling',
    breakTemplate: (t) => {
      const { stage } = withHttpRoutes(t);
      delete propsOf(t, stage).DefaultRouteSettings;
      return stage;
    },
  },
  {
    check: 'httpStagesLogAccess',
    what: 'a stage without access log',
    breakTemplate: (t) => {
      const { stage } = withHttpRoutes(t);
      delete propsOf(t, stage).AccessLogSettings;
      return stage;
    },
  },
  {
    check: 'logRetentionIsSet',
    what: 'a log group without retention',
    breakTemplate: (t) => {
      const group = logGroupOf(t, firstFunction(t));
      delete propsOf(t, group).RetentionInDays;
      return group;
    },
  },
  {
    check: 'logRetentionIsSet',
    what: 'a function whose log group is not in the template',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      propsOf(t, logGroupOf(t, fn)).LogGroupName = '/aws/lambda/somebody-else';
      return fn;
    },
  },
  {
    check: 'noSecretsInEnvironment',
    what: 'API_KEY: "abc" in a function environment',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      environmentOf(t, fn).API_KEY = 'abc';
      return fn;
    },
  },
  {
    check: 'noSecretsInEnvironment',
    what: 'a Secrets Manager dynamic reference resolved into the environment',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      environmentOf(t, fn).DATABASE_URL =
        '{{resolve:secretsmanager:irwatch/database:SecretString:url}}';
      return fn;
    },
  },
  {
    check: 'cfnSpec',
    what: 'an unknown property',
    breakTemplate: (t) => {
      const table = firstOf(t, 'AWS::DynamoDB::Table');
      const props = propsOf(t, table);
      props.BillingMod = props.BillingMode;
      delete props.BillingMode;
      return `Resources.${table}.Properties.BillingMod: unknown property of AWS::DynamoDB::Table`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'an unknown property nested in a property type',
    breakTemplate: (t) => {
      const table = firstOf(t, 'AWS::DynamoDB::Table');
      object(propsOf(t, table).PointInTimeRecoverySpecification, 'PITR').Enabled = true;
      return `Resources.${table}.Properties.PointInTimeRecoverySpecification.Enabled: unknown property of AWS::DynamoDB::Table.PointInTimeRecoverySpecification`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'a missing required property',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      delete propsOf(t, fn).Code;
      return `Resources.${fn}.Properties.Code: missing required property of AWS::Lambda::Function`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'a wrong type',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      propsOf(t, fn).MemorySize = 'plenty';
      return `Resources.${fn}.Properties.MemorySize: expected integer, got string "plenty"`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'an object where the specification wants an array',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      propsOf(t, fn).Architectures = { arm64: true };
      return `Resources.${fn}.Properties.Architectures: expected array of string, got object`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'a dangling Ref',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      environmentOf(t, fn).CHECK_TABLE = { Ref: 'Tabel' };
      return `Resources.${fn}.Properties.Environment.Variables.CHECK_TABLE.Ref: Ref to Tabel, which is neither`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'Fn::GetAtt on a missing resource',
    breakTemplate: (t) => {
      const { rule } = firstRuleTarget(t);
      propsOf(t, rule).EventBusName = { 'Fn::GetAtt': ['EventBuss', 'Name'] };
      return `Resources.${rule}.Properties.EventBusName.Fn::GetAtt: Fn::GetAtt on EventBuss, which is not a resource`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'a bad Fn::GetAtt attribute',
    breakTemplate: (t) => {
      const { rule } = firstRuleTarget(t);
      const bus = firstOf(t, 'AWS::Events::EventBus');
      propsOf(t, rule).EventBusName = { 'Fn::GetAtt': [bus, 'Nme'] };
      return `Resources.${rule}.Properties.EventBusName.Fn::GetAtt: ${bus}.Nme: AWS::Events::EventBus has no attribute Nme`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'a bad Fn::Sub resource reference',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      environmentOf(t, fn).CHECK_SUB = { 'Fn::Sub': 'irwatch-${AWS::Region}-${Tabel}' };
      return `Resources.${fn}.Properties.Environment.Variables.CHECK_SUB.Fn::Sub: \${Tabel}, which is neither`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'a bad Fn::Sub attribute',
    breakTemplate: (t) => {
      const fn = firstFunction(t);
      const table = firstOf(t, 'AWS::DynamoDB::Table');
      environmentOf(t, fn).CHECK_SUB = { 'Fn::Sub': `\${${table}.Arnn}/index/*` };
      return `Resources.${fn}.Properties.Environment.Variables.CHECK_SUB.Fn::Sub: ${table}.Arnn: AWS::DynamoDB::Table has no attribute Arnn`;
    },
  },
  {
    check: 'cfnSpec',
    what: 'an unknown resource type',
    breakTemplate: (t) => {
      const table = firstOf(t, 'AWS::DynamoDB::Table');
      const resource = t.Resources[table];
      if (resource) resource.Type = 'AWS::DynamoDB::Tabel';
      return `Resources.${table}.Type: unknown resource type AWS::DynamoDB::Tabel`;
    },
  },
];

describe('the spoke template (spoke/template.yml)', () => {
  it('matches the resource specification', () => {
    expect(checkTemplate(spec, readSpokeTemplate())).toEqual([]);
  });

  it('names a misspelt property and a wrong attribute in a broken copy', () => {
    const broken = readSpokeTemplate();
    const reader = broken.Resources.ReaderRole?.Properties;
    if (!reader) throw new Error('spoke/template.yml has no ReaderRole');
    reader.RoleNam = reader.RoleName;
    delete reader.RoleName;
    const [target] = broken.Resources.ForwardRule?.Properties?.Targets as JsonObject[];
    target!.RoleArn = { 'Fn::GetAtt': ['ForwarderRole', 'Name'] };
    expect(checkTemplate(spec, broken)).toEqual([
      'Resources.ReaderRole.Properties.RoleNam: unknown property of AWS::IAM::Role',
      'Resources.ForwardRule.Properties.Targets[0].RoleArn.Fn::GetAtt: ForwarderRole.Name: AWS::IAM::Role has no attribute Name (it has Arn, RoleId)',
    ]);
  });
});

describe('each check on a deliberately broken copy of the template', () => {
  it('covers every check', () => {
    expect(new Set(brokenTemplates.map((broken) => broken.check))).toEqual(new Set(CHECK_NAMES));
  });

  it.each(brokenTemplates)(
    '$check reports $what',
    async ({ check, alsoReportedBy = [], stage = 'dev', breakTemplate }) => {
      const template = structuredClone(templateOf(stage));
      const culprit = breakTemplate(template);
      const findings = await allFindings(template, stage);
      expect(findings[check]).toContainEqual(expect.stringContaining(culprit));
      // The mutation is targeted: no other check notices it.
      for (const other of CHECK_NAMES) {
        if (other !== check && !alsoReportedBy.includes(other)) {
          expect(findings[other], other).toEqual([]);
        }
      }
    },
  );

  it('accepts an HTTP route with IAM authorization on a throttled stage', async () => {
    const template = structuredClone(templateOf('dev'));
    withHttpRoutes(template);
    expect(await allFindings(template, 'dev')).toEqual(
      Object.fromEntries(CHECK_NAMES.map((check) => [check, []])),
    );
  });

  it('accepts a secret passed as the name of its SSM parameter, and a table without deletion protection off prod', async () => {
    const template = structuredClone(templateOf('dev'));
    environmentOf(template, firstFunction(template)).API_KEY_PARAMETER = '/irwatch/dev/api-key';
    propsOf(template, firstOf(template, 'AWS::DynamoDB::Table')).DeletionProtectionEnabled = false;
    expect(await allFindings(template, 'dev')).toEqual(
      Object.fromEntries(CHECK_NAMES.map((check) => [check, []])),
    );
  });
});
