// zod/mini: the same schemas at a fifth of the bundle weight (ingest and notify load only these);
// the api composes them into its own schemas.
import * as z from 'zod/mini';
import { DETECTED_BY, JOB_NAME_PATTERN, JOB_NAME_RULE } from './event-names.js';
import { JOB_STATUSES } from './job-status.js';

export {
  DETECTED_BY,
  EVENT_SOURCE,
  isJobName,
  JOB_NAME_PATTERN,
  JOB_NAME_RULE,
  PROGRESS,
  RECORDED,
  STATE_CHANGE,
} from './event-names.js';
export {
  isTerminal,
  JOB_STATUSES,
  TERMINAL_STATUSES,
  type JobStatus,
  type TerminalStatus,
} from './job-status.js';

// The pattern alone admits hyphen runs past 64 characters (isJobName checks both, as this does).
export const jobNameSchema = z
  .string()
  .check(z.maxLength(64, JOB_NAME_RULE), z.regex(JOB_NAME_PATTERN, JOB_NAME_RULE));

const statusSchema = z.enum(JOB_STATUSES);

export const accountIdSchema = z
  .string()
  .check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account ID'));
export const regionSchema = z
  .string()
  .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1'));
const isoTime = z.iso.datetime({ offset: true });

export const stateChangeDetailSchema = z.object({
  jobName: jobNameSchema,
  accountId: accountIdSchema,
  region: regionSchema,
  jobArn: z.nullable(z.string().check(z.startsWith('arn:'))),
  status: statusSchema,
  previousStatus: z.nullable(statusSchema),
  lastModifiedTime: z.nullable(isoTime),
  detectedBy: z.enum(DETECTED_BY),
});
export type StateChangeDetail = z.infer<typeof stateChangeDetailSchema>;

const bestEntrySchema = z.nullable(
  z.object({
    recommendationId: z.string(),
    endpointType: z.enum(['RealTime', 'Serverless']),
    instanceType: z.nullable(z.string()),
    memorySizeInMB: z.nullable(z.number()),
    value: z.number(),
  }),
);

export const bestSchema = z.object({
  lowestCostPerInference: bestEntrySchema,
  lowestModelLatency: bestEntrySchema,
  highestMaxInvocations: bestEntrySchema,
});
export type Best = z.infer<typeof bestSchema>;
export type BestEntry = NonNullable<Best['lowestCostPerInference']>;

export const recordedDetailSchema = z.object({
  jobName: jobNameSchema,
  accountId: accountIdSchema,
  region: regionSchema,
  jobArn: z.nullable(z.string()),
  jobType: z.nullable(z.enum(['Default', 'Advanced'])),
  status: statusSchema,
  previousStatus: z.nullable(statusSchema),
  modelName: z.nullable(z.string()),
  modelPackageVersionArn: z.nullable(z.string()),
  creationTime: z.nullable(isoTime),
  completionTime: z.nullable(isoTime),
  failureReason: z.nullable(z.string()),
  recommendationCount: z.int().check(z.nonnegative()),
  failedBenchmarkCount: z.int().check(z.nonnegative()),
  best: bestSchema,
  version: z.int().check(z.positive()),
});
export type RecordedDetail = z.infer<typeof recordedDetailSchema>;

/** `Inference Recommendations Job Progress`: put when a running job's benchmark counts change. */
export const progressDetailSchema = z.object({
  jobName: jobNameSchema,
  accountId: accountIdSchema,
  region: regionSchema,
  jobArn: z.nullable(z.string()),
  status: statusSchema,
  total: z.int().check(z.nonnegative()),
  completed: z.int().check(z.nonnegative()),
  failed: z.int().check(z.nonnegative()),
  running: z.int().check(z.nonnegative()),
  pending: z.int().check(z.nonnegative()),
  startedAt: z.nullable(isoTime),
  eta: z.nullable(isoTime),
  etaUnavailableReason: z.nullable(z.string()),
  best: bestSchema,
  /** Counts every stored progress change of the job; orders the events of one job. */
  version: z.int().check(z.positive()),
});
export type ProgressDetail = z.infer<typeof progressDetailSchema>;
