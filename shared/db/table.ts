import { createHash } from 'node:crypto';
import { scopeOf, type AccountRegion, type JobKey } from '../accounts.js';
import definition from './table-definition.json' with { type: 'json' };

/**
 * The one definition of irwatch's table: serverless.yml reads table-definition.json for the
 * CloudFormation resource, the tests create their tables from it, and the key builders below
 * take their attribute names from it.
 */
export interface TableDefinition {
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
  KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
  GlobalSecondaryIndexes: Array<{
    IndexName: string;
    KeySchema: Array<{ AttributeName: string; KeyType: 'HASH' | 'RANGE' }>;
    Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
  }>;
}

export const tableDefinition = definition as TableDefinition;

export interface KeyAttributes {
  pk: string;
  sk: string;
}

export interface TableLayout {
  primary: KeyAttributes;
  /** Jobs by status, newest first. */
  byStatus: KeyAttributes & { indexName: string };
  /** Jobs of a model, newest first. */
  byModel: KeyAttributes & { indexName: string };
}

function keyAttributes(schema: TableDefinition['KeySchema'], where: string): KeyAttributes {
  const pk = schema.find((key) => key.KeyType === 'HASH')?.AttributeName;
  const sk = schema.find((key) => key.KeyType === 'RANGE')?.AttributeName;
  if (!pk || !sk) throw new Error(`Table definition: ${where} needs a HASH and a RANGE key`);
  return { pk, sk };
}

export function tableLayout(table: TableDefinition): TableLayout {
  const [byStatus, byModel] = table.GlobalSecondaryIndexes;
  if (!byStatus || !byModel)
    throw new Error('Table definition: two global secondary indexes expected');
  return {
    primary: keyAttributes(table.KeySchema, 'the table'),
    byStatus: {
      indexName: byStatus.IndexName,
      ...keyAttributes(byStatus.KeySchema, byStatus.IndexName),
    },
    byModel: {
      indexName: byModel.IndexName,
      ...keyAttributes(byModel.KeySchema, byModel.IndexName),
    },
  };
}

export const layout = tableLayout(tableDefinition);

/** Longer parts of a sort key are hashed, so a key stays under DynamoDB's 1,024-byte limit. */
const MAX_KEY_PART_BYTES = 512;

/**
 * An id from SageMaker as part of a sort key: as it is, or, past MAX_KEY_PART_BYTES (SageMaker's
 * ids are short, but its model sets no limit), its SHA-256. The item keeps the id itself.
 */
const keyPart = (value: string) =>
  Buffer.byteLength(value) <= MAX_KEY_PART_BYTES
    ? value
    : `sha256:${createHash('sha256').update(value).digest('hex')}`;

/**
 * Key values; what they are stored under comes from the layout.
 *
 * A job is identified by account, region and name (names are unique only within one account and
 * region). All jobs of one name share the partition `JOB#<lower-case name>` (SageMaker's ARNs
 * spell the name in lower case, and no account holds two jobs whose names differ only in case):
 * - the job records sort first by kind, `JOB#<account>#<region>`, so one Query on `JOB#` finds
 *   every job of a bare name, and a name with its account and region is one GetItem;
 * - a job's other items sort under its scope, `<account>#<region>#<KIND>#...`, so each kind of
 *   one job is one key range (`REC#`, `STEP#`, `PERF#`, `SUMMARY#`, `NOTIFY#`);
 * - the job's recommendations as the API lists them sort after all records, `JOBRECS#<account>#
 *   <region>#<chunk>`, so a bare name's records and lists are one key range too.
 */
export const keyValues = {
  jobPk: (jobName: string) => `JOB#${jobName.toLowerCase()}`,
  jobSk: (where: AccountRegion) => `JOB#${scopeOf(where)}`,
  jobSkPrefix: 'JOB#',
  /** Every item of one job but its record starts with this. */
  childPrefix: (where: AccountRegion) => `${scopeOf(where)}#`,
  recommendationSk: (where: AccountRegion, recommendationId: string) =>
    `${scopeOf(where)}#REC#${keyPart(recommendationId)}`,
  recommendationPrefix: (where: AccountRegion) => `${scopeOf(where)}#REC#`,
  stepSk: (where: AccountRegion, index: number) =>
    `${scopeOf(where)}#STEP#${String(index).padStart(5, '0')}`,
  stepPrefix: (where: AccountRegion) => `${scopeOf(where)}#STEP#`,
  performanceSk: (where: AccountRegion, endpointName: string) =>
    `${scopeOf(where)}#PERF#${keyPart(endpointName)}`,
  performancePrefix: (where: AccountRegion) => `${scopeOf(where)}#PERF#`,
  /** Chunk `index` of the job's recommendation summary (see summaryItems in items.ts). */
  summarySk: (where: AccountRegion, index: number) =>
    `${scopeOf(where)}#SUMMARY#${String(index).padStart(5, '0')}`,
  summaryPrefix: (where: AccountRegion) => `${scopeOf(where)}#SUMMARY#`,
  /**
   * Chunk `index` of the job's recommendations as the API shows them (recommendationListItems in
   * items.ts). `JOBRECS#` sorts right after every `JOB#` record of the partition, so one Query
   * from `JOB#` to `JOBRECS#\uffff` reads a bare name's records and their chunks at once, while
   * `begins_with JOB#` still reads the records alone.
   */
  recommendationListSk: (where: AccountRegion, index: number) =>
    `JOBRECS#${scopeOf(where)}#${String(index).padStart(5, '0')}`,
  recommendationListPrefix: (where: AccountRegion) => `JOBRECS#${scopeOf(where)}#`,
  recommendationListFamily: 'JOBRECS#',
  notificationSk: (where: AccountRegion, status: string) => `${scopeOf(where)}#NOTIFY#${status}`,
  statusPk: (status: string) => `STATUS#${status}`,
  /** `<time>#<name>#<account>#<region>`: newest first, and one key per job. */
  statusSk: (lastModifiedTime: string, job: JobKey) =>
    `${lastModifiedTime}#${job.jobName}#${scopeOf(job)}`,
  modelPk: (model: string) => `MODEL#${model}`,
  /** The item that keeps what the model routes need of a model's newest jobs (model-store.ts). */
  modelJobsSk: 'JOBS',
  /** Per goal of `best=`, the model's winner over its newest jobs, kept with that item. */
  modelBestSk: 'BEST',
  /** What the model's plan plans from, kept with that item. */
  modelPlanSk: 'PLAN',
  modelSk: (creationTime: string, job: JobKey) => `${creationTime}#${job.jobName}#${scopeOf(job)}`,
  detectorPk: 'DETECTOR',
  /** Each watched account and region has its own watermark and last-seen statuses. */
  watermarkSk: (where: AccountRegion) => `WATERMARK#${scopeOf(where)}`,
  seenSk: (job: JobKey) => `SEEN#${scopeOf(job)}#${job.jobName}`,
  /** When detect last asked for running jobs' progress to be refreshed (one for all targets). */
  refreshMarkSk: 'REFRESH',
} as const;

export type Key = Record<string, string>;

/** Builds keys with the attribute names of a layout, so a renamed attribute changes them all. */
export function keyBuilders(tableLayout: TableLayout) {
  const { primary, byStatus, byModel } = tableLayout;
  const key = (pk: string, sk: string): Key => ({ [primary.pk]: pk, [primary.sk]: sk });
  const inJob = (job: JobKey, sk: string) => key(keyValues.jobPk(job.jobName), sk);
  return {
    job: (job: JobKey) => inJob(job, keyValues.jobSk(job)),
    recommendation: (job: JobKey, recommendationId: string) =>
      inJob(job, keyValues.recommendationSk(job, recommendationId)),
    step: (job: JobKey, index: number) => inJob(job, keyValues.stepSk(job, index)),
    performance: (job: JobKey, endpointName: string) =>
      inJob(job, keyValues.performanceSk(job, endpointName)),
    summary: (job: JobKey, index: number) => inJob(job, keyValues.summarySk(job, index)),
    recommendationList: (job: JobKey, index: number) =>
      inJob(job, keyValues.recommendationListSk(job, index)),
    notification: (job: JobKey, status: string) =>
      inJob(job, keyValues.notificationSk(job, status)),
    watermark: (where: AccountRegion) => key(keyValues.detectorPk, keyValues.watermarkSk(where)),
    seen: (job: JobKey) => key(keyValues.detectorPk, keyValues.seenSk(job)),
    refreshMark: () => key(keyValues.detectorPk, keyValues.refreshMarkSk),
    modelJobs: (model: string) => key(keyValues.modelPk(model), keyValues.modelJobsSk),
    modelBest: (model: string) => key(keyValues.modelPk(model), keyValues.modelBestSk),
    modelPlan: (model: string) => key(keyValues.modelPk(model), keyValues.modelPlanSk),
    statusIndex: (status: string, lastModifiedTime: string, job: JobKey): Key => ({
      [byStatus.pk]: keyValues.statusPk(status),
      [byStatus.sk]: keyValues.statusSk(lastModifiedTime, job),
    }),
    modelIndex: (model: string, creationTime: string, job: JobKey): Key => ({
      [byModel.pk]: keyValues.modelPk(model),
      [byModel.sk]: keyValues.modelSk(creationTime, job),
    }),
  };
}

/** The key of a job (name, account, region) as any stored item of it carries them. */
export const jobKeyOf = (item: { jobName: string; accountId: string; region: string }): JobKey => ({
  jobName: item.jobName,
  accountId: item.accountId,
  region: item.region,
});

export const keys = keyBuilders(layout);

/** CreateTable input for a table of this definition (tests, the local stack). */
export function createTableInput(tableName: string, table: TableDefinition = tableDefinition) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: table.AttributeDefinitions,
    KeySchema: table.KeySchema,
    GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
  };
}
