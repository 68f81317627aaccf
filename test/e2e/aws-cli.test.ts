import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws, awsError, botocoreCalls, type StackInfo } from '../support/aws-clients.js';
import { requireAwsTools } from '../support/aws-tools.js';
import {
  endAll,
  eventually,
  freePort,
  runCli,
  type CliProcess,
  startArgs,
} from '../support/cli-process.js';

// The local stack driven the way a user would: `npm start`, then AWS's own CLI and botocore
// pointed at its endpoints, as the README shows.
const skipReason = requireAwsTools('aws', 'botocore');
if (skipReason) console.warn(`Skipping the AWS CLI conformance tests: ${skipReason}`);

const ROLE = 'arn:aws:iam::000000000000:role/SageMakerInferenceRecommender';
const PACKAGE = 'arn:aws:sagemaker:us-east-1:000000000000:model-package/churn/7';
const running: CliProcess[] = [];

interface Stack {
  cli: CliProcess;
  dataDir: string;
  info: StackInfo;
}

async function startStack(pollIntervalSeconds: number, reuseDataDir?: string): Promise<Stack> {
  const dataDir = reuseDataDir ?? (await mkdtemp(join(tmpdir(), 'irwatch-aws-cli-')));
  const port = await freePort();
  const cli = runCli(
    startArgs({ dataDir, port, pollInterval: pollIntervalSeconds, scenarioSpeed: 8 }, '--verbose'),
  );
  running.push(cli);
  await cli.waitFor(/local stack up in \d+ ms/);
  const info = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as StackInfo;
  return { cli, dataDir, info };
}

afterAll(() => endAll(running, 'SIGINT'));

interface ApiJob {
  jobName: string;
  status: string;
  recommendationCount?: number;
}

async function apiJob(stack: Stack, name: string): Promise<ApiJob | undefined> {
  const response = await fetch(`${stack.info.api}/jobs/${name}`);
  return response.ok ? ((await response.json()) as { job: ApiJob }).job : undefined;
}

const jobInStatus = (stack: Stack, name: string, status: string, timeoutMs = 60_000) =>
  eventually(
    async () => {
      const job = await apiJob(stack, name);
      return job?.status === status ? job : undefined;
    },
    timeoutMs,
    `${name} ${status} in GET /jobs/${name}`,
  );

async function outbox(stack: Stack) {
  const text = await readFile(join(stack.dataDir, 'outbox.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { subject: string; attributes: Record<string, string> });
}

/** Resolves after `count` more detector rounds, so "nothing more happened" is awaited, not slept. */
async function morePolls(stack: Stack, count: number): Promise<void> {
  const rounds = () => stack.cli.output().match(/detect: poll listed/g)?.length ?? 0;
  const target = rounds() + count;
  await eventually(async () => (rounds() >= target ? true : undefined), 30_000, 'more polls');
}

function createArgs(name: string, extra: string[] = []): string[] {
  return [
    'sagemaker',
    'create-inference-recommendations-job',
    '--job-name',
    name,
    '--job-type',
    'Default',
    '--role-arn',
    ROLE,
    '--input-config',
    JSON.stringify({ ModelPackageVersionArn: PACKAGE }),
    ...extra,
  ];
}

// Each test waits for simulated jobs of a few seconds and for the detector to see them.
const LONG = { timeout: 120_000 };

describe.skipIf(skipReason !== undefined)('the local stack, driven by the AWS CLI', LONG, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(1);
  });

  it('creates a job that progresses, lands in GET /jobs and is notified exactly once', async () => {
    const created = await aws<{ JobArn: string }>(
      stack.info,
      stack.info.sagemaker,
      createArgs('cli-run-1', ['--tags', 'Key=irwatch:simulate-seconds,Value=8']),
    );
    expect(created.JobArn).toBe(
      'arn:aws:sagemaker:us-east-1:000000000000:inference-recommendations-job/cli-run-1',
    );
    const described = await aws<{ Status: string }>(stack.info, stack.info.sagemaker, [
      'sagemaker',
      'describe-inference-recommendations-job',
      '--job-name',
      'cli-run-1',
    ]);
    expect(['PENDING', 'IN_PROGRESS']).toContain(described.Status);

    const again = await awsError(stack.info, stack.info.sagemaker, createArgs('cli-run-1'));
    expect(again.stderr).toContain('(ResourceInUse)');

    const job = await jobInStatus(stack, 'cli-run-1', 'COMPLETED');
    expect(job.recommendationCount).toBeGreaterThan(0);
    const listed = (await (await fetch(`${stack.info.api}/jobs?limit=100`)).json()) as {
      jobs: ApiJob[];
    };
    expect(listed.jobs.map((j) => j.jobName)).toContain('cli-run-1');

    await eventually(
      async () =>
        (await outbox(stack)).some((m) => m.attributes.jobName === 'cli-run-1') ? true : undefined,
      30_000,
      'the notification of cli-run-1',
    );
    await morePolls(stack, 3);
    const messages = (await outbox(stack)).filter((m) => m.attributes.jobName === 'cli-run-1');
    expect(messages.map((m) => m.attributes.status)).toEqual(['COMPLETED']);
  });

  it('compares two runs of one request through GET /compare, with a few percent of spread', async () => {
    for (const name of ['cli-compare-a', 'cli-compare-b']) {
      await aws(
        stack.info,
        stack.info.sagemaker,
        createArgs(name, ['--tags', 'Key=irwatch:simulate-seconds,Value=6']),
      );
    }
    await jobInStatus(stack, 'cli-compare-a', 'COMPLETED');
    await jobInStatus(stack, 'cli-compare-b', 'COMPLETED');
    // The dashboard's compare view starts from the model's jobs, then asks GET /compare.
    const ofModel = (await (
      await fetch(`${stack.info.api}/models/${encodeURIComponent(PACKAGE)}/jobs`)
    ).json()) as { jobs: ApiJob[] };
    expect(ofModel.jobs.map((j) => j.jobName)).toEqual(
      expect.arrayContaining(['cli-compare-a', 'cli-compare-b']),
    );
    const response = await fetch(`${stack.info.api}/compare?jobs=cli-compare-a,cli-compare-b`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      configurations: Array<{
        runs: unknown[];
        spread: Record<string, { relativeSpread: number | null } | null>;
      }>;
    };
    expect(body.configurations.length).toBeGreaterThan(1);
    for (const group of body.configurations) {
      expect(group.runs).toHaveLength(2);
      const spread = group.spread.maxInvocations?.relativeSpread;
      expect(spread).toBeGreaterThan(0);
      expect(spread).toBeLessThan(0.15);
    }
  });

  it('stops a running job: STOPPING, then STOPPED with the benchmarks done so far', async () => {
    await aws(
      stack.info,
      stack.info.sagemaker,
      createArgs('cli-stopped', ['--tags', 'Key=irwatch:simulate-seconds,Value=40']),
    );
    const stepsOf = async () =>
      (
        await aws<{ Steps: Array<{ Status: string }> }>(stack.info, stack.info.sagemaker, [
          'sagemaker',
          'list-inference-recommendations-job-steps',
          '--job-name',
          'cli-stopped',
        ])
      ).Steps;
    await eventually(
      async () => ((await stepsOf()).some((s) => s.Status === 'COMPLETED') ? true : undefined),
      30_000,
      'a finished benchmark of cli-stopped',
    );
    await aws(stack.info, stack.info.sagemaker, [
      'sagemaker',
      'stop-inference-recommendations-job',
      '--job-name',
      'cli-stopped',
    ]);
    const stopping = await aws<{ Status: string }>(stack.info, stack.info.sagemaker, [
      'sagemaker',
      'describe-inference-recommendations-job',
      '--job-name',
      'cli-stopped',
    ]);
    expect(stopping.Status).toBe('STOPPING');
    const job = await jobInStatus(stack, 'cli-stopped', 'STOPPED');
    const steps = await stepsOf();
    const completed = steps.filter((s) => s.Status === 'COMPLETED').length;
    expect(completed).toBeGreaterThan(0);
    expect(steps.filter((s) => s.Status === 'STOPPED').length).toBe(steps.length - completed);
    expect(job.recommendationCount).toBe(completed);
  });

  it('runs the README recipe: an SQS queue with a filter policy receives only failures', async () => {
    const endpoint = stack.info.sqs;
    const { QueueUrl } = await aws<{ QueueUrl: string }>(stack.info, endpoint, [
      'sqs',
      'create-queue',
      '--queue-name',
      'irwatch-failures',
      '--attributes',
      'SqsManagedSseEnabled=true',
    ]);
    const { Attributes } = await aws<{ Attributes: { QueueArn: string } }>(stack.info, endpoint, [
      'sqs',
      'get-queue-attributes',
      '--queue-url',
      QueueUrl,
      '--attribute-names',
      'QueueArn',
    ]);
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'sns.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: Attributes.QueueArn,
          Condition: { ArnEquals: { 'aws:SourceArn': stack.info.topicArn } },
        },
      ],
    };
    await aws(stack.info, endpoint, [
      'sqs',
      'set-queue-attributes',
      '--queue-url',
      QueueUrl,
      '--attributes',
      JSON.stringify({ Policy: JSON.stringify(policy) }),
    ]);
    await aws(stack.info, stack.info.sns, [
      'sns',
      'subscribe',
      '--topic-arn',
      stack.info.topicArn,
      '--protocol',
      'sqs',
      '--notification-endpoint',
      Attributes.QueueArn,
      '--attributes',
      '{"FilterPolicy":"{\\"status\\":[\\"FAILED\\"]}","RawMessageDelivery":"true"}',
    ]);

    await aws(
      stack.info,
      stack.info.sagemaker,
      createArgs('cli-fails', [
        '--tags',
        'Key=irwatch:simulate,Value=fail',
        'Key=irwatch:simulate-seconds,Value=5',
      ]),
    );
    await aws(
      stack.info,
      stack.info.sagemaker,
      createArgs('cli-succeeds', ['--tags', 'Key=irwatch:simulate-seconds,Value=5']),
    );
    await jobInStatus(stack, 'cli-fails', 'FAILED');
    await jobInStatus(stack, 'cli-succeeds', 'COMPLETED');
    await eventually(
      async () =>
        (await outbox(stack)).some((m) => m.attributes.jobName === 'cli-succeeds')
          ? true
          : undefined,
      30_000,
      'the notification of cli-succeeds',
    );

    const received = await aws<{ Messages?: Array<{ Body: string }> }>(stack.info, endpoint, [
      'sqs',
      'receive-message',
      '--queue-url',
      QueueUrl,
      '--max-number-of-messages',
      '10',
      '--message-attribute-names',
      'All',
    ]);
    const details = (received.Messages ?? []).map(
      (m) => JSON.parse(m.Body) as { jobName: string; status: string },
    );
    expect(details.map((d) => d.jobName)).toContain('cli-fails');
    expect(details.every((d) => d.status === 'FAILED')).toBe(true);
  });

  it('delivers to an HTTP endpoint after it confirmed, in the SNS envelope', async () => {
    const bodies: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push({ headers: req.headers, body });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/irwatch`;
      const subscribed = await aws<{ SubscriptionArn: string }>(stack.info, stack.info.sns, [
        'sns',
        'subscribe',
        '--topic-arn',
        stack.info.topicArn,
        '--protocol',
        'http',
        '--notification-endpoint',
        url,
        '--attributes',
        '{"FilterPolicy":"{\\"jobName\\":[\\"cli-http\\"]}"}',
      ]);
      expect(subscribed.SubscriptionArn).toBe('pending confirmation');
      const confirmation = JSON.parse(bodies[0]?.body ?? '{}') as {
        Type: string;
        SubscribeURL: string;
      };
      expect(confirmation.Type).toBe('SubscriptionConfirmation');
      expect((await fetch(confirmation.SubscribeURL)).status).toBe(200);

      await aws(
        stack.info,
        stack.info.sagemaker,
        createArgs('cli-http', ['--tags', 'Key=irwatch:simulate-seconds,Value=5']),
      );
      const notification = await eventually(
        async () => bodies.find((b) => b.headers['x-amz-sns-message-type'] === 'Notification'),
        60_000,
        'the notification of cli-http at the HTTP endpoint',
      );
      const envelope = JSON.parse(notification.body) as {
        Message: string;
        MessageAttributes: Record<string, { Type: string; Value: string }>;
      };
      expect(envelope.MessageAttributes.jobName).toEqual({ Type: 'String', Value: 'cli-http' });
      expect((JSON.parse(envelope.Message) as { status: string }).status).toBe('COMPLETED');
      await morePolls(stack, 2);
      expect(
        bodies.filter((b) => b.headers['x-amz-sns-message-type'] === 'Notification'),
      ).toHaveLength(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe.skipIf(skipReason !== undefined)('botocore against the local stack', LONG, () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(1);
  });

  it('answers every simulator operation as the SageMaker service model says', async () => {
    const sm = stack.info.sagemaker;
    const call = (operation: string, params: Record<string, unknown> = {}) => ({
      service: 'sagemaker' as const,
      endpoint: sm,
      operation,
      params,
    });
    const results = await botocoreCalls(stack.info, [
      call('CreateInferenceRecommendationsJob', {
        JobName: 'boto-default',
        JobType: 'Default',
        RoleArn: ROLE,
        InputConfig: { ModelName: 'my-model' },
        Tags: [{ Key: 'irwatch:simulate-seconds', Value: '4' }],
      }),
      call('CreateInferenceRecommendationsJob', {
        JobName: 'boto-advanced',
        JobType: 'Advanced',
        RoleArn: ROLE,
        InputConfig: {
          ModelPackageVersionArn: PACKAGE,
          EndpointConfigurations: [
            { InstanceType: 'ml.c5.xlarge' },
            { ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
          ],
        },
        Tags: [
          { Key: 'irwatch:simulate', Value: 'fail-benchmarks' },
          { Key: 'irwatch:simulate-seconds', Value: '600' },
        ],
      }),
      call('CreateInferenceRecommendationsJob', {
        JobName: 'boto-default',
        JobType: 'Default',
        RoleArn: ROLE,
        InputConfig: { ModelName: 'my-model' },
      }),
      call('CreateInferenceRecommendationsJob', {
        JobName: 'not_a_valid_name',
        JobType: 'Default',
        RoleArn: 'arn:aws:iam::000000000000:user/nobody',
        InputConfig: { ModelName: 'my-model' },
      }),
      call('CreateInferenceRecommendationsJob', {
        JobName: 'boto-both-models',
        JobType: 'Default',
        RoleArn: ROLE,
        InputConfig: { ModelName: 'my-model', ModelPackageVersionArn: PACKAGE },
      }),
      call('DescribeInferenceRecommendationsJob', { JobName: 'boto-advanced' }),
      call('ListInferenceRecommendationsJobs', {
        MaxResults: 2,
        SortBy: 'Name',
        SortOrder: 'Ascending',
      }),
      call('ListInferenceRecommendationsJobs', {
        ModelNameEquals: 'my-model',
        StatusEquals: 'PENDING',
      }),
      call('ListInferenceRecommendationsJobSteps', { JobName: 'boto-advanced' }),
      call('ListInferenceRecommendationsJobSteps', { JobName: 'no-such-job' }),
      call('StopInferenceRecommendationsJob', { JobName: 'boto-advanced' }),
      call('StopInferenceRecommendationsJob', { JobName: 'no-such-job' }),
      call('DescribeInferenceRecommendationsJob', { JobName: 'boto-advanced' }),
      call('GetScalingConfigurationRecommendation', {
        InferenceRecommendationsJobName: 'no-such-job',
      }),
    ]);
    const byIndex = (i: number) => results[i]!;
    expect(results.flatMap((r) => r.problems.map((p) => `${r.operation}: ${p}`))).toEqual([]);
    expect(byIndex(0).output?.JobArn).toMatch(/inference-recommendations-job\/boto-default$/);
    expect(byIndex(1).error).toBeUndefined();
    expect(byIndex(2).error?.code).toBe('ResourceInUse');
    expect(byIndex(3).error?.code).toBe('ValidationException');
    expect(byIndex(3).error?.message).toMatch(/jobName.*roleArn/);
    expect(byIndex(4).error?.code).toBe('ValidationException');
    expect(byIndex(5).output?.Status).toMatch(/^(PENDING|IN_PROGRESS)$/);
    expect(byIndex(6).output?.NextToken).toEqual(expect.any(String));
    expect(byIndex(8).output?.Steps).toHaveLength(2);
    expect(byIndex(9).error?.code).toBe('ResourceNotFound');
    expect(byIndex(10).error).toBeUndefined();
    expect(byIndex(11).error?.code).toBe('ResourceNotFound');
    expect(byIndex(12).output?.Status).toBe('STOPPING');
    expect(byIndex(13).error?.code).toBe('ResourceNotFound');

    await jobInStatus(stack, 'boto-default', 'COMPLETED');
    const done = await botocoreCalls(stack.info, [
      call('DescribeInferenceRecommendationsJob', { JobName: 'boto-default' }),
      call('ListInferenceRecommendationsJobSteps', { JobName: 'boto-default' }),
    ]);
    const finishedBy = Date.now();
    expect(done.flatMap((r) => r.problems)).toEqual([]);
    const describe = done[0]!.output as {
      CreationTime: string;
      CompletionTime: string;
      InferenceRecommendations: Array<{ RecommendationId: string }>;
    };
    const recommendationId = describe.InferenceRecommendations[0]!.RecommendationId;
    const scaling = await botocoreCalls(stack.info, [
      call('GetScalingConfigurationRecommendation', {
        InferenceRecommendationsJobName: 'boto-default',
        RecommendationId: recommendationId,
        ScalingPolicyObjective: { MinInvocationsPerMinute: 100, MaxInvocationsPerMinute: 50_000 },
      }),
    ]);
    expect(scaling[0]!.problems).toEqual([]);
    const dynamic = (
      scaling[0]!.output as {
        DynamicScalingConfiguration: { MinCapacity: number; MaxCapacity: number };
      }
    ).DynamicScalingConfiguration;
    expect(dynamic.MinCapacity).toBeGreaterThanOrEqual(1);
    expect(dynamic.MaxCapacity).toBeGreaterThan(dynamic.MinCapacity);

    // Every time ordered and none in the future: created ≤ benchmark start ≤ end ≤ completion ≤ now.
    const steps = (
      done[1]!.output as {
        Steps: Array<{
          InferenceBenchmark: { InvocationStartTime: string; InvocationEndTime: string };
        }>;
      }
    ).Steps;
    const created = Date.parse(describe.CreationTime);
    const completed = Date.parse(describe.CompletionTime);
    expect(completed).toBeLessThanOrEqual(finishedBy);
    for (const step of steps) {
      const start = Date.parse(step.InferenceBenchmark.InvocationStartTime);
      const end = Date.parse(step.InferenceBenchmark.InvocationEndTime);
      expect(created).toBeLessThanOrEqual(start);
      expect(start).toBeLessThanOrEqual(end);
      expect(end).toBeLessThanOrEqual(completed);
    }
  });

  it('keeps the scenario jobs benchmark times within their jobs at --scenario-speed 8', async () => {
    await jobInStatus(stack, 'xgboost-churn-default', 'COMPLETED');
    const results = await botocoreCalls(stack.info, [
      {
        service: 'sagemaker',
        endpoint: stack.info.sagemaker,
        operation: 'DescribeInferenceRecommendationsJob',
        params: { JobName: 'xgboost-churn-default' },
      },
      {
        service: 'sagemaker',
        endpoint: stack.info.sagemaker,
        operation: 'ListInferenceRecommendationsJobSteps',
        params: { JobName: 'xgboost-churn-default' },
      },
    ]);
    const now = Date.now();
    expect(results.flatMap((r) => r.problems)).toEqual([]);
    const completion = Date.parse(String(results[0]!.output?.CompletionTime));
    expect(completion).toBeLessThanOrEqual(now);
    const steps = results[1]!.output?.Steps as Array<{
      InferenceBenchmark: { InvocationEndTime?: string };
    }>;
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      const end = step.InferenceBenchmark.InvocationEndTime;
      if (end !== undefined) expect(Date.parse(end)).toBeLessThanOrEqual(completion);
    }
  });

  it('answers EventBridge, SNS and SQS calls as their service models say', async () => {
    const { eventbridge, sns, sqs, topicArn } = stack.info;
    const event = {
      id: '1',
      account: '000000000000',
      source: 'aws.sagemaker',
      time: '2026-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventSource: 'sagemaker.amazonaws.com',
        eventName: 'StopInferenceRecommendationsJob',
      },
    };
    const results = await botocoreCalls(stack.info, [
      { service: 'events', endpoint: eventbridge, operation: 'ListRules', params: {} },
      {
        service: 'events',
        endpoint: eventbridge,
        operation: 'ListRules',
        params: { EventBusName: 'irwatch-local' },
      },
      {
        service: 'events',
        endpoint: eventbridge,
        operation: 'DescribeRule',
        params: { Name: 'irwatch-local-detect-cloudtrail' },
      },
      {
        service: 'events',
        endpoint: eventbridge,
        operation: 'DescribeRule',
        params: { Name: 'nope' },
      },
      {
        service: 'events',
        endpoint: eventbridge,
        operation: 'DescribeEventBus',
        params: { Name: 'irwatch-local' },
      },
      {
        service: 'events',
        endpoint: eventbridge,
        operation: 'DescribeEventBus',
        params: { Name: 'nope' },
      },
      {
        service: 'events',
        endpoint: eventbridge,
        operation: 'TestEventPattern',
        params: {
          EventPattern: '{"detail":{"eventName":["StopInferenceRecommendationsJob"]}}',
          Event: JSON.stringify(event),
        },
      },
      {
        service: 'events',
        endpoint: eventbridge,
        operation: 'TestEventPattern',
        params: {
          EventPattern: '{"detail":{"eventName":[{"wildcard":1}]}}',
          Event: JSON.stringify(event),
        },
      },
      {
        service: 'events',
        endpoint: eventbridge,
        operation: 'PutEvents',
        params: {
          Entries: [{ Source: 'test', DetailType: 'x', Detail: '{}', EventBusName: 'no-such-bus' }],
        },
      },
      { service: 'sns', endpoint: sns, operation: 'ListTopics', params: {} },
      {
        service: 'sns',
        endpoint: sns,
        operation: 'GetTopicAttributes',
        params: { TopicArn: topicArn },
      },
      {
        service: 'sqs',
        endpoint: sqs,
        operation: 'CreateQueue',
        params: { QueueName: 'boto-queue' },
      },
      {
        service: 'sns',
        endpoint: sns,
        operation: 'Subscribe',
        params: {
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: 'arn:aws:sqs:us-east-1:000000000000:boto-queue',
          ReturnSubscriptionArn: true,
        },
      },
      {
        service: 'sns',
        endpoint: sns,
        operation: 'ListSubscriptionsByTopic',
        params: { TopicArn: topicArn },
      },
      {
        service: 'sns',
        endpoint: sns,
        operation: 'Subscribe',
        params: {
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: 'arn:aws:sqs:us-east-1:000000000000:boto-queue',
          Attributes: { FilterPolicy: '{"status":{"not":"an array"}}' },
        },
      },
      {
        service: 'sns',
        endpoint: sns,
        operation: 'Subscribe',
        params: {
          TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope',
          Protocol: 'sqs',
          Endpoint: 'arn:aws:sqs:us-east-1:000000000000:boto-queue',
        },
      },
      {
        service: 'sqs',
        endpoint: sqs,
        operation: 'GetQueueAttributes',
        params: { QueueUrl: `${sqs}/000000000000/boto-queue`, AttributeNames: ['All'] },
      },
      {
        service: 'sqs',
        endpoint: sqs,
        operation: 'SetQueueAttributes',
        params: {
          QueueUrl: `${sqs}/000000000000/boto-queue`,
          Attributes: { VisibilityTimeout: '10' },
        },
      },
      {
        service: 'sqs',
        endpoint: sqs,
        operation: 'ReceiveMessage',
        params: { QueueUrl: `${sqs}/000000000000/boto-queue` },
      },
    ]);
    expect(results.flatMap((r) => r.problems.map((p) => `${r.operation}: ${p}`))).toEqual([]);
    const at = (i: number) => results[i]!;
    expect((at(0).output?.Rules as Array<{ Name: string }>).map((r) => r.Name)).toContain(
      'irwatch-local-detect-cloudtrail',
    );
    expect((at(1).output?.Rules as unknown[]).length).toBeGreaterThan(0);
    expect(JSON.parse(String(at(2).output?.EventPattern))).toMatchObject({
      source: ['aws.sagemaker'],
    });
    expect(at(3).error?.code).toBe('ResourceNotFoundException');
    expect(at(4).output?.Arn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/irwatch-local');
    expect(at(5).error?.code).toBe('ResourceNotFoundException');
    expect(at(6).output?.Result).toBe(true);
    expect(at(7).error?.code).toBe('InvalidEventPatternException');
    // AWS accepts events for a bus that does not exist and delivers them nowhere.
    expect(at(8).output).toMatchObject({
      FailedEntryCount: 0,
      Entries: [{ EventId: expect.any(String) }],
    });
    expect(at(9).output?.Topics).toEqual([{ TopicArn: topicArn }]);
    expect((at(10).output?.Attributes as Record<string, string>).TopicArn).toBe(topicArn);
    const subscriptionArn = String(at(12).output?.SubscriptionArn);
    expect(subscriptionArn.startsWith(`${topicArn}:`)).toBe(true);
    expect(at(13).output?.Subscriptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ SubscriptionArn: subscriptionArn, Protocol: 'sqs' }),
      ]),
    );
    expect(at(14).error?.code).toBe('InvalidParameter');
    expect(at(15).error?.code).toBe('NotFound');
    expect((at(16).output?.Attributes as Record<string, string>).QueueArn).toBe(
      'arn:aws:sqs:us-east-1:000000000000:boto-queue',
    );

    const more = await botocoreCalls(stack.info, [
      {
        service: 'sns',
        endpoint: sns,
        operation: 'SetSubscriptionAttributes',
        params: {
          SubscriptionArn: subscriptionArn,
          AttributeName: 'FilterPolicy',
          AttributeValue: '{"status":["FAILED"]}',
        },
      },
      {
        service: 'sns',
        endpoint: sns,
        operation: 'GetSubscriptionAttributes',
        params: { SubscriptionArn: subscriptionArn },
      },
      {
        service: 'sns',
        endpoint: sns,
        operation: 'Unsubscribe',
        params: { SubscriptionArn: subscriptionArn },
      },
      {
        service: 'sns',
        endpoint: sns,
        operation: 'Unsubscribe',
        params: { SubscriptionArn: subscriptionArn },
      },
    ]);
    expect(more.flatMap((r) => r.problems.map((p) => `${r.operation}: ${p}`))).toEqual([]);
    expect((more[1]!.output?.Attributes as Record<string, string>).FilterPolicy).toBe(
      '{"status":["FAILED"]}',
    );
    expect(more[2]!.error).toBeUndefined();
    expect(more[3]!.error?.code).toBe('NotFound');
  });
});

describe.skipIf(skipReason !== undefined)('CloudTrail on the local default bus', LONG, () => {
  it('reports a created and a stopped job at once, with no poll in between', async () => {
    // The detector polls once at start and then hourly: only the CloudTrail rule can see these.
    const stack = await startStack(3600);
    await stack.cli.waitFor(/detect: poll listed/);
    await aws(
      stack.info,
      stack.info.sagemaker,
      createArgs('cli-cloudtrail', ['--tags', 'Key=irwatch:simulate-seconds,Value=600']),
    );
    await stack.cli.waitFor(/cloudtrail: CreateInferenceRecommendationsJob cli-cloudtrail/);
    await jobInStatus(stack, 'cli-cloudtrail', 'PENDING', 20_000);
    await aws(stack.info, stack.info.sagemaker, [
      'sagemaker',
      'stop-inference-recommendations-job',
      '--job-name',
      'cli-cloudtrail',
    ]);
    await jobInStatus(stack, 'cli-cloudtrail', 'STOPPING', 20_000);
    expect(stack.cli.output().match(/detect: poll listed/g)?.length ?? 0).toBe(1);

    // The simulator keeps created jobs across a restart, stopped where they were stopped.
    stack.cli.child.kill('SIGINT');
    await stack.cli.exited;
    const restarted = await startStack(3600, stack.dataDir);
    // STOPPING for a moment after the stop, then STOPPED: the restart may come in between.
    const described = await eventually(
      async () => {
        const job = await aws<{ Status: string }>(restarted.info, restarted.info.sagemaker, [
          'sagemaker',
          'describe-inference-recommendations-job',
          '--job-name',
          'cli-cloudtrail',
        ]);
        return job.Status === 'STOPPING' ? undefined : job;
      },
      20_000,
      'cli-cloudtrail past STOPPING after the restart',
    );
    expect(described.Status).toBe('STOPPED');
    expect(restarted.cli.output()).not.toMatch(/sagemaker: skipped/);
  });
});
