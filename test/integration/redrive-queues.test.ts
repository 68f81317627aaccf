import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { createEventBridgeEndpoint } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import type { EventBridgeEndpoint } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  createSqsEndpoint,
  md5Hex,
  md5OfMessageAttributes,
} from '../../local/aws/sqs/sqs-endpoint.js';
import type { SqsEndpoint } from '../../local/aws/sqs/sqs-endpoint.js';
import {
  redriveQueues,
  type QueueRedrive,
  type RedriveReport,
} from '../../local/cli/redrive-queues.js';

interface SampleEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  resources: string[];
  [key: string]: unknown;
}

const sample = (name: string): SampleEvent =>
  JSON.parse(readFileSync(`events/eventbridge/${name}.json`, 'utf8')) as SampleEvent;

const STAGE = 'test';
const BUS = `irwatch-${STAGE}`;
const queueName = (fn: string) => `irwatch-${STAGE}-${fn}-dlq`;
const FUNCTION_ARN = (fn: string) =>
  `arn:aws:lambda:us-east-1:111122223333:function:irwatch-${STAGE}-${fn}`;

/** What EventBridge writes when it cannot invoke the target after its retry policy. */
function eventBridgeDeadLetter(event: SampleEvent, fn: string) {
  const attributes: Record<string, MessageAttributeValue> = {
    ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
    ERROR_MESSAGE: { DataType: 'String', StringValue: 'Unable to invoke Lambda function' },
    RULE_ARN: {
      DataType: 'String',
      StringValue: `arn:aws:events:us-east-1:111122223333:rule/${BUS}/${fn}`,
    },
    TARGET_ARN: { DataType: 'String', StringValue: FUNCTION_ARN(fn) },
  };
  return { body: JSON.stringify(event), attributes };
}

/** What Lambda's on-failure destination writes after the async attempts are exhausted. */
function lambdaDeadLetter(event: SampleEvent, fn: string) {
  return {
    body: JSON.stringify({
      version: '1.0',
      timestamp: '2024-11-24T15:13:02.417Z',
      requestContext: {
        requestId: '3f1d6c0a-54a1-4c83-9a7e-6f0f8c2f1b11',
        functionArn: `${FUNCTION_ARN(fn)}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'ThrottlingException',
        errorMessage: 'Rate exceeded',
        trace: [],
      },
    }),
    attributes: {},
  };
}

function withJob(event: SampleEvent, jobName: string): SampleEvent {
  return { ...event, detail: { ...event.detail, jobName } };
}

const unwrapped = (e: SampleEvent) => ({
  source: e.source,
  'detail-type': e['detail-type'],
  detail: e.detail,
  resources: e.resources,
});

const sortByJson = <T>(items: T[]) =>
  [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const queueReport = (report: RedriveReport, name: string): QueueRedrive | undefined =>
  report.queues.find((q) => q.queueName === name);

describe('redriveQueues against local SQS and EventBridge', () => {
  let clock = Date.parse('2024-11-24T16:00:00Z');
  let sqsEndpoint: SqsEndpoint;
  let bus: EventBridgeEndpoint;
  let sqsServer: LocalServer;
  let busServer: LocalServer;
  let sqs: SQSClient;
  let eventBridge: EventBridgeClient;
  const lines: string[] = [];

  const run = (queueNames?: string[]) =>
    redriveQueues({
      sqs,
      eventBridge,
      stage: STAGE,
      busName: BUS,
      queueNames,
      log: (line) => lines.push(line),
    });

  async function seed(fn: string, message: { body: string; attributes: object }): Promise<void> {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName(fn) }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: message.body,
        MessageAttributes: message.attributes as Record<string, MessageAttributeValue>,
      }),
    );
  }

  beforeAll(async () => {
    sqsEndpoint = createSqsEndpoint({ now: () => clock });
    bus = createEventBridgeEndpoint();
    [sqsServer, busServer] = await Promise.all([sqsEndpoint.listen(), bus.listen()]);
    sqs = new SQSClient({ endpoint: sqsServer.url, region: 'us-east-1' });
    eventBridge = new EventBridgeClient({ endpoint: busServer.url, region: 'us-east-1' });
    for (const fn of ['detect', 'ingest', 'notify']) sqsEndpoint.createQueue(queueName(fn));
  });

  afterAll(async () => {
    sqs?.destroy();
    eventBridge?.destroy();
    await Promise.all([sqsServer?.close(), busServer?.close()]);
  });

  it('the local endpoint answers a missing queue with QueueDoesNotExist and checks out MD5s', async () => {
    await expect(
      sqs.send(new GetQueueUrlCommand({ QueueName: 'irwatch-nowhere-dlq' })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);

    const name = 'md5-probe';
    sqsEndpoint.createQueue(name);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    const attributes = eventBridgeDeadLetter(sample('state-change'), 'ingest').attributes;
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: 'é ünïcode', MessageAttributes: attributes }),
    );
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }),
    );
    // The SDK itself rejects a receive whose MD5OfBody is wrong; reaching here proves it right.
    expect(Messages.map((m) => m.Body)).toEqual(['é ünïcode']);
    expect(Messages[0]?.MessageAttributes).toEqual(attributes);
    expect(Messages[0]?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    // Digests that moto's SQS tests pin as what AWS returns for these attributes.
    const number = (value: string) => ({ DataType: 'Number', StringValue: value });
    expect(md5OfMessageAttributes({ timestamp: number('1493147359900') })).toBe(
      '235c5c510d26fb653d073faed50ae77c',
    );
    expect(md5OfMessageAttributes({ timestamp: number('1493147359901') })).toBe(
      '994258b45346a2cc3f9cbb611aa7af30',
    );
    expect(md5OfMessageAttributes({ 'SOME_Valid.attribute-Name': number('1493147359900') })).toBe(
      '36655e7e9d7c0e8479fa3f3f42247ae7',
    );
    expect(sent.MD5OfMessageBody).toBe(md5Hex('é ünïcode'));
  });

  it('puts the unwrapped events back, deletes aws.* ones, leaves the unreadable', async () => {
    const stateChange = sample('state-change');
    const recorded = sample('recorded');
    const scheduled = sample('scheduled-event');
    const created = sample('cloudtrail-create-inference-recommendations-job');
    const stopped = sample('cloudtrail-stop-inference-recommendations-job');
    // Twelve state changes in ingest's queue: more than one receive and one PutEvents batch.
    const stateChanges = Array.from({ length: 12 }, (_, i) =>
      withJob(stateChange, `redrive-job-${i}`),
    );

    await seed('detect', eventBridgeDeadLetter(scheduled, 'detect'));
    await seed('detect', eventBridgeDeadLetter(created, 'detect'));
    await seed('detect', lambdaDeadLetter(stopped, 'detect'));
    for (const [i, event] of stateChanges.entries()) {
      await seed(
        'ingest',
        i % 2 === 0 ? eventBridgeDeadLetter(event, 'ingest') : lambdaDeadLetter(event, 'ingest'),
      );
    }
    await seed('ingest', { body: 'Task timed out after 30.03 seconds', attributes: {} });
    await seed('notify', eventBridgeDeadLetter(recorded, 'notify'));
    await seed('notify', lambdaDeadLetter(withJob(recorded, 'bert-qa-advanced'), 'notify'));

    const report = await run();

    expect(sortByJson(bus.events.map((r) => unwrapped(r.event as unknown as SampleEvent)))).toEqual(
      sortByJson([...stateChanges, recorded, withJob(recorded, 'bert-qa-advanced')].map(unwrapped)),
    );
    expect(bus.events.every((r) => r.busName === BUS)).toBe(true);
    expect(bus.calls.every((c) => c.entries.length <= 10)).toBe(true);

    expect(queueReport(report, queueName('detect'))).toMatchObject({
      received: 3,
      putBack: 0,
      skipped: 3,
      unreadable: 0,
      refused: 0,
    });
    expect(queueReport(report, queueName('ingest'))).toMatchObject({
      received: 13,
      putBack: 12,
      skipped: 0,
      unreadable: 1,
      refused: 0,
    });
    expect(queueReport(report, queueName('notify'))).toMatchObject({
      received: 2,
      putBack: 2,
      skipped: 0,
      unreadable: 0,
      refused: 0,
    });
    expect(lines.some((l) => l.includes('aws.events') && l.includes('next poll'))).toBe(true);

    expect(sqsEndpoint.messagesOf(queueName('detect'))).toEqual([]);
    expect(sqsEndpoint.messagesOf(queueName('notify'))).toEqual([]);
    expect(sqsEndpoint.messagesOf(queueName('ingest')).map((m) => m.body)).toEqual([
      'Task timed out after 30.03 seconds',
    ]);
  });

  it('a second run puts nothing back, and the unreadable message stays', async () => {
    const before = bus.events.length;
    clock += 121_000;

    const report = await run();

    expect(bus.events.length).toBe(before);
    expect(queueReport(report, queueName('ingest'))).toMatchObject({
      received: 1,
      putBack: 0,
      unreadable: 1,
    });
    expect(report.queues.reduce((sum, q) => sum + q.putBack + q.skipped, 0)).toBe(0);
    expect(sqsEndpoint.messagesOf(queueName('ingest'))).toHaveLength(1);
  });

  it('an entry the bus refuses stays in the queue until a later run gets it accepted', async () => {
    clock += 121_000;
    const recorded = sample('recorded');
    const refusedJob = withJob(recorded, 'sklearn-failed');
    const acceptedJob = withJob(recorded, 'tabular-stopped');
    await seed('notify', lambdaDeadLetter(refusedJob, 'notify'));
    await seed('notify', eventBridgeDeadLetter(acceptedJob, 'notify'));
    bus.setFailEntry((entry) =>
      entry.Detail?.includes('"sklearn-failed"')
        ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Simulated' }
        : undefined,
    );
    const before = bus.events.length;

    const first = await run([queueName('notify')]);

    expect(queueReport(first, queueName('notify'))).toMatchObject({
      received: 2,
      putBack: 1,
      refused: 1,
    });
    expect(bus.events.slice(before).map((r) => r.event.detail)).toEqual([acceptedJob.detail]);
    expect(sqsEndpoint.messagesOf(queueName('notify')).map((m) => m.body)).toEqual([
      lambdaDeadLetter(refusedJob, 'notify').body,
    ]);

    bus.setFailEntry(undefined);
    const tooSoon = await run([queueName('notify')]);
    expect(queueReport(tooSoon, queueName('notify'))?.received).toBe(0);

    clock += 121_000;
    const later = await run([queueName('notify')]);

    expect(queueReport(later, queueName('notify'))).toMatchObject({
      received: 1,
      putBack: 1,
      refused: 0,
    });
    expect(bus.events.slice(before).map((r) => r.event.detail)).toEqual([
      acceptedJob.detail,
      refusedJob.detail,
    ]);
    expect(sqsEndpoint.messagesOf(queueName('notify'))).toEqual([]);
  });

  it('reports a missing queue and goes on with the others', async () => {
    const report = await run(['irwatch-test-gone-dlq', queueName('detect')]);

    expect(report.queues.map((q) => [q.queueName, q.missing])).toEqual([
      ['irwatch-test-gone-dlq', true],
      [queueName('detect'), false],
    ]);
    expect(
      lines.some((l) => l.includes('irwatch-test-gone-dlq') && l.includes('no such queue')),
    ).toBe(true);
  });
});
