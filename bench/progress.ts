import './quiet.js';
import { createdJob } from '../local/aws/sagemaker/recommender-job.js';
import type { SimulatedJob } from '../local/aws/sagemaker/sagemaker-simulator.js';
import type { StateChangeDetail } from '../shared/events.js';
import { emitRefreshes } from '../functions/detect/refresh-schedule.js';
import { emitSection, type Cell } from './report.js';
import { ratio } from './stats.js';
import {
  ACCOUNT,
  lambdaContext,
  REGION,
  startBenchWorld,
  stateChangeEvent,
  type BenchWorld,
} from './world.js';

/**
 * The cost of refreshing running jobs' progress, at 1, 100 and 1,000 running jobs: one round of
 * detect's refresh (which jobs are due, one event each) and ingest's refresh of each job, counted
 * by the simulator (SageMaker calls) and a proxy in front of dynalite (DynamoDB requests), against
 * the minimum: one steps listing per job and a write per changed step (and the job's progress).
 */

const RUNNING_JOBS = [1, 100, 1_000] as const;
const T0 = Date.parse('2026-09-01T00:00:00Z');
const DURATION_MS = 3_600_000;
type Handler = (event: unknown, context: unknown) => Promise<unknown>;

interface RoundCost {
  refreshed: number;
  detectQueries: number;
  putEvents: number;
  stepListings: number;
  dynamoReads: number;
  stepWrites: number;
  jobWrites: number;
  otherWrites: number;
}

async function refreshRound(
  world: BenchWorld,
  ingest: Handler,
  intervalMs: number,
): Promise<RoundCost> {
  const { createDetectDeps } = await import('../functions/detect/deps.js');
  const real = createDetectDeps({ refreshIntervalMs: intervalMs }).refresh!;
  const due: StateChangeDetail[] = [];
  const proxy = world.proxy!;
  proxy.reset();
  const sageMakerBefore = world.simulator.calls.length;
  const report = await emitRefreshes({
    ...real,
    readRefreshMark: async () => null,
    writeRefreshMark: async () => undefined,
    async publishRefreshes(details) {
      due.push(...details);
      return real.publishRefreshes(details);
    },
  });
  const detectQueries = proxy.count('Query');
  proxy.reset();
  for (const detail of due) {
    await ingest(stateChangeEvent({ ...detail }), lambdaContext('ingest'));
  }
  const listings = world.simulator.calls
    .slice(sageMakerBefore)
    .filter((call) => call.operation === 'ListInferenceRecommendationsJobSteps').length;
  return {
    refreshed: report.refreshed,
    detectQueries,
    putEvents: report.calls.putEvents,
    stepListings: listings,
    dynamoReads: proxy.count('GetItem'),
    stepWrites: proxy.count('PutItem'),
    jobWrites: proxy.count('UpdateItem'),
    otherWrites: proxy.count('BatchWriteItem'),
  };
}

/** A benchmark's state at a time, as the simulator lists a running job's steps. */
function stateAt(step: Record<string, unknown>, at: number): string {
  const benchmark = (step.InferenceBenchmark ?? {}) as Record<string, unknown>;
  const start = Number(benchmark.InvocationStartTime) * 1000;
  const end = Number(benchmark.InvocationEndTime) * 1000;
  if (end <= at) return String(step.Status);
  return start <= at ? 'IN_PROGRESS' : 'PENDING';
}

const changedSteps = (job: SimulatedJob, from: number, to: number) =>
  (job.steps ?? []).filter((step) => stateAt(step, from) !== stateAt(step, to)).length;

async function measure(): Promise<Cell[][]> {
  let clock = T0 + DURATION_MS / 2;
  const world = await startBenchWorld({ now: () => clock, countDynamoDb: true });
  const rows: Cell[][] = [];
  try {
    const ingest = (await import('../functions/ingest/handler.js')).handler as unknown as Handler;
    let seeded = 0;
    const all: SimulatedJob[] = [];
    for (const count of RUNNING_JOBS) {
      // Running jobs of 12 benchmarks, one after the other over an hour, half-way through now
      // (time only moves forward: the jobs of the sizes before run on).
      const jobs: string[] = [];
      for (let i = 0; i < count; i += 1) jobs.push(`bench-progress-${count}-${i}`);
      for (const jobName of jobs) {
        const job = createdJob(
          {
            JobName: jobName,
            JobType: 'Default',
            RoleArn: `arn:aws:iam::${ACCOUNT}:role/SageMakerInferenceRecommender`,
            InputConfig: { ModelName: 'bench-model' },
          },
          {
            jobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:inference-recommendations-job/${jobName}`,
            createdAt: clock - DURATION_MS / 2,
            durationMs: DURATION_MS,
          },
        );
        world.simulator.addJob(job);
        all.push(job);
      }
      // IN_PROGRESS: ingesting the state change stores each job and its first progress.
      for (const jobName of jobs) {
        await ingest(
          stateChangeEvent({ jobName, status: 'IN_PROGRESS', previousStatus: 'PENDING' }),
          lambdaContext('ingest'),
        );
      }
      seeded += count;
      const steps = 12;
      // Nothing changed since: a refresh lists and writes nothing.
      const before = clock;
      const unchanged = await refreshRound(world, ingest, DURATION_MS);
      // One benchmark's time later: one finished and the next started, in every job.
      clock += (DURATION_MS * 0.9) / steps;
      const moved = await refreshRound(world, ingest, DURATION_MS);
      for (const [label, cost, from, to] of [
        ['no step changed', unchanged, before, before],
        ['one benchmark’s time passed', moved, before, clock],
      ] as const) {
        // Every stored running job is due once per interval; earlier sizes' jobs run too.
        const jobsRefreshed = cost.refreshed;
        // The steps whose state changed, from the simulated jobs' own times, and a job record
        // write for each job with any.
        const changed = all.map((job) => changedSteps(job, from, to));
        const minimumWrites =
          changed.reduce((sum, n) => sum + n, 0) + changed.filter((n) => n > 0).length;
        const writes = cost.stepWrites + cost.jobWrites + cost.otherWrites;
        rows.push([
          count,
          seeded,
          label,
          jobsRefreshed,
          cost.detectQueries,
          cost.putEvents,
          cost.stepListings,
          ratio(cost.stepListings, jobsRefreshed),
          cost.dynamoReads,
          `${cost.stepWrites} + ${cost.jobWrites}`,
          minimumWrites,
          minimumWrites === 0
            ? writes === 0
              ? '= minimum'
              : `${writes} over 0`
            : ratio(writes, minimumWrites),
        ]);
      }
    }
    return rows;
  } finally {
    await world.close();
  }
}

export async function runProgress(): Promise<void> {
  const rows = await measure();
  emitSection({
    section: 'progress',
    tables: [
      {
        title:
          'progress: cost of one refresh round of running jobs (detect picks the due jobs, ingest re-lists each one’s steps)',
        columns: [
          'jobs added',
          'running jobs stored',
          'what changed per job',
          'jobs refreshed',
          'detect Query calls',
          'detect PutEvents calls',
          'SageMaker step listings',
          'listings ÷ minimum (1 a job)',
          'ingest GetItem',
          'writes: steps + job',
          'minimum writes (changed steps + job record)',
          'writes ÷ minimum',
        ],
        rows,
        notes: [
          '- Jobs of 12 benchmarks (one steps page each) created with the SageMaker simulator, half done; a round with every stored running job due (the first of an interval). Counted by the simulator and by a proxy in front of dynalite.',
          '- detect: one Query per running status (PENDING, IN_PROGRESS, STOPPING) per 1 MB of the status index, and PutEvents 10 events a call. ingest, per job: one GetItem of the job record, one steps listing (pages of 100), a conditional PutItem per changed step and one UpdateItem of the job when anything changed, and when the counts moved a second UpdateItem that marks the Progress event as put (so a failed PutEvents is resent by the retry, never lost): the 1.33× over the minimum.',
        ],
      },
    ],
    data: rows,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runProgress();
