import type { DescribeInferenceRecommendationsJobResponse } from '@aws-sdk/client-sagemaker';
import type { JobKey } from '../../shared/accounts.js';
import { jobKeyOf } from '../../shared/db/table.js';
import { isTerminal, type RecordedDetail, type StateChangeDetail } from '../../shared/events.js';
import type { StoredJob } from '../../shared/db/items.js';
import type { PutJobResult } from '../../shared/db/job-store.js';
import { normalizeJob } from '../../shared/model/normalize.js';
import { changedSteps, computeProgress } from '../../shared/model/progress.js';
import type {
  EndpointPerformance,
  ExistingEndpoint,
  Job,
  JobSnapshot,
} from '../../shared/model/types.js';
import { refreshProgress, type RefreshDeps, type RefreshOutcome } from './refresh.js';

export interface IngestDeps extends RefreshDeps {
  /** The job's description, or undefined when SageMaker answers ResourceNotFound. */
  describeJob(job: JobKey): Promise<DescribeInferenceRecommendationsJobResponse | undefined>;
  /** Recommendations, steps, performances and their summary: BatchWriteItem, 25 a call. */
  putChildren(snapshot: JobSnapshot): Promise<void>;
  putJob(job: Job): Promise<PutJobResult>;
  /** The job's entry in its model's item (model-store.ts): order-safe, so sent on every try. */
  putModelEntry(snapshot: JobSnapshot): Promise<void>;
  /**
   * An endpoint the job benchmarked, as SageMaker describes it now (DescribeEndpoint, then
   * DescribeEndpointConfig); found: false when it no longer exists.
   */
  describeExistingEndpoint(
    job: JobKey,
    performance: Pick<EndpointPerformance, 'endpointName' | 'maxInvocations' | 'modelLatency'>,
  ): Promise<ExistingEndpoint>;
  markPublished(job: JobKey, version: number): Promise<void>;
  markNotFound(job: JobKey): Promise<void>;
  publishRecorded(detail: RecordedDetail): Promise<void>;
}

export type IngestOutcome =
  | { outcome: 'recorded'; detail: RecordedDetail }
  /** The stored state was already this new; the Recorded event of an earlier try is resent. */
  | { outcome: 'republished'; detail: RecordedDetail }
  | { outcome: 'unchanged'; status: string | undefined }
  | { outcome: 'not-found' }
  /** A running job's steps read again (detectedBy `refresh`). */
  | { outcome: 'refresh'; refresh: RefreshOutcome };

export function recordedDetail(job: StoredJob): RecordedDetail {
  return {
    jobName: job.jobName,
    accountId: job.accountId,
    region: job.region,
    jobArn: job.jobArn,
    jobType: job.jobType,
    status: job.status,
    previousStatus: job.previousStatus ?? null,
    modelName: job.modelName,
    modelPackageVersionArn: job.modelPackageVersionArn,
    creationTime: job.creationTime,
    completionTime: job.completionTime,
    failureReason: job.failureReason,
    recommendationCount: job.recommendationCount,
    failedBenchmarkCount: job.failedBenchmarkCount,
    best: job.best,
    version: job.version,
  };
}

/**
 * Describes the job named by a state-change event and stores what SageMaker says now. The event
 * only says "look": Describe is the truth, so duplicated and reordered events converge on the
 * newest description, and the conditional job write keeps a stored job from moving backwards.
 */
export async function ingestStateChange(
  event: StateChangeDetail,
  deps: IngestDeps,
): Promise<IngestOutcome> {
  const key = jobKeyOf(event);
  if (event.detectedBy === 'refresh') {
    return { outcome: 'refresh', refresh: await refreshProgress(key, deps) };
  }
  const response = await deps.describeJob(key);
  if (!response) {
    await deps.markNotFound(key);
    return { outcome: 'not-found' };
  }
  const finished = typeof response.Status === 'string' && isTerminal(response.Status);
  const steps = finished ? await deps.listSteps(key) : [];
  const snapshot = normalizeJob(response, steps, { ...key, status: event.status });
  if (finished) {
    // The final progress, from the final steps: what the job's progress bar ends on.
    snapshot.job.progress = computeProgress(snapshot.steps, deps.now(), snapshot.job.inputConfig);
    snapshot.job.stepFingerprints = changedSteps(snapshot.steps, undefined).fingerprints;
    // The plan prices the endpoints the job benchmarked against its recommendations. Their
    // configuration is read once, when the job ends: an endpoint deleted since stays unknown.
    if (snapshot.performances.length > 0) {
      snapshot.job.existingEndpoints = await Promise.all(
        snapshot.performances.map((performance) => deps.describeExistingEndpoint(key, performance)),
      );
    }
  }

  // Children first: once the job record says COMPLETED, its recommendations are all there.
  await deps.putChildren(snapshot);
  const result = await deps.putJob(snapshot.job);

  let stored: StoredJob;
  let outcome: 'recorded' | 'republished';
  if (result.changed) {
    stored = result.job;
    outcome = 'recorded';
  } else if (result.job && result.job.version !== result.job.publishedVersion) {
    stored = result.job;
    outcome = 'republished';
  } else {
    return { outcome: 'unchanged', status: result.job?.status };
  }
  // The job's entry in its model's item, after the record and before the Recorded event: a
  // crash in between leaves the version unpublished, so the retry comes here again. Order-safe
  // on its own (a stale entry is refused), and skipped for a duplicate, which would only pay
  // for a refused write of the whole model item.
  await deps.putModelEntry(snapshot);
  const detail = recordedDetail(stored);
  await deps.publishRecorded(detail);
  await deps.markPublished(jobKeyOf(stored), stored.version);
  // A job that now runs gets its first progress at once, not at its first refresh.
  if (!finished) await refreshProgress(key, deps);
  return { outcome, detail };
}
