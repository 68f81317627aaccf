import { cp, mkdtemp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  keyBuilders,
  tableDefinition,
  tableLayout,
  type TableDefinition,
} from '../../shared/db/table.js';
import {
  packagedTemplate,
  printService,
  repoRoot,
  resourcesOfType,
  type CfnTemplate,
} from '../support/serverless.js';

let template: CfnTemplate;
let prod: CfnTemplate;

beforeAll(async () => {
  ({ template } = await packagedTemplate('dev'));
  ({ template: prod } = await packagedTemplate('prod'));
});

const props = (name: string) => template.Resources[name]?.Properties ?? {};

describe('osls package (offline, no credentials)', () => {
  it('creates the table from the one definition, on demand, with point-in-time recovery', () => {
    const table = props('Table');
    expect(table.KeySchema).toEqual(tableDefinition.KeySchema);
    expect(table.AttributeDefinitions).toEqual(tableDefinition.AttributeDefinitions);
    expect(table.GlobalSecondaryIndexes).toEqual(tableDefinition.GlobalSecondaryIndexes);
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.DeletionProtectionEnabled).toBe(false);
    expect(prod.Resources.Table?.Properties?.DeletionProtectionEnabled).toBe(true);
  });

  it('encrypts the topic and creates the irwatch bus for the stage', () => {
    expect(props('Topic').KmsMasterKeyId).toBe('alias/aws/sns');
    expect(props('EventBus').Name).toBe('irwatch-dev');
    expect(prod.Resources.EventBus?.Properties?.Name).toBe('irwatch-prod');
  });

  it('runs every function on nodejs22.x arm64 with a role of its own', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    const roles = new Set<string>();
    for (const [, fn] of functions) {
      expect(fn.Properties?.Runtime).toBe('nodejs22.x');
      expect(fn.Properties?.Architectures).toEqual(['arm64']);
      roles.add(JSON.stringify(fn.Properties?.Role));
    }
    expect(roles.size).toBe(functions.length);
  });

  it('gives every EventBridge target a retry policy and a dead-letter queue', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rules.length).toBeGreaterThan(0);
    for (const [, rule] of rules) {
      for (const target of rule.Properties?.Targets as Array<Record<string, unknown>>) {
        expect(target.RetryPolicy).toBeDefined();
        expect(target.DeadLetterConfig).toBeDefined();
      }
    }
  });

  it('routes state changes on the irwatch bus to ingest', () => {
    const [, rule] =
      resourcesOfType(template, 'AWS::Events::Rule').find(([, r]) =>
        JSON.stringify(r.Properties?.Targets).includes('IngestLambdaFunction'),
      ) ?? [];
    expect(rule?.Properties?.EventPattern).toEqual({
      source: ['irwatch'],
      'detail-type': ['Inference Recommendations Job State Change'],
    });
    expect(rule?.Properties?.EventBusName).toEqual({ 'Fn::GetAtt': ['EventBus', 'Name'] });
  });
});

describe('ingest in the template', () => {
  const statements = (role: string) =>
    (
      props(role).Policies as Array<{
        PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
      }>
    ).flatMap((policy) => policy.PolicyDocument.Statement);
  const actions = (role: string) =>
    statements(role).flatMap((statement) => [statement.Action].flat());

  it('has its own role with only the actions it uses', () => {
    expect(props('IngestLambdaFunction').Role).toEqual({ 'Fn::GetAtt': ['IngestRole', 'Arn'] });
    expect(actions('IngestRole').sort()).toEqual(
      [
        'dynamodb:BatchWriteItem',
        'dynamodb:GetItem',
        // A refreshed step, written unless a later listing's is stored.
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'events:PutEvents',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        // The endpoints a finished job benchmarked, for the plan's savings against today.
        'sagemaker:DescribeEndpoint',
        'sagemaker:DescribeEndpointConfig',
        'sagemaker:DescribeInferenceRecommendationsJob',
        'sagemaker:ListInferenceRecommendationsJobSteps',
        'sqs:SendMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    // Only actions without a resource type (template.test.ts checks this for every role).
    const wildcard = statements('IngestRole').filter((s) => s.Resource === '*');
    expect(wildcard.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'sagemaker:ListInferenceRecommendationsJobSteps',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('retries and keeps failed events in its dead-letter queue, on delivery and in the function', () => {
    const [, rule] =
      resourcesOfType(template, 'AWS::Events::Rule').find(([, r]) =>
        JSON.stringify(r.Properties?.Targets).includes('IngestLambdaFunction'),
      ) ?? [];
    const [target] = rule?.Properties?.Targets as Array<Record<string, unknown>>;
    expect(target?.RetryPolicy).toEqual({
      MaximumEventAgeInSeconds: 21600,
      MaximumRetryAttempts: 20,
    });
    expect(target?.DeadLetterConfig).toEqual({
      Arn: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] },
    });
    const invokeConfig = props('IngestLambdaEvConf');
    expect(invokeConfig.MaximumRetryAttempts).toBe(2);
    expect(invokeConfig.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] } },
    });
    expect(props('IngestDeadLetterQueueAlarm').AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });
});

describe('the one table definition', () => {
  it('drives both the generated CloudFormation and the code when a key attribute is renamed', async () => {
    const renamed = JSON.parse(
      JSON.stringify(tableDefinition).replaceAll('"GSI1PK"', '"StatusKey"'),
    ) as TableDefinition;

    // The code: key builders take attribute names from the definition they are given.
    const codeKeys = keyBuilders(tableLayout(renamed));
    const job = { jobName: 'job', accountId: '111122223333', region: 'us-east-1' };
    expect(codeKeys.statusIndex('COMPLETED', '2026-01-01T00:00:00.000Z', job)).toEqual({
      StatusKey: 'STATUS#COMPLETED',
      GSI1SK: '2026-01-01T00:00:00.000Z#job#111122223333#us-east-1',
    });

    // The infrastructure: serverless.yml reads the same file.
    const dir = await mkdtemp(join(tmpdir(), 'irwatch-renamed-'));
    await mkdir(join(dir, 'shared/db'), { recursive: true });
    await cp(join(repoRoot, 'serverless.yml'), join(dir, 'serverless.yml'));
    await cp(join(repoRoot, 'functions'), join(dir, 'functions'), { recursive: true });
    await writeFile(join(dir, 'shared/db/table-definition.json'), JSON.stringify(renamed));
    await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    const config = (await printService(dir)) as {
      resources: { Resources: { Table: { Properties: TableDefinition } } };
    };
    const table = config.resources.Resources.Table.Properties;
    expect(table.GlobalSecondaryIndexes[0]?.KeySchema[0]?.AttributeName).toBe('StatusKey');
    expect(table.AttributeDefinitions.map((a) => a.AttributeName)).toContain('StatusKey');
    expect(JSON.stringify(table)).not.toContain('GSI1PK');
    expect(await readFile(join(repoRoot, 'shared/db/table-definition.json'), 'utf8')).toContain(
      'GSI1PK',
    );
  }, 60_000);
});
