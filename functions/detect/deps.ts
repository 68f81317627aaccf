import {
  DescribeInferenceRecommendationsJobCommand,
  ListInferenceRecommendationsJobsCommand,
  ResourceNotFound,
} from '@aws-sdk/client-sagemaker';
import {
  createDocumentClient,
  createEventBridgeClient,
  createSageMakerClient,
} from '../../shared/aws.js';
import { PutEventsError, putBusEvents } from '../../shared/bus.js';
import { readEnv, readNumberEnv } from '../../shared/config.js';
import type { RetryOptions } from '../../shared/db/batch-write.js';
import { STATE_CHANGE } from '../../shared/event-names.js';
import type { DetectConfig, DetectDeps, JobSummary } from './detect.js';
import {
  readJobRecords,
  readSeenStatuses,
  readWatermark,
  writeSeenStatuses,
  writeWatermark,
} from './detector-store.js';

const env = readEnv(['TABLE_NAME', 'EVENT_BUS_NAME']);
const config: DetectConfig = {
  overlapMs: readNumberEnv('DETECT_OVERLAP_SECONDS', 300) * 1000,
  lookbackMs: readNumberEnv('DETECT_LOOKBACK_HOURS', 24) * 3_600_000,
};
const sagemaker = createSageMakerClient();
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

export interface DetectDepsOptions {
  now?: () => Date;
  /** Backoff of the PutEvents, BatchGetItem and BatchWriteItem resends (tests pass a no-op sleep). */
  retry?: RetryOptions;
  config?: Partial<DetectConfig>;
}

export function createDetectDeps(options: DetectDepsOptions = {}): DetectDeps {
  const now = options.now ?? (() => new Date());
  const retry = options.retry ?? {};
  const tableName = env.TABLE_NAME;
  return {
    config: { ...config, ...options.config },
    now,
    async listJobs({ modifiedAfter, nextToken }) {
      const page = await sagemaker.send(
        new ListInferenceRecommendationsJobsCommand({
          LastModifiedTimeAfter: modifiedAfter,
          // Ascending creation keeps pages steady while jobs are being created.
          SortBy: 'CreationTime',
          SortOrder: 'Ascending',
          MaxResults: LIST_PAGE_SIZE,
          NextToken: nextToken,
        }),
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
    readWatermark: () => readWatermark(doc, tableName),
    writeWatermark: (watermark) => writeWatermark(doc, tableName, watermark, now()),
    readSeenStatuses: (jobNames) => readSeenStatuses(doc, tableName, jobNames, retry),
    readJobRecords: (jobNames) => readJobRecords(doc, tableName, jobNames, retry),
    async writeSeenStatuses(statuses) {
      return { calls: await writeSeenStatuses(doc, tableName, statuses, now(), retry) };
    },
    async publishStateChanges(details) {
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
    },
  };
}

export const detectDeps = createDetectDeps();
