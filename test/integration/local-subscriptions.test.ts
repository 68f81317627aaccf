import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventBridgeClient,
  PutEventsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import {
  InvalidParameterException,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  type PublishCommandInput,
} from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  createEventBridgeEndpoint,
  type BusEvent,
} from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import { createSnsEndpoint } from '../../local/aws/sns/sns-endpoint.js';
import { createSqsEndpoint } from '../../local/aws/sqs/sqs-endpoint.js';

const ACCOUNT = '000000000000';
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:irwatch-local`;
const config = (server: LocalServer) => ({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});

const sqsEndpoint = createSqsEndpoint({ account: ACCOUNT });
const snsEndpoint = createSnsEndpoint({
  account: ACCOUNT,
  topics: [TOPIC],
  deliverToQueue: (arn, body, attributes) => sqsEndpoint.sendToArn(arn, body, attributes),
});
const routed: BusEvent[] = [];
const dropped: string[] = [];
const eventsEndpoint = createEventBridgeEndpoint({
  account: ACCOUNT,
  buses: ['default', 'irwatch-local'],
  onEvents: (events) => void routed.push(...events),
  onDropped: (records) => void dropped.push(...records.map((r) => r.busName)),
});
let servers: LocalServer[] = [];
let sns: SNSClient;
let sqs: SQSClient;
let events: EventBridgeClient;

beforeAll(async () => {
  servers = await Promise.all([
    sqsEndpoint.listen(),
    snsEndpoint.listen(),
    eventsEndpoint.listen(),
  ]);
  sqs = new SQSClient(config(servers[0]!));
  sns = new SNSClient(config(servers[1]!));
  events = new EventBridgeClient(config(servers[2]!));
});

afterAll(async () => {
  for (const client of [sns, sqs, events]) client.destroy();
  await Promise.all(servers.map((server) => server.close()));
});

const notification = (status: string): PublishCommandInput => ({
  TopicArn: TOPIC,
  Subject: `irwatch ${status} job-1`,
  MessageStructure: 'json',
  Message: JSON.stringify({ default: `job-1 ${status}`, sqs: JSON.stringify({ status }) }),
  MessageAttributes: {
    status: { DataType: 'String', StringValue: status },
    jobName: { DataType: 'String', StringValue: 'job-1' },
  },
});

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

const receiveAll = async (url: string) =>
  (
    await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
      }),
    )
  ).Messages ?? [];

describe('local SNS subscriptions', () => {
  it('delivers to SQS only what the filter policy takes, raw or in the envelope', async () => {
    const raw = await queue('failures-raw');
    const enveloped = await queue('failures-enveloped');
    await sns.send(
      new SubscribeCommand({
        TopicArn: TOPIC,
        Protocol: 'sqs',
        Endpoint: raw.arn,
        Attributes: { FilterPolicy: '{"status":["FAILED"]}', RawMessageDelivery: 'true' },
      }),
    );
    const { SubscriptionArn } = await sns.send(
      new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'sqs', Endpoint: enveloped.arn }),
    );
    await sns.send(new PublishCommand(notification('COMPLETED')));
    await sns.send(new PublishCommand(notification('FAILED')));

    const rawMessages = await receiveAll(raw.url);
    expect(rawMessages.map((m) => m.Body)).toEqual([JSON.stringify({ status: 'FAILED' })]);
    expect(rawMessages[0]?.MessageAttributes?.status?.StringValue).toBe('FAILED');

    const envelopes = (await receiveAll(enveloped.url)).map(
      (m) => JSON.parse(m.Body!) as Record<string, unknown>,
    );
    expect(envelopes.map((e) => e.Message)).toEqual([
      JSON.stringify({ status: 'COMPLETED' }),
      JSON.stringify({ status: 'FAILED' }),
    ]);
    expect(envelopes[0]).toMatchObject({
      Type: 'Notification',
      TopicArn: TOPIC,
      Subject: 'irwatch COMPLETED job-1',
      MessageAttributes: { status: { Type: 'String', Value: 'COMPLETED' } },
    });

    // A policy set later applies to the next message.
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: '{"status":[{"anything-but":"COMPLETED"}]}',
      }),
    );
    await sns.send(new PublishCommand(notification('COMPLETED')));
    expect(await receiveAll(enveloped.url)).toEqual([]);
  });

  it('refuses a filter policy SNS would refuse', async () => {
    const target = await queue('bad-policy');
    const error = await sns
      .send(
        new SubscribeCommand({
          TopicArn: TOPIC,
          Protocol: 'sqs',
          Endpoint: target.arn,
          Attributes: { FilterPolicy: '{"status":"FAILED"}' },
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toMatch(/FilterPolicy: status/);
  });

  it('confirms an HTTP endpoint through its SubscribeURL, then posts notifications to it', async () => {
    const posts: Array<{ type: string | undefined; body: string }> = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        posts.push({ type: req.headers['x-amz-sns-message-type'] as string | undefined, body });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const subscribed = await sns.send(
        new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'http', Endpoint: url }),
      );
      expect(subscribed.SubscriptionArn).toBe('pending confirmation');
      await sns.send(new PublishCommand(notification('FAILED')));
      expect(posts.map((p) => p.type)).toEqual(['SubscriptionConfirmation']);

      const confirmation = JSON.parse(posts[0]!.body) as { SubscribeURL: string };
      expect((await fetch(confirmation.SubscribeURL)).status).toBe(200);
      await sns.send(new PublishCommand(notification('FAILED')));
      expect(posts.map((p) => p.type)).toEqual(['SubscriptionConfirmation', 'Notification']);
      expect(JSON.parse(posts[1]!.body)).toMatchObject({
        Type: 'Notification',
        Message: 'job-1 FAILED',
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('local EventBridge buses', () => {
  it('accepts events for a bus that does not exist and routes them nowhere, as AWS does', async () => {
    const entry = { Source: 'test', DetailType: 'x', Detail: '{}' };
    const result = await events.send(
      new PutEventsCommand({
        Entries: [
          { ...entry, EventBusName: 'irwatch-locla' },
          { ...entry, EventBusName: 'irwatch-local' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.every((e) => typeof e.EventId === 'string')).toBe(true);
    expect(dropped).toEqual(['irwatch-locla']);
    expect(routed).toHaveLength(1);
  });

  it('tests a pattern with the project matcher', async () => {
    const event = {
      id: '1',
      account: ACCOUNT,
      source: 'irwatch',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      'detail-type': 'Inference Recommendations Job Recorded',
      detail: { status: 'FAILED', failedBenchmarkCount: 3 },
    };
    const test = (pattern: unknown) =>
      events.send(
        new TestEventPatternCommand({
          EventPattern: JSON.stringify(pattern),
          Event: JSON.stringify(event),
        }),
      );
    expect((await test({ detail: { failedBenchmarkCount: [{ numeric: ['>', 2] }] } })).Result).toBe(
      true,
    );
    expect((await test({ detail: { status: [{ 'anything-but': 'FAILED' }] } })).Result).toBe(false);
  });
});
