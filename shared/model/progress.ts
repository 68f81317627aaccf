import { createHash } from 'node:crypto';
import type { Best } from '../events.js';
import { bestOf } from './ranking.js';
import type { BenchmarkStep, JsonValue } from './types.js';

/**
 * How far a job's benchmarks are, computed from its steps as ListInferenceRecommendationsJobSteps
 * lists them while it runs (and once more when it ends).
 */
export interface Progress {
  total: number;
  completed: number;
  failed: number;
  running: number;
  pending: number;
  /** The earliest benchmark's InvocationStartTime: when benchmarking began; null before. */
  startedAt: string | null;
  /** When the benchmarks still to run should be done, or null (see etaUnavailableReason). */
  eta: string | null;
  /** Why there is no ETA: nothing finished yet to time, or nothing left to run. */
  etaUnavailableReason: string | null;
  /** Mean seconds of a finished benchmark (from its invocation start and end), or null. */
  meanBenchmarkSeconds: number | null;
  /** How many benchmarks run at once, as the ETA assumes it. */
  concurrency: number;
  /** The best finished benchmark so far per goal; `recommendationId` is `benchmark-<stepIndex>`. */
  best: Best;
  /** When SageMaker listed the steps this progress comes from (orders concurrent refreshes). */
  listedAt: string;
}

/** The counts that, when they change, make a Progress event. */
export const progressCounts = (p: Progress) => ({
  total: p.total,
  completed: p.completed,
  failed: p.failed,
  running: p.running,
  pending: p.pending,
});

export const sameCounts = (a: Progress | undefined, b: Progress) =>
  a !== undefined &&
  a.total === b.total &&
  a.completed === b.completed &&
  a.failed === b.failed &&
  a.running === b.running &&
  a.pending === b.pending;

const FINISHED = new Set(['COMPLETED', 'FAILED', 'STOPPED']);
const RUNNING = new Set(['IN_PROGRESS', 'STOPPING']);

const timeOf = (iso: string | null) => (iso === null ? undefined : Date.parse(iso));

/** MaxParallelOfTests of the job's ResourceLimit, when it set one. */
function parallelLimitOf(inputConfig: { [key: string]: JsonValue } | null | undefined) {
  const limit = inputConfig?.resourceLimit;
  if (limit === null || typeof limit !== 'object' || Array.isArray(limit)) return undefined;
  const value = limit.maxParallelOfTests;
  return typeof value === 'number' && value >= 1 ? value : undefined;
}

/**
 * Counts, start, ETA and best so far. The ETA assumes each benchmark still to run takes the mean
 * of those finished, `concurrency` at a time (the benchmarks running now, else the job's
 * MaxParallelOfTests, else one), and that a running one is as far along as its elapsed time says.
 */
export function computeProgress(
  steps: readonly BenchmarkStep[],
  now: Date,
  inputConfig?: { [key: string]: JsonValue } | null,
): Progress {
  const benchmarks = steps.filter((s) => s.stepType === null || s.stepType === 'BENCHMARK');
  const count = (test: (status: string) => boolean) =>
    benchmarks.filter((s) => s.status !== null && test(s.status)).length;
  const completed = count((s) => s === 'COMPLETED');
  const failed = count((s) => s === 'FAILED' || s === 'STOPPED');
  const running = count((s) => RUNNING.has(s));
  const pending = benchmarks.length - completed - failed - running;

  const starts = benchmarks
    .map((s) => timeOf(s.invocationStartTime))
    .filter((t): t is number => t !== undefined && Number.isFinite(t));
  const durations = benchmarks
    .filter((s) => s.status !== null && FINISHED.has(s.status))
    .map((s) => (timeOf(s.invocationEndTime) ?? NaN) - (timeOf(s.invocationStartTime) ?? NaN))
    .filter((d) => Number.isFinite(d) && d >= 0);
  const mean =
    durations.length > 0 ? durations.reduce((sum, d) => sum + d, 0) / durations.length : null;
  const concurrency = Math.max(1, running || parallelLimitOf(inputConfig) || 1);

  let eta: string | null = null;
  let reason: string | null = null;
  if (running + pending === 0) {
    reason = 'no benchmark is left to run';
  } else if (mean === null) {
    reason = 'no benchmark has finished yet, so none can be timed';
  } else {
    const elapsed = benchmarks
      .filter((s) => s.status !== null && RUNNING.has(s.status))
      .map((s) => now.getTime() - (timeOf(s.invocationStartTime) ?? now.getTime()));
    const runningLeft = elapsed.length
      ? Math.max(0, ...elapsed.map((e) => Math.max(0, mean - e)))
      : 0;
    const waves = Math.ceil(pending / concurrency);
    eta = new Date(now.getTime() + runningLeft + waves * mean).toISOString();
  }

  const finishedOk = benchmarks.filter((s) => s.status === 'COMPLETED');
  const best = bestOf(
    finishedOk.map((s) => ({
      recommendationId: `benchmark-${s.stepIndex}`,
      endpointType: s.endpointType,
      instanceType: s.instanceType,
      serverless: s.serverless,
      metrics: s.metrics,
    })),
  );
  return {
    total: benchmarks.length,
    completed,
    failed,
    running,
    pending,
    startedAt: starts.length ? new Date(Math.min(...starts)).toISOString() : null,
    eta,
    etaUnavailableReason: reason,
    meanBenchmarkSeconds: mean === null ? null : Math.round(mean / 100) / 10,
    concurrency,
    best,
    listedAt: now.toISOString(),
  };
}

/**
 * A short fingerprint of a step's content (its job's key left out: the record holding the
 * fingerprints names it): equal fingerprints, nothing to write.
 */
export function stepFingerprint(step: BenchmarkStep): string {
  const { jobName: _n, accountId: _a, region: _r, ...content } = step;
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 12);
}

/**
 * The steps whose fingerprint differs from the one stored (or that were never stored), and the
 * fingerprints after writing them, in step order.
 */
export function changedSteps(
  steps: readonly BenchmarkStep[],
  stored: readonly string[] | undefined,
): { changed: BenchmarkStep[]; fingerprints: string[] } {
  const fingerprints = steps.map(stepFingerprint);
  const changed = steps.filter((_, index) => fingerprints[index] !== stored?.[index]);
  return { changed, fingerprints };
}
