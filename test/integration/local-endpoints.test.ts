import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeInferenceRecommendationsJobCommand,
  ListInferenceRecommendationsJobsCommand,
  ListInferenceRecommendationsJobStepsCommand,
  ListModelsCommand,
  ResourceNotFound,
  type ListInferenceRecommendationsJobsCommandInput,
  SageMakerClient,
  SageMakerServiceException,
  paginateListInferenceRecommendationsJobs,
} from '@aws-sdk/client-sagemaker';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateTopicCommand,
  InternalErrorException,
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  SNSClient,
  type PublishCommandInput,
} from '@aws-sdk/client-sns';
import { listen } from '../../local/aws/http-server.js';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  cloneJob,
  createSageMakerSimulator,
  everyNth,
  jobAt,
  loadSampleJobs,
  randomFaults,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import type { FaultCall, SimulatedJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { createEventBridgeEndpoint } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import type { BusEvent } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import { createSnsEndpoint } from '../../local/aws/sns/sns-endpoint.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const clientConfig = (server: LocalServer, maxAttempts = 1) => ({
  endpoint: server.url,
  region: 'us-east-1',
  credentials,
  maxAttempts,
});

const ACCOUNT = '111122223333';
const BASE_S = 1_700_000_000;

/** A small completed job in wire JSON: epoch seconds and the non-finite doubles AWS sends. */
function fixture(
  name: string,
  createdS: number,
  extra: { model?: string; status?: string } = {},
): SimulatedJob {
  return {
    describe: {
      JobName: name,
      JobDescription: `fixture ${name}`,
      JobType: 'Default',
      JobArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:inference-recommendations-job/${name}`,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/ir`,
      Status: extra.status ?? 'COMPLETED',
      CreationTime: createdS,
      LastModifiedTime: createdS + 600,
      CompletionTime: createdS + 600,
      InputConfig: {
        ModelName: extra.model ?? 'model-a',
        ContainerConfig: { PayloadConfig: { SamplePayloadUrl: 's3://bucket/payload.tar.gz' } },
      },
      InferenceRecommendations: [
        {
          RecommendationId: `${name}/0a1b2c3d`,
          Metrics: {
            CostPerHour: 0.119,
            CostPerInference: 'NaN',
            MaxInvocations: 1500,
            ModelLatency: 12,
            CpuUtilization: 'Infinity',
            MemoryUtilization: 4.5,
          },
          EndpointConfiguration: {
            EndpointName: 'sm-epc-0001',
            VariantName: 'sm-epc-0001',
            InstanceType: 'ml.c5.large',
            InitialInstanceCount: 1,
          },
          ModelConfiguration: {},
          InvocationStartTime: createdS + 100,
          InvocationEndTime: createdS + 300,
        },
      ],
      EndpointPerformances: [],
    },
    steps: [100, 200, 300].map((offset, i) => ({
      StepType: 'BENCHMARK',
      JobName: name,
      Status: i === 2 ? 'FAILED' : 'COMPLETED',
      InferenceBenchmark: {
        Metrics: { CostPerHour: 0.1 * (i + 1), CostPerInference: 'NaN', ModelLatency: 10 + i },
        EndpointConfiguration: {
          EndpointName: `sm-epc-000${i}`,
          VariantName: `sm-epc-000${i}`,
          InstanceType: 'ml.c5.large',
        },
        ModelConfiguration: {},
        InvocationStartTime: createdS + offset - 50,
        InvocationEndTime: createdS + offset,
      },
    })),
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('http-server', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await listen(async (req, res) => {
      if (req.url === '/boom') throw new Error('handler exploded');
      if (req.url === '/reject') return Promise.reject(new Error('async explosion'));
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  it('turns a throwing handler into a 500 and keeps serving', async () => {
    const boom = await fetch(`${server.url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.text()).toContain('handler exploded');
    const reject = await fetch(`${server.url}/reject`);
    expect(reject.status).toBe(500);
    const ok = await fetch(`${server.url}/`);
    expect(await ok.text()).toBe('ok');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });
});

describe('SageMaker simulator', () => {
  const sim = createSageMakerSimulator();
  let clock = BASE_S * 1000 + 10_000_000;
  let server: LocalServer;
  let client: SageMakerClient;
  const jobNames = Array.from({ length: 7 }, (_, i) => `job-${i}`);

  beforeAll(async () => {
    sim.setNow(() => clock);
    jobNames.forEach((name, i) =>
      sim.addJob(fixture(name, BASE_S + i * 60, { model: i % 2 === 0 ? 'model-a' : 'model-b' })),
    );
    server = await sim.listen();
    client = new SageMakerClient(clientConfig(server));
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('describes a job with NaN, Infinity and Date values decoded by the SDK', async () => {
    const out = await client.send(
      new DescribeInferenceRecommendationsJobCommand({ JobName: 'job-0' }),
    );
    expect(out.Status).toBe('COMPLETED');
    expect(out.CreationTime).toBeInstanceOf(Date);
    expect(out.CreationTime?.getTime()).toBe(BASE_S * 1000);
    expect(out.CompletionTime?.getTime()).toBe((BASE_S + 600) * 1000);
    const rec = out.InferenceRecommendations?.[0];
    expect(Number.isNaN(rec?.Metrics?.CostPerInference)).toBe(true);
    expect(rec?.Metrics?.CpuUtilization).toBe(Infinity);
    expect(rec?.Metrics?.CostPerHour).toBe(0.119);
    expect(rec?.InvocationEndTime).toEqual(new Date((BASE_S + 300) * 1000));
  });

  it('answers an unknown job with the SDK ResourceNotFound class', async () => {
    const error = await caught(
      client.send(new DescribeInferenceRecommendationsJobCommand({ JobName: 'no-such-job' })),
    );
    expect(error).toBeInstanceOf(ResourceNotFound);
    expect((error as ResourceNotFound).$metadata.httpStatusCode).toBe(400);
    expect((error as ResourceNotFound).message).toContain('no-such-job');
  });

  it('pages ListInferenceRecommendationsJobs with NextToken, newest first by default', async () => {
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const out = await client.send(
        new ListInferenceRecommendationsJobsCommand({ MaxResults: 3, NextToken: token }),
      );
      pages.push((out.InferenceRecommendationsJobs ?? []).map((j) => j.JobName ?? ''));
      token = out.NextToken;
    } while (token);
    expect(pages).toEqual([['job-6', 'job-5', 'job-4'], ['job-3', 'job-2', 'job-1'], ['job-0']]);

    const viaPaginator: string[][] = [];
    for await (const page of paginateListInferenceRecommendationsJobs(
      { client, pageSize: 3 },
      { SortBy: 'Name', SortOrder: 'Ascending' },
    )) {
      viaPaginator.push((page.InferenceRecommendationsJobs ?? []).map((j) => j.JobName ?? ''));
    }
    expect(viaPaginator).toEqual([
      ['job-0', 'job-1', 'job-2'],
      ['job-3', 'job-4', 'job-5'],
      ['job-6'],
    ]);
  });

  it('returns the documented summary fields', async () => {
    const out = await client.send(
      new ListInferenceRecommendationsJobsCommand({ NameContains: 'job-3' }),
    );
    expect(out.InferenceRecommendationsJobs).toEqual([
      {
        JobName: 'job-3',
        JobDescription: 'fixture job-3',
        JobType: 'Default',
        JobArn: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:inference-recommendations-job/job-3`,
        Status: 'COMPLETED',
        CreationTime: new Date((BASE_S + 180) * 1000),
        CompletionTime: new Date((BASE_S + 780) * 1000),
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/ir`,
        LastModifiedTime: new Date((BASE_S + 780) * 1000),
        ModelName: 'model-b',
        SamplePayloadUrl: 's3://bucket/payload.tar.gz',
      },
    ]);
  });

  it('filters strictly by time, by model and by name', async () => {
    const names = async (input: ListInferenceRecommendationsJobsCommandInput) =>
      (
        (await client.send(new ListInferenceRecommendationsJobsCommand(input)))
          .InferenceRecommendationsJobs ?? []
      )
        .map((j) => j.JobName)
        .sort();
    // job-2 was created exactly at BASE_S+120: "after" and "before" both exclude it.
    expect(
      await names({
        CreationTimeAfter: new Date((BASE_S + 120) * 1000),
        CreationTimeBefore: new Date((BASE_S + 300) * 1000),
      }),
    ).toEqual(['job-3', 'job-4']);
    expect(await names({ LastModifiedTimeBefore: new Date((BASE_S + 720) * 1000) })).toEqual([
      'job-0',
      'job-1',
    ]);
    expect(await names({ LastModifiedTimeAfter: new Date((BASE_S + 900) * 1000) })).toEqual([
      'job-6',
    ]);
    expect(await names({ ModelNameEquals: 'model-b' })).toEqual(['job-1', 'job-3', 'job-5']);
    expect(await names({ NameContains: 'JOB-5' })).toEqual(['job-5']);
    expect(await names({ StatusEquals: 'FAILED' })).toEqual([]);
    expect(await names({ ModelPackageVersionArnEquals: 'arn:aws:sagemaker:x' })).toEqual([]);
  });

  it('rejects out-of-range MaxResults and foreign or malformed tokens with ValidationException', async () => {
    for (const MaxResults of [0, 101]) {
      const error = await caught(
        client.send(new ListInferenceRecommendationsJobsCommand({ MaxResults })),
      );
      expect(error).toBeInstanceOf(SageMakerServiceException);
      expect((error as Error).name).toBe('ValidationException');
    }
    const bad = await caught(
      client.send(new ListInferenceRecommendationsJobsCommand({ NextToken: 'not-a-token' })),
    );
    expect((bad as Error).name).toBe('ValidationException');

    const first = await client.send(new ListInferenceRecommendationsJobsCommand({ MaxResults: 2 }));
    expect(first.NextToken).toBeDefined();
    const foreign = await caught(
      client.send(
        new ListInferenceRecommendationsJobsCommand({ SortBy: 'Name', NextToken: first.NextToken }),
      ),
    );
    expect((foreign as Error).name).toBe('ValidationException');
    const badEnum = await caught(
      client.send(
        new ListInferenceRecommendationsJobsCommand({
          SortBy: 'Size' as unknown as 'Name',
        }),
      ),
    );
    expect((badEnum as Error).message).toMatch(/sortBy.*enum value set/);
  });

  it('pages and filters job steps', async () => {
    const first = await client.send(
      new ListInferenceRecommendationsJobStepsCommand({ JobName: 'job-1', MaxResults: 2 }),
    );
    expect(
      first.Steps?.map((s) => s.InferenceBenchmark?.EndpointConfiguration?.EndpointName),
    ).toEqual(['sm-epc-0000', 'sm-epc-0001']);
    expect(Number.isNaN(first.Steps?.[0]?.InferenceBenchmark?.Metrics?.CostPerInference)).toBe(
      true,
    );
    const second = await client.send(
      new ListInferenceRecommendationsJobStepsCommand({
        JobName: 'job-1',
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Steps).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const failed = await client.send(
      new ListInferenceRecommendationsJobStepsCommand({ JobName: 'job-1', Status: 'FAILED' }),
    );
    expect(failed.Steps?.map((s) => s.Status)).toEqual(['FAILED']);
    const tooMany = await caught(
      client.send(
        new ListInferenceRecommendationsJobStepsCommand({ JobName: 'job-1', MaxResults: 101 }),
      ),
    );
    expect((tooMany as Error).name).toBe('ValidationException');
  });

  it('answers other operations with UnknownOperationException', async () => {
    const error = await caught(client.send(new ListModelsCommand({})));
    expect((error as Error).name).toBe('UnknownOperationException');
  });

  it('moves a timeline job through its states as simulated time advances', async () => {
    const start = BASE_S * 1000 + 20_000_000;
    const job = cloneJob(fixture('template', BASE_S), {
      jobName: 'timeline-job',
      start,
      timeline: [
        { status: 'PENDING', afterMs: 0 },
        { status: 'IN_PROGRESS', afterMs: 60_000 },
        { status: 'COMPLETED', afterMs: 900_000 },
      ],
    });
    sim.addJob(job);
    try {
      const describeNow = () =>
        client.send(new DescribeInferenceRecommendationsJobCommand({ JobName: 'timeline-job' }));
      const stepCount = async () =>
        (
          await client.send(
            new ListInferenceRecommendationsJobStepsCommand({ JobName: 'timeline-job' }),
          )
        ).Steps?.length;

      clock = start - 1;
      expect(await caught(describeNow())).toBeInstanceOf(ResourceNotFound);
      const listed = await client.send(
        new ListInferenceRecommendationsJobsCommand({ NameContains: 'timeline' }),
      );
      expect(listed.InferenceRecommendationsJobs).toEqual([]);

      clock = start;
      const pending = await describeNow();
      expect(pending.Status).toBe('PENDING');
      expect(pending.CreationTime?.getTime()).toBe(start);
      expect(pending.InferenceRecommendations).toBeUndefined();
      expect(await stepCount()).toBe(0);

      // Step end times were shifted with the clone: the first ends at start+100s, the second at +200s.
      clock = start + 150_000;
      const running = await describeNow();
      expect(running.Status).toBe('IN_PROGRESS');
      expect(running.LastModifiedTime?.getTime()).toBe(start + 60_000);
      expect(running.CompletionTime).toBeUndefined();
      expect(running.InferenceRecommendations).toBeUndefined();
      expect(await stepCount()).toBe(1);

      clock = start + 900_000;
      const done = await describeNow();
      expect(done.Status).toBe('COMPLETED');
      expect(done.CompletionTime?.getTime()).toBe(start + 900_000);
      expect(done.JobArn).toMatch(/inference-recommendations-job\/timeline-job$/);
      expect(done.InferenceRecommendations?.[0]?.RecommendationId).toBe('timeline-job/0a1b2c3d');
      expect(done.InferenceRecommendations?.[0]?.InvocationEndTime?.getTime()).toBe(
        start + 300_000,
      );
      expect(await stepCount()).toBe(3);
    } finally {
      sim.removeJob('timeline-job');
      clock = BASE_S * 1000 + 10_000_000;
    }
  });

  it('synthesises a FailureReason only for a FAILED terminal state', () => {
    const job = { ...fixture('f', BASE_S), timeline: [{ status: 'FAILED' as const, at: 0 }] };
    expect(jobAt(job, 1)?.FailureReason).toBe('Simulated failure');
    expect(
      jobAt({ ...job, timeline: [{ status: 'STOPPING', at: 0 }] }, 1)?.FailureReason,
    ).toBeUndefined();
  });

  it('loads sample jobs from <dir>/<JobName>/{describe,steps}.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'irwatch-samples-'));
    try {
      const withSteps = fixture('sample-b', BASE_S);
      mkdirSync(join(dir, 'sample-b'));
      writeFileSync(join(dir, 'sample-b', 'describe.json'), JSON.stringify(withSteps.describe));
      writeFileSync(
        join(dir, 'sample-b', 'steps.json'),
        JSON.stringify({ Steps: withSteps.steps }),
      );
      mkdirSync(join(dir, 'sample-a'));
      writeFileSync(
        join(dir, 'sample-a', 'describe.json'),
        JSON.stringify(fixture('sample-a', BASE_S).describe),
      );
      const loaded = loadSampleJobs(dir);
      expect(loaded.map((j) => [j.describe.JobName, j.steps?.length])).toEqual([
        ['sample-a', undefined],
        ['sample-b', 3],
      ]);
      expect(loaded[1]?.describe.InferenceRecommendations).toEqual(
        withSteps.describe.InferenceRecommendations,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws random faults deterministically from the seed', () => {
    const call = (index: number): FaultCall => ({ operation: 'X', index, input: {} });
    const a = randomFaults({ throttle: 0.2, serverError: 0.1, seed: 7 });
    const b = randomFaults({ throttle: 0.2, serverError: 0.1, seed: 7 });
    const seqA = Array.from({ length: 1000 }, (_, i) => a(call(i)));
    expect(Array.from({ length: 1000 }, (_, i) => b(call(i)))).toEqual(seqA);
    const throttles = seqA.filter((f) => f === 'throttle').length;
    const errors = seqA.filter((f) => f === 'server-error').length;
    expect(throttles).toBeGreaterThan(150);
    expect(throttles).toBeLessThan(250);
    expect(errors).toBeGreaterThan(60);
    expect(errors).toBeLessThan(140);
    const nth = everyNth(3, 'throttle');
    expect([0, 1, 2, 3, 4, 5].map((i) => nth(call(i)))).toEqual([
      undefined,
      undefined,
      'throttle',
      undefined,
      undefined,
      'throttle',
    ]);
  });
});

describe('SageMaker simulator fault injection', () => {
  const sim = createSageMakerSimulator();
  let server: LocalServer;
  let client: SageMakerClient;

  beforeAll(async () => {
    sim.addJob(fixture('faulty', BASE_S));
    server = await sim.listen();
    client = new SageMakerClient(clientConfig(server, 3));
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('lets the SDK retry an injected throttle and succeed', async () => {
    const start = sim.calls.length;
    sim.setFaults(({ index }) => (index === start ? 'throttle' : undefined));
    const out = await client.send(
      new DescribeInferenceRecommendationsJobCommand({ JobName: 'faulty' }),
    );
    expect(out.JobName).toBe('faulty');
    expect(out.$metadata.attempts).toBe(2);
    const seen = sim.calls.slice(start);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.fault).toBe('throttle');
    expect(seen[1]?.fault).toBeUndefined();
    expect(seen.every((c) => c.operation === 'DescribeInferenceRecommendationsJob')).toBe(true);
  });

  it('surfaces a permanent throttle as ThrottlingException after maxAttempts', async () => {
    const start = sim.calls.length;
    sim.setFaults(() => 'throttle');
    const error = await caught(
      client.send(new DescribeInferenceRecommendationsJobCommand({ JobName: 'faulty' })),
    );
    expect(error).toBeInstanceOf(SageMakerServiceException);
    expect((error as SageMakerServiceException).name).toBe('ThrottlingException');
    expect((error as SageMakerServiceException).$metadata.attempts).toBe(3);
    expect(sim.calls.length - start).toBe(3);
    sim.setFaults(undefined);
  });

  it('retries an injected 500 InternalFailure', async () => {
    const start = sim.calls.length;
    sim.setFaults(({ index }) => (index === start ? 'server-error' : undefined));
    const out = await client.send(new ListInferenceRecommendationsJobsCommand({}));
    expect(out.InferenceRecommendationsJobs?.map((j) => j.JobName)).toEqual(['faulty']);
    expect(sim.calls.slice(start).map((c) => c.fault)).toEqual(['server-error', undefined]);
    sim.setFaults(undefined);
  });
});

describe('EventBridge endpoint', () => {
  const delivered: BusEvent[][] = [];
  const endpoint = createEventBridgeEndpoint({
    onEvents: (events) => {
      delivered.push(events);
    },
  });
  let server: LocalServer;
  let client: EventBridgeClient;

  beforeAll(async () => {
    server = await endpoint.listen();
    client = new EventBridgeClient(clientConfig(server));
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('reports a malformed entry as a partial failure and delivers the rest', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'irwatch',
            DetailType: 'Recommendation Job Completed',
            Detail: JSON.stringify({ jobName: 'job-1', best: 'ml.c5.large' }),
            Time: new Date('2024-03-01T12:34:56.789Z'),
            Resources: [
              'arn:aws:sagemaker:us-east-1:111122223333:inference-recommendations-job/job-1',
            ],
            EventBusName: 'irwatch-bus',
          },
          { Source: 'irwatch', DetailType: 'Broken', Detail: '{not json' },
          { Source: 'irwatch', DetailType: 'No time', Detail: '{}' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries?.[1]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    expect(out.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.Entries?.[2]?.EventId).toBeDefined();

    const recorded = endpoint.events.slice(-2);
    expect(recorded[0]).toEqual({
      busName: 'irwatch-bus',
      event: {
        version: '0',
        id: out.Entries?.[0]?.EventId,
        'detail-type': 'Recommendation Job Completed',
        source: 'irwatch',
        account: ACCOUNT,
        time: '2024-03-01T12:34:56Z',
        region: 'us-east-1',
        resources: ['arn:aws:sagemaker:us-east-1:111122223333:inference-recommendations-job/job-1'],
        detail: { jobName: 'job-1', best: 'ml.c5.large' },
      },
    });
    expect(recorded[1]?.busName).toBe('default');
    expect(recorded[1]?.event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(delivered.at(-1)?.map((e) => e.id)).toEqual(recorded.map((r) => r.event.id));
  });

  it('applies injected per-entry failures and validation of required fields', async () => {
    endpoint.setFailEntry((entry) =>
      entry.DetailType === 'Unlucky'
        ? { ErrorCode: 'InternalFailure', ErrorMessage: 'injected' }
        : undefined,
    );
    try {
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            { Source: 'irwatch', DetailType: 'Unlucky', Detail: '{}' },
            { Source: 'irwatch', Detail: '{}' },
            { Source: 'irwatch', DetailType: 'Array', Detail: '[1,2]' },
          ],
        }),
      );
      expect(out.FailedEntryCount).toBe(3);
      expect(out.Entries?.map((e) => e.ErrorCode)).toEqual([
        'InternalFailure',
        'InvalidArgument',
        'MalformedDetail',
      ]);
    } finally {
      endpoint.setFailEntry(undefined);
    }
  });

  it('rejects more than 10 entries as a ValidationException', async () => {
    const before = endpoint.calls.length;
    const entries = Array.from({ length: 11 }, () => ({
      Source: 'irwatch',
      DetailType: 'x',
      Detail: '{}',
    }));
    const error = await caught(client.send(new PutEventsCommand({ Entries: entries })));
    expect((error as Error).name).toBe('ValidationException');
    expect(endpoint.calls.length).toBe(before + 1);
    expect(endpoint.calls.at(-1)?.error).toBe('ValidationException');
  });
});

describe('SNS endpoint', () => {
  const sns = createSnsEndpoint();
  let server: LocalServer;
  let client: SNSClient;
  let topicArn: string;

  beforeAll(async () => {
    server = await sns.listen();
    client = new SNSClient(clientConfig(server));
    topicArn =
      (await client.send(new CreateTopicCommand({ Name: 'irwatch-events' }))).TopicArn ?? '';
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('creates a topic ARN in the signed region', () => {
    expect(topicArn).toBe(`arn:aws:sns:us-east-1:${ACCOUNT}:irwatch-events`);
  });

  it('records a MessageStructure=json publish with its attributes as sent', async () => {
    const message = JSON.stringify({
      default: 'Job job-1 completed',
      email: 'Job job-1 done & dusted <3',
    });
    const out = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'irwatch: job-1 COMPLETED',
        Message: message,
        MessageStructure: 'json',
        MessageAttributes: {
          status: { DataType: 'String', StringValue: 'COMPLETED' },
          costPerHour: { DataType: 'Number', StringValue: '0.119' },
          tags: { DataType: 'String.Array', StringValue: '["a","b"]' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    const last = sns.messages.at(-1);
    expect(last).toEqual({
      messageId: out.MessageId,
      topicArn,
      subject: 'irwatch: job-1 COMPLETED',
      message,
      messageStructure: 'json',
      messageAttributes: {
        status: { dataType: 'String', stringValue: 'COMPLETED' },
        costPerHour: { dataType: 'Number', stringValue: '0.119' },
        tags: { dataType: 'String.Array', stringValue: '["a","b"]' },
        blob: { dataType: 'Binary', binaryValue: 'AQID' },
      },
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.$metadata.requestId).toBeDefined();
  });

  it('rejects what SNS rejects with InvalidParameter', async () => {
    const attempts: Array<Partial<PublishCommandInput>> = [
      { Subject: 'x'.repeat(100) },
      { Subject: 'two\nlines' },
      { Subject: 'caf\u00e9' },
      { MessageStructure: 'json', Message: '{"email":"no default"}' },
      { MessageStructure: 'json', Message: 'not json' },
      { Message: 'x'.repeat(262_145) },
    ];
    const before = sns.messages.length;
    for (const attempt of attempts) {
      const error = await caught(
        client.send(new PublishCommand({ TopicArn: topicArn, Message: 'hello', ...attempt })),
      );
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as InvalidParameterException).$metadata.httpStatusCode).toBe(400);
    }
    expect(sns.messages.length).toBe(before);
    const ok = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: 'x'.repeat(262_144),
        Subject: 'x'.repeat(99),
      }),
    );
    expect(ok.MessageId).toBeDefined();
  });

  it('fails an injected Publish with InternalError', async () => {
    const seen: Array<{ index: number; topicArn: string }> = [];
    sns.setFailPublish((call) => {
      seen.push(call);
      return true;
    });
    try {
      const error = await caught(
        client.send(new PublishCommand({ TopicArn: topicArn, Message: 'hi' })),
      );
      expect(error).toBeInstanceOf(InternalErrorException);
      expect((error as InternalErrorException).$metadata.httpStatusCode).toBe(500);
      expect(seen.at(-1)?.topicArn).toBe(topicArn);
      expect(sns.calls.at(-1)?.error).toBe('InternalError');
    } finally {
      sns.setFailPublish(undefined);
    }
  });

  it('answers NotFound for a topic outside the configured set', async () => {
    const restricted = createSnsEndpoint({ topics: [`arn:aws:sns:us-east-1:${ACCOUNT}:known`] });
    const restrictedServer = await restricted.listen();
    const restrictedClient = new SNSClient(clientConfig(restrictedServer));
    try {
      const error = await caught(
        restrictedClient.send(
          new PublishCommand({
            TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:unknown`,
            Message: 'x',
          }),
        ),
      );
      expect(error).toBeInstanceOf(NotFoundException);
      const ok = await restrictedClient.send(
        new PublishCommand({ TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:known`, Message: 'x' }),
      );
      expect(ok.MessageId).toBeDefined();
    } finally {
      restrictedClient.destroy();
      await restrictedServer.close();
    }
  });
});
