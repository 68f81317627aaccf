import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  cloneJob,
  createSageMakerSimulator,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { eventually } from '../support/cli-process.js';
import { sampleJob } from '../support/world.js';

let external: LocalServer;
let stack: LocalStack;
const simulator = createSageMakerSimulator();

beforeAll(async () => {
  simulator.addJob(
    cloneJob(sampleJob('xgboost-churn-default'), {
      jobName: 'my-own-job',
      start: Date.now() - 60_000,
    }),
  );
  external = await simulator.listen();
  process.env.AWS_ENDPOINT_URL_SAGEMAKER = external.url;
  stack = await startStack({
    dataDir: await mkdtemp(join(tmpdir(), 'irwatch-external-')),
    port: 0,
    pollIntervalSeconds: 1,
    log: () => undefined,
  });
});

afterAll(async () => {
  await stack?.stop();
  await external?.close();
});

describe('npm start with AWS_ENDPOINT_URL_SAGEMAKER already set', () => {
  it('watches that SageMaker and starts no scenario jobs', async () => {
    expect(stack.simulated).toBe(false);
    expect(stack.endpoints.sagemaker).toBe(external.url);
    const jobs = await eventually(
      async () => {
        const response = await fetch(`${stack.url}/jobs`);
        const body = (await response.json()) as {
          jobs: Array<{ jobName: string; status: string }>;
        };
        return body.jobs.length > 0 ? body.jobs : undefined;
      },
      30_000,
      'the external job in the API',
    );
    await stack.bus.idle();
    expect(jobs.map((job) => `${job.jobName}:${job.status}`)).toEqual(['my-own-job:COMPLETED']);
    expect(
      simulator.calls.some((call) => call.operation === 'ListInferenceRecommendationsJobs'),
    ).toBe(true);
  });
});
