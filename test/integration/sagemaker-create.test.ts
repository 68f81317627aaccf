import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateInferenceRecommendationsJobCommand,
  DescribeInferenceRecommendationsJobCommand,
  ListInferenceRecommendationsJobStepsCommand,
  ResourceInUse,
  ResourceNotFound,
  SageMakerClient,
  StopInferenceRecommendationsJobCommand,
  type CreateInferenceRecommendationsJobCommandInput,
} from '@aws-sdk/client-sagemaker';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  createSageMakerSimulator,
  type SimulatorApiCall,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { cloudTrailEvent } from '../../local/aws/cloudtrail/cloudtrail.js';
import { parseDetectInput } from '../../functions/detect/input.js';

// The JS SDK, as the README's snippet uses it, against the simulator on a simulated clock.
const START = Date.UTC(2026, 0, 1);
let clock = START;
const apiCalls: SimulatorApiCall[] = [];
const simulator = createSageMakerSimulator({
  now: () => clock,
  account: '000000000000',
  region: 'us-east-1',
  createdJobDurationMs: 100_000,
  stoppingMs: 1_000,
  onApiCall: (call) => apiCalls.push(call),
});
let server: LocalServer;
let client: SageMakerClient;

beforeAll(async () => {
  server = await simulator.listen();
  client = new SageMakerClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

const input = (name: string): CreateInferenceRecommendationsJobCommandInput => ({
  JobName: name,
  JobType: 'Advanced',
  RoleArn: 'arn:aws:iam::000000000000:role/SageMakerInferenceRecommender',
  InputConfig: {
    ModelName: 'churn-xgboost',
    EndpointConfigurations: [
      { InstanceType: 'ml.c5.xlarge' },
      { InstanceType: 'ml.m5.xlarge' },
      { InstanceType: 'ml.g4dn.xlarge' },
    ],
  },
});

const caught = async (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('CreateInferenceRecommendationsJob in the simulator, through the JS SDK', () => {
  it('creates a job that runs to COMPLETED, its benchmarks finishing one by one', async () => {
    clock = START;
    const { JobArn } = await client.send(
      new CreateInferenceRecommendationsJobCommand(input('sdk-1')),
    );
    expect(JobArn).toBe(
      'arn:aws:sagemaker:us-east-1:000000000000:inference-recommendations-job/sdk-1',
    );
    const steps = async () =>
      (await client.send(new ListInferenceRecommendationsJobStepsCommand({ JobName: 'sdk-1' })))
        .Steps ?? [];
    expect((await steps()).map((s) => s.Status)).toEqual(['PENDING', 'PENDING', 'PENDING']);

    clock = START + 50_000;
    const running = await client.send(
      new DescribeInferenceRecommendationsJobCommand({ JobName: 'sdk-1' }),
    );
    expect(running.Status).toBe('IN_PROGRESS');
    expect(running.InferenceRecommendations).toBeUndefined();
    expect((await steps()).map((s) => s.Status)).toEqual(['COMPLETED', 'IN_PROGRESS', 'PENDING']);

    clock = START + 100_000;
    const done = await client.send(
      new DescribeInferenceRecommendationsJobCommand({ JobName: 'sdk-1' }),
    );
    expect(done.Status).toBe('COMPLETED');
    expect(done.CompletionTime?.getTime()).toBe(START + 100_000);
    expect(
      done.InferenceRecommendations?.map((r) => r.EndpointConfiguration?.InstanceType),
    ).toEqual(['ml.c5.xlarge', 'ml.m5.xlarge', 'ml.g4dn.xlarge']);
  });

  it('refuses a used name with ResourceInUse and a bad request with every problem named', async () => {
    expect(
      await caught(client.send(new CreateInferenceRecommendationsJobCommand(input('sdk-1')))),
    ).toBeInstanceOf(ResourceInUse);
    const bad = (await caught(
      client.send(
        new CreateInferenceRecommendationsJobCommand({
          ...input('bad_name'),
          RoleArn: 'arn:aws:iam::000000000000:user/me',
          InputConfig: {
            ModelName: 'churn',
            EndpointConfigurations: [{ InstanceType: 'ml.x9.huge' as 'ml.c5.large' }],
          },
        }),
      ),
    )) as Error;
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toMatch(/3 validation errors detected/);
    expect(bad.message).toMatch(/'jobName'/);
    expect(bad.message).toMatch(/'roleArn'/);
    expect(bad.message).toMatch(/'inputConfig\.endpointConfigurations\.1\.member\.instanceType'/);
    const neither = (await caught(
      client.send(
        new CreateInferenceRecommendationsJobCommand({ ...input('sdk-x'), InputConfig: {} }),
      ),
    )) as Error;
    expect(neither.message).toMatch(/exactly one of ModelPackageVersionArn or ModelName/);
  });

  it('stops a running job and reports create and stop as CloudTrail events detect reads', async () => {
    clock = START;
    apiCalls.length = 0;
    await client.send(new CreateInferenceRecommendationsJobCommand(input('sdk-stop')));
    clock = START + 50_000;
    await client.send(new StopInferenceRecommendationsJobCommand({ JobName: 'sdk-stop' }));
    const describe = () =>
      client.send(new DescribeInferenceRecommendationsJobCommand({ JobName: 'sdk-stop' }));
    expect((await describe()).Status).toBe('STOPPING');
    clock = START + 51_000;
    const stopped = await describe();
    expect(stopped.Status).toBe('STOPPED');
    expect(stopped.InferenceRecommendations).toHaveLength(1);
    expect(
      await caught(client.send(new StopInferenceRecommendationsJobCommand({ JobName: 'nope' }))),
    ).toBeInstanceOf(ResourceNotFound);

    expect(apiCalls.map((c) => c.operation)).toEqual([
      'CreateInferenceRecommendationsJob',
      'StopInferenceRecommendationsJob',
    ]);
    const events = apiCalls.map((call) => cloudTrailEvent(call));
    expect(events[0]).toMatchObject({
      source: 'aws.sagemaker',
      account: '000000000000',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventSource: 'sagemaker.amazonaws.com',
        requestParameters: { jobName: 'sdk-stop', jobType: 'Advanced' },
        responseElements: { jobArn: expect.stringContaining('/sdk-stop') },
        awsRegion: 'us-east-1',
      },
    });
    for (const event of events) {
      expect(parseDetectInput(event)).toMatchObject({ kind: 'cloudtrail', jobName: 'sdk-stop' });
    }
  });
});
