import * as z from 'zod';

/** The two events irwatch puts on its bus (source `irwatch`, bus `irwatch-<stage>`). */
export const EVENT_SOURCE = 'irwatch';
export const STATE_CHANGE = 'Inference Recommendations Job State Change';
export const RECORDED = 'Inference Recommendations Job Recorded';

export const JOB_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'COMPLETED',
  'FAILED',
  'STOPPING',
  'STOPPED',
  'DELETING',
  'DELETED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES = ['COMPLETED', 'FAILED', 'STOPPED'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const isTerminal = (status: string): status is TerminalStatus =>
  (TERMINAL_STATUSES as readonly string[]).includes(status);

export const DETECTED_BY = ['poll', 'cloudtrail', 'backfill', 'replay'] as const;

/** SageMaker's pattern for RecommendationJobName. */
export const JOB_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$/;

export const jobNameSchema = z
  .string()
  .regex(
    JOB_NAME_PATTERN,
    'must be 1-64 letters, digits or hyphens, starting and ending with a letter or digit',
  );

const statusSchema = z.enum(JOB_STATUSES);
const isoTime = z.iso.datetime({ offset: true });

export const stateChangeDetailSchema = z.object({
  jobName: jobNameSchema,
  jobArn: z.string().startsWith('arn:').nullable(),
  status: statusSchema,
  previousStatus: statusSchema.nullable(),
  lastModifiedTime: isoTime.nullable(),
  detectedBy: z.enum(DETECTED_BY),
});
export type StateChangeDetail = z.infer<typeof stateChangeDetailSchema>;

const bestEntrySchema = z
  .object({
    recommendationId: z.string(),
    endpointType: z.enum(['RealTime', 'Serverless']),
    instanceType: z.string().nullable(),
    memorySizeInMB: z.number().nullable(),
    value: z.number(),
  })
  .nullable();

export const bestSchema = z.object({
  lowestCostPerInference: bestEntrySchema,
  lowestModelLatency: bestEntrySchema,
  highestMaxInvocations: bestEntrySchema,
});
export type Best = z.infer<typeof bestSchema>;
export type BestEntry = NonNullable<Best['lowestCostPerInference']>;

export const recordedDetailSchema = z.object({
  jobName: jobNameSchema,
  jobArn: z.string().nullable(),
  jobType: z.enum(['Default', 'Advanced']).nullable(),
  status: statusSchema,
  previousStatus: statusSchema.nullable(),
  modelName: z.string().nullable(),
  modelPackageVersionArn: z.string().nullable(),
  creationTime: isoTime.nullable(),
  completionTime: isoTime.nullable(),
  failureReason: z.string().nullable(),
  recommendationCount: z.number().int().nonnegative(),
  failedBenchmarkCount: z.number().int().nonnegative(),
  best: bestSchema,
  version: z.number().int().positive(),
});
export type RecordedDetail = z.infer<typeof recordedDetailSchema>;
