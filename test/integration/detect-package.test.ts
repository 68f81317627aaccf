import { beforeAll, describe, expect, it } from 'vitest';
import { JOB_RECORD_ATTRIBUTES } from '../../functions/detect/detector-store.js';
import { keyValues, layout } from '../../shared/db/table.js';
import { packagedTemplate, resourcesOfType, type CfnTemplate } from '../support/serverless.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

let template: CfnTemplate;

beforeAll(async () => {
  ({ template } = await packagedTemplate('dev'));
});

const props = (name: string) => template.Resources[name]?.Properties ?? {};
const getAtt = (resource: string, attribute: string) => ({
  'Fn::GetAtt': [resource, attribute],
});
const actions = (statement: Statement) => [statement.Action].flat();

function rulesTargeting(functionResource: string) {
  return resourcesOfType(template, 'AWS::Events::Rule')
    .map(([, rule]) => rule.Properties ?? {})
    .filter((rule) => JSON.stringify(rule.Targets).includes(functionResource));
}

function detectStatements(): Statement[] {
  const policies = props('DetectRole').Policies as Array<{
    PolicyDocument: { Statement: Statement[] };
  }>;
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

describe('detect in the packaged template', () => {
  it('runs with its own role and the detector settings', () => {
    const fn = props('DetectLambdaFunction');
    expect(fn.Role).toEqual(getAtt('DetectRole', 'Arn'));
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      DETECT_OVERLAP_SECONDS: '300',
      DETECT_LOOKBACK_HOURS: '24',
      TABLE_NAME: { Ref: 'Table' },
      EVENT_BUS_NAME: { Ref: 'EventBus' },
    });
  });

  it("is triggered by the poll schedule, the reconciliation schedule and by CloudTrail calls on the default bus, and by the spokes' CloudTrail calls on the irwatch bus", () => {
    const rules = rulesTargeting('DetectLambdaFunction');
    expect(rules).toHaveLength(4);
    const targetOf = (rule: Record<string, unknown>) =>
      (rule.Targets as Array<Record<string, unknown>>)[0]!;
    const schedule = rules.find((rule) => rule.ScheduleExpression && !targetOf(rule).Input);
    const reconcile = rules.find((rule) => rule.ScheduleExpression && targetOf(rule).Input);
    expect(reconcile?.ScheduleExpression).toBe('rate(1 day)');
    expect(JSON.parse(targetOf(reconcile!).Input as string)).toEqual({ backfill: true });
    // The same retry policy and dead-letter queue as the poll.
    expect(targetOf(reconcile!).RetryPolicy).toEqual(targetOf(schedule!).RetryPolicy);
    expect(targetOf(reconcile!).DeadLetterConfig).toEqual(targetOf(schedule!).DeadLetterConfig);
    expect(schedule?.ScheduleExpression).toBe('rate(1 minute)');
    // AWS events (schedules, CloudTrail) only arrive on the default bus; the spoke stacks
    // (spoke/template.yml) forward their accounts' and regions' CloudTrail to the irwatch bus.
    const cloudTrail = rules.filter((rule) => rule.EventPattern);
    expect(cloudTrail.map((rule) => rule.EventBusName)).toEqual([
      undefined,
      getAtt('EventBus', 'Name'),
    ]);
    for (const rule of cloudTrail) {
      expect(rule.EventPattern).toEqual({
        source: ['aws.sagemaker'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['sagemaker.amazonaws.com'],
          eventName: ['CreateInferenceRecommendationsJob', 'StopInferenceRecommendationsJob'],
        },
      });
      expect(targetOf(rule).RetryPolicy).toEqual(targetOf(cloudTrail[0]!).RetryPolicy);
    }
    for (const rule of rules) {
      expect(rule.EventBusName === undefined).toBe(rule !== cloudTrail[1]);
      for (const target of rule.Targets as Array<Record<string, unknown>>) {
        expect(target.RetryPolicy).toBeDefined();
        expect(target.DeadLetterConfig).toEqual({ Arn: getAtt('DetectDeadLetterQueue', 'Arn') });
      }
    }
  });

  it('sends what fails inside the function to its dead-letter queue, which raises an alarm', () => {
    const [, config] =
      resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(([, c]) =>
        JSON.stringify(c.Properties?.FunctionName).includes('DetectLambdaFunction'),
      ) ?? [];
    expect(config?.Properties?.MaximumRetryAttempts).toBe(2);
    expect(config?.Properties?.DestinationConfig).toEqual({
      OnFailure: { Destination: getAtt('DetectDeadLetterQueue', 'Arn') },
    });
    expect(props('DetectDeadLetterQueueAlarm').AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(JSON.stringify(props('DetectDeadLetterQueuePolicy'))).toContain('events.amazonaws.com');
  });

  it('grants only what detect uses', () => {
    const statements = detectStatements();
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(statements.flatMap(actions).some((action) => action.includes('*'))).toBe(false);

    const unscoped = statements.filter((s) => s.Resource === '*').flatMap(actions);
    expect(unscoped.sort()).toEqual([
      'sagemaker:ListInferenceRecommendationsJobs',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);

    const describe = statements.find((s) =>
      actions(s).includes('sagemaker:DescribeInferenceRecommendationsJob'),
    );
    expect(JSON.stringify(describe?.Resource)).toContain(':inference-recommendations-job/*');

    const table = statements.find((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(actions(table!).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
    ]);
    expect(table?.Resource).toEqual(getAtt('Table', 'Arn'));
    // The one partition the detector's items live in, as the code builds it.
    expect(table?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [keyValues.detectorPk] },
    });

    // The backfill's read of the job records: BatchGetItem alone, on job partitions, and only
    // the attributes it compares.
    const others = statements.filter(
      (s) => s !== table && actions(s).some((a) => a.startsWith('dynamodb:')),
    );
    // And the refresh's Query of the running statuses on the status index.
    expect(others.map(actions)).toEqual([['dynamodb:BatchGetItem'], ['dynamodb:Query']]);
    expect(JSON.stringify(others[1]?.Resource)).toContain('/index/GSI1');
    const jobRecords = others.slice(0, 1);
    expect(jobRecords[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${keyValues.jobPk('')}*`] },
      'ForAllValues:StringEquals': {
        'dynamodb:Attributes': [layout.primary.pk, layout.primary.sk, ...JOB_RECORD_ATTRIBUTES],
      },
      StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    });

    const putEvents = statements.find((s) => actions(s).includes('events:PutEvents'));
    expect(putEvents?.Resource).toEqual(getAtt('EventBus', 'Arn'));
    const logs = statements.find((s) => actions(s).includes('logs:PutLogEvents'));
    expect(JSON.stringify(logs?.Resource)).toContain('DetectLogGroup.Arn');
    const sqs = statements.find((s) => actions(s).includes('sqs:SendMessage'));
    expect(sqs?.Resource).toEqual(getAtt('DetectDeadLetterQueue', 'Arn'));
  });
});
