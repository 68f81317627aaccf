import { beforeAll, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS } from '../../functions/notify/notify.js';
import { packagedTemplate, type CfnTemplate } from '../support/serverless.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

let template: CfnTemplate;
let statements: Statement[];

beforeAll(async () => {
  ({ template } = await packagedTemplate('dev'));
  const policies = template.Resources.NotifyRole?.Properties?.Policies as Array<{
    PolicyDocument: { Statement: Statement[] };
  }>;
  statements = policies.flatMap((p) => p.PolicyDocument.Statement);
});

const props = (name: string) => template.Resources[name]?.Properties ?? {};
const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
const statementWith = (action: string) => statements.find((s) => actionsOf(s).includes(action));

describe('notify in the packaged CloudFormation', () => {
  it('runs with its own role and a timeout under the claim lease', () => {
    const fn = props('NotifyLambdaFunction');
    expect(fn.Handler).toBe('functions/notify/handler.handler');
    expect(fn.Role).toEqual({ 'Fn::GetAtt': ['NotifyRole', 'Arn'] });
    expect(fn.Timeout as number).toBeLessThan(CLAIM_LEASE_MS / 1_000);
    expect(fn.Environment).toMatchObject({
      Variables: { TABLE_NAME: { Ref: 'Table' }, TOPIC_ARN: { Ref: 'Topic' } },
    });
  });

  it('is the target of a rule for terminal Recorded events on the irwatch bus, with retries and a DLQ', () => {
    const rule = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        JSON.stringify(r.Properties?.Targets).includes('NotifyLambdaFunction'),
    );
    expect(rule?.Properties?.EventPattern).toEqual({
      source: ['irwatch'],
      'detail-type': ['Inference Recommendations Job Recorded'],
      detail: { status: ['COMPLETED', 'FAILED', 'STOPPED'] },
    });
    expect(rule?.Properties?.EventBusName).toEqual({ 'Fn::GetAtt': ['EventBus', 'Name'] });
    const [target] = rule?.Properties?.Targets as Array<Record<string, unknown>>;
    expect(target?.RetryPolicy).toEqual({
      MaximumEventAgeInSeconds: 21600,
      MaximumRetryAttempts: 20,
    });
    expect(target?.DeadLetterConfig).toEqual({
      Arn: { 'Fn::GetAtt': ['NotifyDeadLetterQueue', 'Arn'] },
    });
  });

  it('retries failed invocations, then keeps the event in its dead-letter queue, watched by an alarm', () => {
    const invokeConfig = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventInvokeConfig' &&
        JSON.stringify(r.Properties).includes('NotifyLambdaFunction'),
    );
    expect(invokeConfig?.Properties?.MaximumRetryAttempts).toBe(2);
    expect(invokeConfig?.Properties?.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['NotifyDeadLetterQueue', 'Arn'] } },
    });
    expect(props('NotifyDeadLetterQueueAlarm').AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(JSON.stringify(props('NotifyDeadLetterQueuePolicy'))).toContain('events.amazonaws.com');
  });

  it('may publish to the irwatch topic only, through its SNS-managed key', () => {
    const publish = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sns:')));
    expect(publish).toHaveLength(1);
    expect(actionsOf(publish[0]!)).toEqual(['sns:Publish']);
    expect(publish[0]!.Resource).toEqual({ Ref: 'Topic' });

    const kms = statementWith('kms:Decrypt');
    expect(actionsOf(kms!).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(kms?.Condition?.StringEquals?.['kms:ViaService']).toEqual({
      'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com',
    });
    expect(kms?.Condition?.['ForAnyValue:StringEquals']?.['kms:ResourceAliases']).toBe(
      'alias/aws/sns',
    );
  });

  it('reads and marks items of the table only, and logs to its own log group', () => {
    const dynamodb = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamodb).toHaveLength(1);
    expect(actionsOf(dynamodb[0]!).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(dynamodb[0]!.Resource).toEqual({ 'Fn::GetAtt': ['Table', 'Arn'] });
    expect(statementWith('logs:PutLogEvents')?.Resource).toEqual({
      'Fn::Sub': '${NotifyLogGroup.Arn}',
    });
    expect(statementWith('sqs:SendMessage')?.Resource).toEqual({
      'Fn::GetAtt': ['NotifyDeadLetterQueue', 'Arn'],
    });
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    const wildcard = statements.filter((s) => s.Resource === '*');
    expect(wildcard.flatMap(actionsOf).sort()).toEqual([
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });
});
