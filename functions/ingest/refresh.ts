import type { InferenceRecommendationsJobStep } from '@aws-sdk/client-sagemaker';
import type { JobKey } from '../../shared/accounts.js';
import type { StoredJob } from '../../shared/db/items.js';
import type { PutProgressResult } from '../../shared/db/progress-store.js';
import { jobKeyOf } from '../../shared/db/table.js';
import type { ProgressDetail } from '../../shared/events.js';
import { normalizeStep } from '../../shared/model/normalize.js';
import {
  changedSteps,
  computeProgress,
  progressCounts,
  sameCounts,
  type Progress,
} from '../../shared/model/progress.js';
import type { BenchmarkStep } from '../../shared/model/types.js';

export interface RefreshDeps {
  now(): Date;
  /** The stored job record (strongly consistent), or undefined. */
  getJob(job: JobKey): Promise<StoredJob | undefined>;
  /** Every page of the job's benchmark steps. */
  listSteps(job: JobKey): Promise<InferenceRecommendationsJobStep[]>;
  /** One conditional PutItem per step; returns how many were written. */
  putSteps(steps: readonly BenchmarkStep[], listedAt: string): Promise<number>;
  putProgress(
    job: JobKey,
    progress: Progress,
    fingerprints: readonly string[],
    announce: boolean,
  ): Promise<PutProgressResult>;
  markProgressPublished(job: JobKey, version: number): Promise<void>;
  publishProgress(detail: ProgressDetail): Promise<void>;
}

const RUNNING_STATUSES = new Set(['PENDING', 'IN_PROGRESS', 'STOPPING']);

export type RefreshOutcome =
  | { outcome: 'refreshed'; stepsWritten: number; published: boolean; progress: Progress }
  /** Nothing changed since the last refresh: no write at all. */
  | { outcome: 'unchanged'; published: boolean }
  /** The job is not stored, or no longer runs (its final ingest stores the final progress). */
  | { outcome: 'not-running'; status: string | undefined }
  /** A later listing or the job's end got there first. */
  | { outcome: 'stale'; stepsWritten: number };

export function progressDetail(
  job: StoredJob,
  progress: Progress,
  version: number,
): ProgressDetail {
  return {
    jobName: job.jobName,
    accountId: job.accountId,
    region: job.region,
    jobArn: job.jobArn,
    status: job.status,
    ...progressCounts(progress),
    startedAt: progress.startedAt,
    eta: progress.eta,
    etaUnavailableReason: progress.etaUnavailableReason,
    best: progress.best,
    version,
  };
}

/** The Progress event of a stored version the bus has not accepted yet (an earlier try failed). */
async function publishPending(job: StoredJob, deps: RefreshDeps): Promise<boolean> {
  const version = job.progressVersion;
  if (!job.progress || version === undefined || version === job.publishedProgressVersion) {
    return false;
  }
  await deps.publishProgress(progressDetail(job, job.progress, version));
  await deps.markProgressPublished(jobKeyOf(job), version);
  return true;
}

/**
 * Reads a running job's steps again and stores what changed: only the steps whose fingerprint
 * differs, and the job's progress when anything did. One steps listing (all its pages), one
 * GetItem, and writes only for changes; a Progress event when the counts moved.
 */
export async function refreshProgress(key: JobKey, deps: RefreshDeps): Promise<RefreshOutcome> {
  const stored = await deps.getJob(key);
  if (!stored || !RUNNING_STATUSES.has(stored.status)) {
    return { outcome: 'not-running', status: stored?.status };
  }
  const listedAt = deps.now();
  const steps = (await deps.listSteps(key)).map((step, index) => normalizeStep(key, step, index));
  const { changed, fingerprints } = changedSteps(steps, stored.stepFingerprints);
  const progress = computeProgress(steps, listedAt, stored.inputConfig);
  // A state change stores the job without its steps (benchmarkCount 0): that is a change too.
  const countsStored =
    stored.benchmarkCount === progress.total && stored.failedBenchmarkCount === progress.failed;
  if (changed.length === 0 && sameCounts(stored.progress, progress) && countsStored) {
    return { outcome: 'unchanged', published: await publishPending(stored, deps) };
  }
  const stepsWritten = await deps.putSteps(changed, progress.listedAt);
  // Only a step's details changed (not the counts): stored, not announced.
  const countsMoved = !sameCounts(stored.progress, progress);
  const result = await deps.putProgress(key, progress, fingerprints, countsMoved);
  if (!result.changed) return { outcome: 'stale', stepsWritten };
  const published = countsMoved ? await publishPending(result.job, deps) : false;
  return { outcome: 'refreshed', stepsWritten, published, progress };
}
