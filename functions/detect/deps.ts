import {
  DescribeInferenceRecommendationsJobCommand,
  ListInferenceRecommendationsJobsCommand,
  ResourceNotFound,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { sageMakerClients } from '../../shared/account-clients.js';
import {
  describeTarget,
  readWatchConfig,
  type AccountRegion,
  type WatchConfig,
} from '../../shared/accounts.js';
import { createDocumentClient, createEventBridgeClient } from '../../shared/aws.js';
import { PutEventsError, putBusEvents } from '../../shared/bus.js';
import { readEnv, readNumberEnv } from '../../shared/config.js';
import type { RetryOptions } from '../../shared/db/batch-write.js';
import { STATE_CHANGE } from '../../shared/event-names.js';
import type { StateChangeDetail } from '../../shared/events.js';
import {
  TargetReadError,
  type DetectConfig,
  type DetectDeps,
  type DetectSystem,
  type JobSummary,
  type PublishOutcome,
} from './detect.js';
import { readRefreshMark, readRunningJobs, writeRefreshMark } from './refresh-store.js';
import type { RefreshSystem } from './refresh-schedule.js';
import {
  readJobRecords,
  readSeenStatuses,
  readWatermarks,
  writeSeenStatuses,
  writeWatermark,
} from './detector-store.js';

const env = readEnv(['TABLE_NAME', 'EVENT_BUS_NAME']);
const config: DetectConfig = {
  overlapMs: readNumberEnv('DETECT_OVERLAP_SECONDS', 300) * 1000,
  lookbackMs: readNumberEnv('DETECT_LOOKBACK_HOURS', 24) * 3_600_000,
};
/** Deployed every 5 minutes; the local stack reads running jobs every few seconds. */
const refreshIntervalMs = readNumberEnv('PROGRESS_REFRESH_SECONDS', 300) * 1000;
const doc = createDocumentClient();
const eventBridge = createEventBridgeClient();

/** ListInferenceRecommendationsJobs' largest page. */
export const LIST_PAGE_SIZE = 100;

interface SageMakerJob {
  JobName?: string | undefined;
  JobArn?: string | undefined;
  Status?: string | undefined;
  LastModifiedTime?: Date | undefined;
}

const toJobSummary = (job: SageMakerJob): JobSummary => ({
  jobName: job.JobName ?? '',
  jobArn: job.JobArn ?? null,
  status: job.Status ?? '',
  lastModifiedTime: job.LastModifiedTime?.toISOString() ?? null,
});

/** A SageMaker answer, or the failure of this account and region alone (see TargetReadError). */
async function readFrom<T>(where: AccountRegion, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw new TargetReadError(where, error);
  }
}

export interface DetectDepsOptions {
  /** The accounts and regions to watch; read from the environment when not given. */
  watch?: WatchConfig;
  now?: () => Date;
  /** Backoff of the PutEvents, BatchGetItem and BatchWriteItem resends (tests pass a no-op sleep). */
  retry?: RetryOptions;
  config?: Partial<DetectConfig>;
  refreshIntervalMs?: number;
}

export function createDetectDeps(options: DetectDepsOptions = {}): DetectSystem {
  const watch = options.watch ?? readWatchConfig();
  const sagemakerIn = sageMakerClients(watch, 'irwatch-detect');
  const depsOf = new Map<string, DetectDeps>();
  return {
    targets: watch.targets,
    refresh: refreshSystem(options),
    // The refresh round's mark comes in the same BatchGetItem as the watermarks.
    readWatermarks: (targets) =>
      readWatermarks(doc, env.TABLE_NAME, targets, { ...options.retry, refreshMark: true }),
    forTarget(where) {
      const id = describeTarget(where);
      let deps = depsOf.get(id);
      if (!deps) {
        deps = targetDeps(where, sagemakerIn(where), options);
        depsOf.set(id, deps);
      }
      return deps;
    },
  };
}

/** Puts state-change events 10 a call, resending refused entries; reports those never accepted. */
async function publishStateChanges(
  details: readonly StateChangeDetail[],
  retry: RetryOptions,
): Promise<PublishOutcome> {
  try {
    const result = await putBusEvents(
      eventBridge,
      env.EVENT_BUS_NAME,
      details.map((detail) => ({
        detailType: STATE_CHANGE,
        detail,
        resources: detail.jobArn ? [detail.jobArn] : [],
      })),
      retry,
    );
    return { ...result, unaccepted: [] };
  } catch (error) {
    if (!(error instanceof PutEventsError)) throw error;
    return { ...error.result, unaccepted: error.unaccepted };
  }
}

function refreshSystem(options: DetectDepsOptions): RefreshSystem {
  const now = options.now ?? (() => new Date());
  return {
    intervalMs: options.refreshIntervalMs ?? refreshIntervalMs,
    now,
    readRunningJobs: () => readRunningJobs(doc, env.TABLE_NAME),
    readRefreshMark: () => readRefreshMark(doc, env.TABLE_NAME),
    writeRefreshMark: (at) => writeRefreshMark(doc, env.TABLE_NAME, at),
    publishRefreshes: (details) => publishStateChanges(details, options.retry ?? {}),
  };
}

function targetDeps(
  where: AccountRegion,
  sagemaker: SageMakerClient,
  options: DetectDepsOptions,
): DetectDeps {
  const now = options.now ?? (() => new Date());
  const retry = options.retry ?? {};
  const tableName = env.TABLE_NAME;
  return {
    where,
    config: { ...config, ...options.config },
    now,
    async listJobs({ modifiedAfter, nextToken }) {
      const page = await readFrom(
        where,
        sagemaker.send(
          new ListInferenceRecommendationsJobsCommand({
            LastModifiedTimeAfter: modifiedAfter,
            // Ascending creation keeps pages steady while jobs are being created.
            SortBy: 'CreationTime',
            SortOrder: 'Ascending',
            MaxResults: LIST_PAGE_SIZE,
            NextToken: nextToken,
          }),
        ),
      );
      return {
        jobs: (page.InferenceRecommendationsJobs ?? []).map(toJobSummary),
        nextToken: page.NextToken,
      };
    },
    async describeJob(jobName) {
      try {
        return toJobSummary(
          await sagemaker.send(
            new DescribeInferenceRecommendationsJobCommand({ JobName: jobName }),
          ),
        );
      } catch (error) {
        if (error instanceof ResourceNotFound) return undefined;
        throw error;
      }
    },
    async readWatermark() {
      const { watermarks } = await readWatermarks(doc, tableName, [where], retry);
      return watermarks.get(describeTarget(where));
    },
    writeWatermark: (watermark) => writeWatermark(doc, tableName, where, watermark, now()),
    readSeenStatuses: (jobNames) => readSeenStatuses(doc, tableName, where, jobNames, retry),
    readJobRecords: (jobNames) => readJobRecords(doc, tableName, where, jobNames, retry),
    async writeSeenStatuses(statuses) {
      return { calls: await writeSeenStatuses(doc, tableName, where, statuses, now(), retry) };
    },
    publishStateChanges: (details) => publishStateChanges(details, retry),
  };
}

export const detectSystem = createDetectDeps();
