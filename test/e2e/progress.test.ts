import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  StopInferenceRecommendationsJobCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_ACCOUNT } from '../../local/stack/accounts.js';
import { SIMULATE_SECONDS_TAG, SIMULATE_TAG } from '../../local/aws/sagemaker/recommender-job.js';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { eventually, runCli } from '../support/cli-process.js';
import { createChurnJob, localSageMaker } from '../support/local-jobs.js';
import { startSignedApiStandIn, type SignedApiStandIn } from '../support/signed-api.js';

/**
 * Live progress on the local stack: a job created with the AWS SDK runs 4 benchmarks one after
 * the other; while it runs, the API shows its completed count rising, an ETA, the best so far and
 * the benchmarks finished so far, and once it ended the final progress. `irwatch watch` follows it
 * locally and, signed, through a stand-in for a deployed API that verifies SigV4 as API Gateway does.
 */

const NAME = 'live-progress-job';
const REGION = 'us-east-1';
let stack: LocalStack;
let dataDir: string;
let sagemaker: SageMakerClient;
let deployed: SignedApiStandIn;
const DEPLOYED_REGION = 'eu-west-1';
const CALLER = { accessKeyId: 'AKIDWATCHSIGNED01', secretAccessKey: 'watch-signed-secret' };
const signedEnv = (overrides: NodeJS.ProcessEnv = {}) => ({
  AWS_ACCESS_KEY_ID: CALLER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CALLER.secretAccessKey,
  AWS_REGION: DEPLOYED_REGION,
  ...overrides,
});

interface ApiProgress {
  total: number;
  completed: number;
  failed: number;
  running: number;
  pending: number;
  startedAt: string | null;
  eta: string | null;
  etaUnavailableReason: string | null;
  best: { lowestCostPerInference: { recommendationId: string; value: number } | null };
}
interface ApiJob {
  status: string;
  progress: ApiProgress | null;
}

const get = async <T>(path: string) => {
  const response = await fetch(`${stack.url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
};
const job = async () => (await get<{ job: ApiJob }>(`/jobs/${NAME}`)).body.job;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'irwatch-progress-'));
  stack = await startStack({ dataDir, port: 0, pollIntervalSeconds: 1 });
  sagemaker = localSageMaker(stack, REGION);
  deployed = await startSignedApiStandIn({
    target: stack.url,
    region: DEPLOYED_REGION,
    stage: 'prod',
    credentials: CALLER,
  });
  await createJob(NAME, '40');
}, 60_000);

afterAll(async () => {
  sagemaker?.destroy();
  await deployed?.close();
  await stack?.stop();
});

const createJob = (name: string, seconds: string, simulate?: string) =>
  createChurnJob(sagemaker, {
    name,
    account: HUB_ACCOUNT,
    tags: [
      { Key: SIMULATE_SECONDS_TAG, Value: seconds },
      ...(simulate ? [{ Key: SIMULATE_TAG, Value: simulate }] : []),
    ],
  });

const watch = (name: string) => runCli(['watch', name, '--interval', '1', '--data-dir', dataDir]);
const watchDeployed = (name: string, env: NodeJS.ProcessEnv) =>
  runCli(['watch', name, '--interval', '1', '--api-url', deployed.apiUrl], env);

describe('live progress of a running job', { timeout: 120_000 }, () => {
  it('shows rising completed counts, an ETA and the benchmarks so far before the job ends', async () => {
    const watching = watch(NAME);
    const watchingSigned = watchDeployed(NAME, signedEnv());
    const first = await eventually(
      async () => {
        const body = await job();
        const p = body.progress;
        return body.status === 'IN_PROGRESS' && p && p.completed >= 1 && p.eta ? body : undefined;
      },
      60_000,
      'a first finished benchmark and an ETA while the job runs',
    );
    const p1 = first.progress!;
    expect(p1.total).toBe(4);
    expect(p1.completed + p1.failed + p1.running + p1.pending).toBe(4);
    expect(p1.startedAt).not.toBeNull();
    expect(Date.parse(p1.eta!)).toBeGreaterThan(Date.parse(p1.startedAt!));
    expect(p1.best.lowestCostPerInference?.recommendationId).toMatch(/^benchmark-\d+$/);

    const { body: steps } = await get<{ benchmarks: Array<{ status: string }> }>(
      `/jobs/${NAME}/benchmarks?limit=100`,
    );
    expect(steps.benchmarks.filter((s) => s.status === 'COMPLETED').length).toBeGreaterThanOrEqual(
      p1.completed,
    );

    // A recommendations request says the job still runs and how far it is, instead of looking empty.
    const { body: recs } = await get<{
      recommendations: unknown[];
      runningJob: { status: string; note: string; progress: ApiProgress } | null;
    }>(`/jobs/${NAME}/recommendations`);
    expect(recs.recommendations).toEqual([]);
    expect(recs.runningJob?.status).toBe('IN_PROGRESS');
    expect(recs.runningJob?.note).toMatch(/IN_PROGRESS.*once it completes.*benchmarks finished/);
    expect(recs.runningJob?.progress.completed).toBeGreaterThanOrEqual(1);

    const later = await eventually(
      async () => {
        const body = await job();
        return body.status === 'IN_PROGRESS' && body.progress!.completed > p1.completed
          ? body
          : undefined;
      },
      60_000,
      'the completed count rising while the job runs',
    );
    expect(later.progress!.eta).not.toBeNull();

    const listed = await get<{ jobs: Array<ApiJob & { jobName: string }> }>(`/jobs?limit=50`);
    const inList = listed.body.jobs.find((j) => j.jobName === NAME);
    expect(inList?.progress?.total).toBe(4);

    const done = await eventually(
      async () => {
        const body = await job();
        return body.status === 'COMPLETED' ? body : undefined;
      },
      60_000,
      'the job COMPLETED',
    );
    expect(done.progress).toMatchObject({ total: 4, completed: 4, running: 0, pending: 0 });
    expect(done.progress!.eta).toBeNull();
    expect(done.progress!.etaUnavailableReason).toMatch(/no benchmark is left/);
    const { body: finalRecs } = await get<{ runningJob: unknown; recommendations: unknown[] }>(
      `/jobs/${NAME}/recommendations`,
    );
    expect(finalRecs.runningJob).toBeNull();
    expect(finalRecs.recommendations.length).toBeGreaterThan(0);

    // irwatch watch, not on a terminal: one plain line per change, rising, with an ETA, then the
    // summary and exit 0.
    expect(await watching.exited).toBe(0);
    const lines = watching.output().split('\n');
    const counts = lines
      .map((line) => /(\d+)\/4 benchmarks \((\d+) completed/.exec(line))
      .filter((m) => m !== null)
      .map((m) => Number(m[2]));
    expect(counts.length).toBeGreaterThan(1);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBeGreaterThan(counts[0]!);
    expect(lines.some((line) => /ETA \S+Z \(in /.test(line))).toBe(true);
    expect(watching.output()).not.toContain('\x1b[2K');
    expect(watching.output()).toMatch(
      /live-progress-job \(\d+, us-east-1\) COMPLETED\n {2}4 recommendation/,
    );

    // The same watch against the deployed API's stand-in: every read signed and accepted.
    expect(await watchingSigned.exited).toBe(0);
    expect(watchingSigned.output()).toMatch(/\d\/4 benchmarks \(\d+ completed.*ETA \S+Z/);
    expect(watchingSigned.output()).toMatch(
      /live-progress-job \(\d+, us-east-1\) COMPLETED\n {2}4 recommendation/,
    );
    const reads = deployed.received.filter((r) => r.path.startsWith(`/prod/jobs/${NAME}`));
    expect(reads.length).toBeGreaterThan(1);
    expect(reads.filter((r) => !r.accepted)).toEqual([]);
  });

  it.each([
    [
      'a wrong secret key',
      signedEnv({ AWS_SECRET_ACCESS_KEY: 'not-the-secret' }),
      /refused the signed request \(403: The request signature we calculated does not match/,
    ],
    [
      'another region than the API',
      signedEnv({ AWS_REGION: 'us-west-2' }),
      /refused the signed request \(403: Credential should be scoped to a valid region, not 'us-west-2'.*the region signed for, us-west-2 .*must be the API's$/,
    ],
    [
      'no AWS credentials',
      {
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      },
      /^irwatch: No AWS credentials found .*set AWS_PROFILE/,
    ],
  ])(
    'irwatch watch --api-url with %s exits 3 (not a job status) with one line saying why',
    async (_case, env, message) => {
      const before = deployed.received.filter((r) => r.accepted).length;
      const refused = watchDeployed(NAME, env);
      expect(await refused.exited).toBe(3);
      const lines = refused.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^irwatch: /);
      expect(lines[0]).toMatch(message);
      expect(deployed.received.filter((r) => r.accepted).length).toBe(before);
    },
  );

  it('irwatch watch exits 1 for a FAILED job and 2 for a STOPPED one', async () => {
    await createJob('watch-failed', '12', 'fail');
    await createJob('watch-stopped', '60');
    const failed = watch('watch-failed');
    const stopped = watch('watch-stopped');
    await stopped.waitFor(/watch-stopped IN_PROGRESS/, 30_000);
    await sagemaker.send(new StopInferenceRecommendationsJobCommand({ JobName: 'watch-stopped' }));
    expect(await failed.exited).toBe(1);
    expect(failed.output()).toMatch(/watch-failed \(\d+, us-east-1\) FAILED\n {2}reason: /);
    expect(await stopped.exited).toBe(2);
    expect(stopped.output()).toMatch(/watch-stopped \(\d+, us-east-1\) STOPPED/);
  });
});
