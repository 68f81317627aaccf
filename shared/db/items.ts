import type { JobStatus } from '../events.js';
import type { BenchmarkStep, EndpointPerformance, Job, Recommendation } from '../model/types.js';
import { fitItem, truncateText } from './item-size.js';
import { keys, layout } from './table.js';

/** Stored beside the normalized job: bookkeeping of the ingest and notify functions. */
export interface JobBookkeeping {
  entity: 'job';
  statusRank: number;
  /** Bumped on every real change; the Recorded event carries it. */
  version: number;
  /** The version whose Recorded event the bus accepted. */
  publishedVersion?: number;
  previousStatus: JobStatus | null;
  recordedAt: string;
  /** Set when SageMaker answered ResourceNotFound for the job. */
  notFound?: boolean;
  notFoundAt?: string;
}

export type StoredJob = Job & JobBookkeeping;

/**
 * States only move forward: a stored job is replaced by a description that is newer, or as new
 * and further along (IN_PROGRESS after PENDING within the same second).
 */
export const STATUS_RANK: Record<JobStatus, number> = {
  PENDING: 0,
  IN_PROGRESS: 1,
  STOPPING: 2,
  COMPLETED: 3,
  FAILED: 3,
  STOPPED: 3,
  DELETING: 4,
  DELETED: 5,
};

const keyAttributeNames = new Set([
  layout.primary.pk,
  layout.primary.sk,
  layout.byStatus.pk,
  layout.byStatus.sk,
  layout.byModel.pk,
  layout.byModel.sk,
]);

/** The stored item without its key attributes. */
export function fromItem<T>(item: Record<string, unknown>): T {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (!keyAttributeNames.has(name)) result[name] = value;
  }
  return result as T;
}

export const modelKeyOf = (job: Pick<Job, 'modelName' | 'modelPackageVersionArn'>) =>
  job.modelName ?? job.modelPackageVersionArn;

export function recommendationItem(rec: Recommendation): Record<string, unknown> {
  const fitted = fitItem(rec, [
    [
      'environmentParameters',
      (r) => ({ ...r, environmentParameters: r.environmentParameters.slice(0, 20) }),
    ],
    ['environmentParameters', (r) => ({ ...r, environmentParameters: [] })],
  ]);
  return {
    ...keys.recommendation(rec.jobName, rec.recommendationId),
    entity: 'recommendation',
    ...fitted,
  };
}

export function stepItem(step: BenchmarkStep): Record<string, unknown> {
  const fitted = fitItem(step, [
    ['failureReason', (s) => ({ ...s, failureReason: truncateText(s.failureReason) })],
    ['environmentParameters', (s) => ({ ...s, environmentParameters: [] })],
  ]);
  return { ...keys.step(step.jobName, step.stepIndex), entity: 'step', ...fitted };
}

export function performanceItem(performance: EndpointPerformance): Record<string, unknown> {
  return {
    ...keys.performance(performance.jobName, performance.endpointName),
    entity: 'performance',
    ...performance,
  };
}

/** The job's normalized attributes, cut to fit an item if SageMaker's InputConfig is huge. */
export function fitJob(job: Job): Job {
  return fitItem(job, [
    ['failureReason', (j) => ({ ...j, failureReason: truncateText(j.failureReason) })],
    ['jobDescription', (j) => ({ ...j, jobDescription: truncateText(j.jobDescription) })],
    [
      'inputConfig.endpointConfigurations',
      (j) => ({
        ...j,
        inputConfig: j.inputConfig && { ...j.inputConfig, endpointConfigurations: null },
      }),
    ],
    ['inputConfig', (j) => ({ ...j, inputConfig: null })],
  ]);
}
