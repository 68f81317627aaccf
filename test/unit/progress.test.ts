import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceRecommendationsJobStep } from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { isDue } from '../../functions/detect/refresh-schedule.js';
import {
  PROGRESS_DETAIL_SCHEMA_PATH,
  renderProgressDetailJsonSchema,
} from '../../functions/ingest/progress-detail-schema.js';
import { refreshProgress, type RefreshDeps } from '../../functions/ingest/refresh.js';
import type { StoredJob } from '../../shared/db/items.js';
import { progressDetailSchema, type ProgressDetail } from '../../shared/events.js';
import { normalizeStep } from '../../shared/model/normalize.js';
import { computeProgress, type Progress } from '../../shared/model/progress.js';
import type { BenchmarkStep } from '../../shared/model/types.js';
import { jobKey, repoRoot } from '../support/fixtures.js';

const KEY = jobKey('progress-job');
const T0 = Date.parse('2026-11-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** A benchmark as SageMaker lists it: finished ones with their times and metrics. */
function step(
  status: string,
  startS?: number,
  endS?: number,
  cost = 0.001,
  instanceType = 'ml.c5.xlarge',
): InferenceRecommendationsJobStep {
  return {
    StepType: 'BENCHMARK',
    JobName: KEY.jobName,
    Status: status as InferenceRecommendationsJobStep['Status'],
    InferenceBenchmark: {
      ModelConfiguration: {},
      EndpointConfiguration: {
        EndpointName: 'sm-epc-test',
        VariantName: 'sm-epv-test',
        InstanceType: instanceType as never,
      },
      ...(status === 'COMPLETED'
        ? {
            Metrics: {
              CostPerInference: cost,
              CostPerHour: 1,
              MaxInvocations: 100,
              ModelLatency: 10,
            },
          }
        : {}),
      ...(startS === undefined ? {} : { InvocationStartTime: at(startS) }),
      ...(endS === undefined ? {} : { InvocationEndTime: at(endS) }),
    },
  };
}
const normalized = (steps: InferenceRecommendationsJobStep[]): BenchmarkStep[] =>
  steps.map((s, i) => normalizeStep(KEY, s, i));

describe('computeProgress', () => {
  it('counts the benchmarks and says why there is no ETA before one finished', () => {
    const p = computeProgress(normalized([step('IN_PROGRESS', 0), step('PENDING')]), at(30));
    expect(p).toMatchObject({ total: 2, completed: 0, running: 1, pending: 1, failed: 0 });
    expect(p.startedAt).toBe(at(0).toISOString());
    expect(p.eta).toBeNull();
    expect(p.etaUnavailableReason).toMatch(/no benchmark has finished/);
  });

  it('estimates the end from the mean duration, what the running one has left and the waves to come', () => {
    // Two finished in 100 s and 200 s (mean 150 s); one running for 50 s (100 s left); four pending,
    // one at a time: 100 + 4 × 150 = 700 s from now.
    const steps = normalized([
      step('COMPLETED', 0, 100, 0.002, 'ml.c5.xlarge'),
      step('FAILED', 100, 300),
      step('IN_PROGRESS', 300),
      ...Array.from({ length: 4 }, () => step('PENDING')),
    ]);
    const p = computeProgress(steps, at(350));
    expect(p).toMatchObject({ total: 7, completed: 1, failed: 1, running: 1, pending: 4 });
    expect(p.meanBenchmarkSeconds).toBe(150);
    expect(p.eta).toBe(at(350 + 100 + 4 * 150).toISOString());
    expect(p.best.lowestCostPerInference).toMatchObject({
      recommendationId: 'benchmark-0',
      instanceType: 'ml.c5.xlarge',
      value: 0.002,
    });
  });

  it('runs pending benchmarks MaxParallelOfTests at a time when none runs now', () => {
    const steps = normalized([
      step('COMPLETED', 0, 100),
      ...Array.from({ length: 4 }, () => step('PENDING')),
    ]);
    const p = computeProgress(steps, at(100), { resourceLimit: { maxParallelOfTests: 2 } });
    expect(p.concurrency).toBe(2);
    expect(p.eta).toBe(at(100 + 2 * 100).toISOString());
  });

  it('has no ETA once nothing is left to run', () => {
    const p = computeProgress(normalized([step('COMPLETED', 0, 10)]), at(20));
    expect(p.eta).toBeNull();
    expect(p.etaUnavailableReason).toMatch(/no benchmark is left/);
  });
});

/** An in-memory table and bus behind RefreshDeps, counting what a refresh costs. */
function world(listing: () => InferenceRecommendationsJobStep[]) {
  const stored: StoredJob = {
    ...KEY,
    jobArn: `arn:aws:sagemaker:${KEY.region}:${KEY.accountId}:inference-recommendations-job/${KEY.jobName}`,
    status: 'IN_PROGRESS',
    inputConfig: null,
  } as unknown as StoredJob;
  const state = {
    job: stored,
    steps: new Map<number, BenchmarkStep>(),
    events: [] as ProgressDetail[],
    listings: 0,
    stepWrites: 0,
    jobWrites: 0,
    failPublish: false,
    clock: 0,
  };
  const deps: RefreshDeps = {
    now: () => at((state.clock += 10)),
    getJob: async () => structuredClone(state.job),
    listSteps: async () => {
      state.listings += 1;
      return listing();
    },
    putSteps: async (steps) => {
      for (const s of steps) state.steps.set(s.stepIndex, s);
      state.stepWrites += steps.length;
      return steps.length;
    },
    putProgress: async (_key, progress: Progress, fingerprints, announce) => {
      const job = state.job;
      if (!['PENDING', 'IN_PROGRESS', 'STOPPING'].includes(job.status)) return { changed: false };
      if (job.progress && job.progress.listedAt >= progress.listedAt) return { changed: false };
      state.jobWrites += 1;
      const version = (job.progressVersion ?? 0) + 1;
      state.job = {
        ...job,
        progress,
        benchmarkCount: progress.total,
        failedBenchmarkCount: progress.failed,
        stepFingerprints: [...fingerprints],
        progressVersion: version,
        ...(announce ? {} : { publishedProgressVersion: version }),
      };
      return { changed: true, job: structuredClone(state.job) };
    },
    markProgressPublished: async (_key, version) => {
      state.job = { ...state.job, publishedProgressVersion: version };
    },
    publishProgress: async (detail) => {
      if (state.failPublish) throw new Error('bus down');
      state.events.push(detail);
    },
  };
  return { deps, state };
}

describe('refreshProgress', () => {
  it('writes only the steps that changed, and nothing when nothing did', async () => {
    let steps = [step('IN_PROGRESS', 0), step('PENDING'), step('PENDING')];
    const { deps, state } = world(() => steps);

    const first = await refreshProgress(KEY, deps);
    expect(first).toMatchObject({ outcome: 'refreshed', stepsWritten: 3, published: true });
    expect(state.events.map((e) => [e.completed, e.running, e.pending, e.version])).toEqual([
      [0, 1, 2, 1],
    ]);

    // The same listing again: one listing, no write, no event.
    expect(await refreshProgress(KEY, deps)).toEqual({ outcome: 'unchanged', published: false });
    expect([state.listings, state.stepWrites, state.jobWrites, state.events.length]).toEqual([
      2, 3, 1, 1,
    ]);

    // The first benchmark finished, the second started: two step writes, one event.
    steps = [step('COMPLETED', 0, 100), step('IN_PROGRESS', 100), step('PENDING')];
    const third = await refreshProgress(KEY, deps);
    expect(third).toMatchObject({ outcome: 'refreshed', stepsWritten: 2, published: true });
    expect(state.events.at(-1)).toMatchObject({ completed: 1, running: 1, pending: 1, version: 2 });
    expect(state.events.at(-1)!.eta).not.toBeNull();
    expect(state.steps.get(0)?.status).toBe('COMPLETED');
  });

  it('puts back the counts a later state change stored without steps', async () => {
    const { deps, state } = world(() => [step('COMPLETED', 0, 100), step('IN_PROGRESS', 100)]);
    await refreshProgress(KEY, deps);
    expect(state.job.benchmarkCount).toBe(2);
    // IN_PROGRESS -> STOPPING: ingest stores the job as Describe shows it, without its steps.
    state.job = { ...state.job, status: 'STOPPING', benchmarkCount: 0 };
    expect(await refreshProgress(KEY, deps)).toMatchObject({
      outcome: 'refreshed',
      stepsWritten: 0,
    });
    expect(state.job.benchmarkCount).toBe(2);
    expect(state.events).toHaveLength(1);
  });

  it('resends the Progress event a failed try stored but never put', async () => {
    let steps = [step('PENDING')];
    const { deps, state } = world(() => steps);
    await refreshProgress(KEY, deps);
    steps = [step('IN_PROGRESS', 0)];
    state.failPublish = true;
    await expect(refreshProgress(KEY, deps)).rejects.toThrow('bus down');
    state.failPublish = false;
    // The retry lists the same steps: nothing to write, but the event of version 2 goes out once.
    expect(await refreshProgress(KEY, deps)).toEqual({ outcome: 'unchanged', published: true });
    expect(await refreshProgress(KEY, deps)).toEqual({ outcome: 'unchanged', published: false });
    expect(state.events.map((e) => e.version)).toEqual([1, 2]);
  });

  it('leaves an ended job to its final ingest, without listing its steps', async () => {
    const { deps, state } = world(() => [step('COMPLETED', 0, 1)]);
    state.job = { ...state.job, status: 'COMPLETED' };
    expect(await refreshProgress(KEY, deps)).toEqual({
      outcome: 'not-running',
      status: 'COMPLETED',
    });
    expect(state.listings).toBe(0);
  });
});

describe('isDue', () => {
  it('refreshes each running job exactly once per interval, whatever the poll times', () => {
    const interval = 300_000;
    const polls = [
      0, 61_000, 119_500, 180_000, 260_000, 300_000, 420_000, 599_999, 600_000, 900_000,
    ];
    for (const name of ['a', 'b', 'c', 'job-with-a-longer-name']) {
      const job = jobKey(name);
      let refreshes = 0;
      for (let i = 1; i < polls.length; i += 1) {
        if (isDue(job, T0 + polls[i - 1]!, T0 + polls[i]!, interval)) refreshes += 1;
      }
      // (0, 900 s] holds three boundaries of each job's schedule.
      expect(refreshes, name).toBe(3);
    }
  });
});

describe('the Progress event', () => {
  it('commits the JSON Schema of the Progress detail exactly as the zod schema generates it', () => {
    const committed = readFileSync(join(repoRoot, PROGRESS_DETAIL_SCHEMA_PATH), 'utf8');
    // On failure, regenerate: npx tsx functions/ingest/progress-detail-schema.ts
    expect(committed).toBe(renderProgressDetailJsonSchema());
  });

  it('builds details the schema accepts', async () => {
    const { deps, state } = world(() => [step('COMPLETED', 0, 100), step('PENDING')]);
    await refreshProgress(KEY, deps);
    expect(state.events).toHaveLength(1);
    expect(progressDetailSchema.safeParse(state.events[0]).error).toBeUndefined();
  });
});
