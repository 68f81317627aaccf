import type { z } from 'zod';
import { fromItem, type StoredJob } from '../../shared/db/items.js';
import type {
  BenchmarkStep,
  EndpointPerformance,
  Recommendation,
} from '../../shared/model/types.js';
import type { Progress } from '../../shared/model/progress.js';
import type { progressSchema, runningJobSchema } from './progress-schema.js';
import type { Item } from './reader.js';
import type { jobSchema, jobSummarySchema } from './responses.js';

/**
 * Stored items hold bookkeeping besides the normalized shapes (`entity`, `statusRank`,
 * `version`, `publishedVersion`, `recordedAt`, `notFound`...). Responses name their fields one by
 * one, so nothing stored for irwatch's own use leaks into the API.
 */

export type JobSummary = z.infer<typeof jobSummarySchema>;
export type JobView = z.infer<typeof jobSchema>;

export const isStoredJob = (item: Item | undefined): item is Item =>
  item !== undefined && item.entity === 'job' && typeof item.status === 'string';

/** Field by field, like every view: nothing stored beside it leaks. */
const progressView = (progress: Progress | undefined): z.infer<typeof progressSchema> =>
  progress
    ? {
        total: progress.total,
        completed: progress.completed,
        failed: progress.failed,
        running: progress.running,
        pending: progress.pending,
        startedAt: progress.startedAt,
        eta: progress.eta,
        etaUnavailableReason: progress.etaUnavailableReason,
        meanBenchmarkSeconds: progress.meanBenchmarkSeconds,
        concurrency: progress.concurrency,
        best: progress.best,
        listedAt: progress.listedAt,
      }
    : null;

const RUNNING = new Set(['PENDING', 'IN_PROGRESS', 'STOPPING']);

/** For a job that still runs: why it has no recommendations yet, and how far it is. */
export function runningJobView(item: Item): z.infer<typeof runningJobSchema> {
  const job = fromItem<StoredJob>(item);
  if (!RUNNING.has(job.status)) return null;
  const p = job.progress;
  const sofar = p
    ? ` So far ${p.completed} of ${p.total} benchmarks finished${p.failed ? ` and ${p.failed} failed` : ''}${p.eta ? `; expected done by ${p.eta}` : ''}.`
    : '';
  return {
    status: job.status as 'PENDING' | 'IN_PROGRESS' | 'STOPPING',
    note: `The job is ${job.status}: SageMaker gives its recommendations once it completes.${sofar}`,
    progress: progressView(p),
  };
}

export function jobSummaryView(item: Item): JobSummary {
  const job = fromItem<StoredJob>(item);
  return {
    jobName: job.jobName,
    accountId: job.accountId,
    region: job.region,
    jobArn: job.jobArn,
    jobType: job.jobType,
    jobDescription: job.jobDescription,
    status: job.status,
    creationTime: job.creationTime,
    completionTime: job.completionTime,
    lastModifiedTime: job.lastModifiedTime,
    failureReason: job.failureReason,
    modelName: job.modelName,
    modelPackageVersionArn: job.modelPackageVersionArn,
    recommendationCount: job.recommendationCount,
    benchmarkCount: job.benchmarkCount,
    failedBenchmarkCount: job.failedBenchmarkCount,
    endpointPerformanceCount: job.endpointPerformanceCount,
    best: job.best,
    progress: progressView(job.progress),
  };
}

export function jobView(item: Item): JobView {
  const job = fromItem<StoredJob>(item);
  return {
    ...jobSummaryView(item),
    roleArn: job.roleArn,
    inputConfig: job.inputConfig,
    stoppingConditions: job.stoppingConditions,
    ...(job.trimmed ? { trimmed: job.trimmed } : {}),
  };
}

export function recommendationView(item: Item): Recommendation {
  const rec = fromItem<Recommendation>(item);
  return {
    recommendationId: rec.recommendationId,
    recommendationIdDerived: rec.recommendationIdDerived,
    jobName: rec.jobName,
    accountId: rec.accountId,
    region: rec.region,
    endpointType: rec.endpointType,
    instanceType: rec.instanceType,
    initialInstanceCount: rec.initialInstanceCount,
    serverless: rec.serverless,
    metrics: rec.metrics,
    derived: rec.derived,
    environmentParameters: rec.environmentParameters,
    modelConfiguration: rec.modelConfiguration,
    endpointName: rec.endpointName,
    variantName: rec.variantName,
    invocationStartTime: rec.invocationStartTime,
    invocationEndTime: rec.invocationEndTime,
    ...(rec.trimmed ? { trimmed: rec.trimmed } : {}),
  };
}

export function benchmarkStepView(item: Item): BenchmarkStep {
  const step = fromItem<BenchmarkStep>(item);
  return {
    jobName: step.jobName,
    accountId: step.accountId,
    region: step.region,
    stepIndex: step.stepIndex,
    stepType: step.stepType,
    status: step.status,
    failureReason: step.failureReason,
    endpointType: step.endpointType,
    endpointName: step.endpointName,
    variantName: step.variantName,
    instanceType: step.instanceType,
    initialInstanceCount: step.initialInstanceCount,
    serverless: step.serverless,
    metrics: step.metrics,
    endpointMetrics: step.endpointMetrics,
    environmentParameters: step.environmentParameters,
    modelConfiguration: step.modelConfiguration,
    invocationStartTime: step.invocationStartTime,
    invocationEndTime: step.invocationEndTime,
    ...(step.trimmed ? { trimmed: step.trimmed } : {}),
  };
}

export function endpointPerformanceView(item: Item): EndpointPerformance {
  const performance = fromItem<EndpointPerformance>(item);
  return {
    jobName: performance.jobName,
    accountId: performance.accountId,
    region: performance.region,
    endpointName: performance.endpointName,
    maxInvocations: performance.maxInvocations,
    modelLatency: performance.modelLatency,
  };
}
