import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scopeOf, type JobKey } from '../accounts.js';
import { METRIC_NAMES, type Job, type Metrics, type Recommendation } from '../model/types.js';
import { estimateItemSize } from './item-size.js';
import { fitJob, STATUS_RANK, type SummaryEntry } from './items.js';

/**
 * A job's entry in its model's item (model-store.ts): what the model routes need of one of the
 * model's newest jobs. Stored as one string attribute `J#<account>#<region>#<jobName>` (a
 * top-level attribute can be set while the item does not exist yet, a map member cannot):
 * its order (ENTRY_ORDER_WIDTH characters, see entryOrder) then the entry as JSON. A string is
 * one value to DynamoDB, to dynalite and to the DocumentClient, where the nested lists and maps
 * of the layout before (schema v3, still read) were walked value by value on every read.
 */

/** Jobs kept per account and region: the routes consider a model's 50 newest. */
export const MODEL_WINDOW = 50;
/** Under DynamoDB's 400 KB with room for one more entry written concurrently. */
export const MODEL_ITEM_BUDGET = 300_000;
export const MAX_JOB_ROWS_BYTES = 64_000;

const ENTRY_PREFIX = 'J#';

export const MODEL_ROW_FIELDS = [
  'recommendationId',
  'endpointType',
  'instanceType',
  'initialInstanceCount',
  'memorySizeInMB',
  'costPerHour',
  'costPerInference',
  'maxInvocations',
  'modelLatency',
  'paretoOptimal',
] as const;

/**
 * The fields of the job record the model routes answer with: jobSummaryView, and what the model
 * plan reads of a job (latency thresholds, the endpoints it benchmarked).
 */
const JOB_FIELDS = [
  'jobName',
  'accountId',
  'region',
  'jobArn',
  'jobType',
  'jobDescription',
  'status',
  'creationTime',
  'completionTime',
  'lastModifiedTime',
  'failureReason',
  'modelName',
  'modelPackageVersionArn',
  'recommendationCount',
  'benchmarkCount',
  'failedBenchmarkCount',
  'endpointPerformanceCount',
  'best',
  'progress',
  'stoppingConditions',
  'existingEndpoints',
] as const satisfies ReadonlyArray<keyof Job>;

type RowValue = string | number | boolean | null;

export interface ModelEntry {
  /** The job's GSI2 sort key: `<creationTime>#<jobName>#<account>#<region>`. */
  sortKey: string;
  lastModifiedTime: string;
  statusRank: number;
  /** The record's fields in JOB_FIELDS, as stored. */
  job: Record<string, unknown>;
  /** What every recommendation id of the job starts with, cut from the rows' ids. */
  idPrefix: string;
  /** One row per recommendation in MODEL_ROW_FIELDS order; null: read the job's summary. */
  rows: RowValue[][] | null;
}

export const modelEntryAttribute = (job: JobKey) => `${ENTRY_PREFIX}${scopeOf(job)}#${job.jobName}`;

const modelSortKey = (job: Job) => `${job.creationTime ?? ''}#${job.jobName}#${scopeOf(job)}`;

/** What a row keeps of a recommendation; a summary entry has it too (a backfill reads those). */
export type ModelRowSource = Pick<
  SummaryEntry,
  | 'recommendationId'
  | 'endpointType'
  | 'instanceType'
  | 'initialInstanceCount'
  | 'memorySizeInMB'
  | 'metrics'
  | 'derived'
>;

export const rowSourceOf = (rec: Recommendation): ModelRowSource => ({
  ...rec,
  memorySizeInMB: rec.serverless?.memorySizeInMB ?? null,
});

/**
 * The entry of a job as its record (fitted as putJobRecord stores it) and its recommendations
 * say; `null` recommendations: the job has some, but only its summary can tell them.
 */
export function modelEntry(
  job: Job,
  recommendations: ReadonlyArray<Recommendation | ModelRowSource> | null,
): ModelEntry {
  const fitted = fitJob(job);
  const stored: Record<string, unknown> = {};
  for (const field of JOB_FIELDS) {
    if (fitted[field] !== undefined) stored[field] = fitted[field];
  }
  // The endpoints it benchmarked by name: what the model plan knows of them before ingest looked.
  const endpoints = fitted.inputConfig?.endpoints;
  if (endpoints !== undefined && endpoints !== null) stored.inputConfig = { endpoints };
  const slash = `${job.jobName}/`;
  const sources = (recommendations ?? []).map((rec) =>
    'serverless' in rec ? rowSourceOf(rec) : rec,
  );
  const idPrefix = sources.every((rec) => rec.recommendationId.startsWith(slash)) ? slash : '';
  const rows = sources.map((rec): RowValue[] => [
    rec.recommendationId.slice(idPrefix.length),
    rec.endpointType,
    rec.instanceType,
    rec.initialInstanceCount,
    rec.memorySizeInMB,
    rec.metrics.costPerHour,
    rec.metrics.costPerInference,
    rec.metrics.maxInvocations,
    rec.metrics.modelLatency,
    rec.derived.paretoOptimal,
  ]);
  return {
    sortKey: modelSortKey(fitted),
    lastModifiedTime: fitted.lastModifiedTime ?? '',
    statusRank: STATUS_RANK[fitted.status],
    job: stored,
    idPrefix,
    rows: recommendations === null || estimateItemSize(rows) > MAX_JOB_ROWS_BYTES ? null : rows,
  };
}

const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);
const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * An entry's rows as summary entries (what ranking and filtering read); the metrics a row does
 * not keep are null. Undefined when the entry keeps no rows or another layout of them.
 */
export function modelRowsOf(
  entry: ModelEntry,
  fields: readonly unknown[],
): SummaryEntry[] | undefined {
  if (!Array.isArray(entry.rows)) return undefined;
  const position = new Map<unknown, number>(fields.map((field, index) => [field, index]));
  if (MODEL_ROW_FIELDS.some((field) => !position.has(field))) return undefined;
  const result: SummaryEntry[] = [];
  for (const row of entry.rows) {
    if (!Array.isArray(row)) return undefined;
    const value = (field: (typeof MODEL_ROW_FIELDS)[number]): unknown => row[position.get(field)!];
    const id = value('recommendationId');
    if (typeof id !== 'string') return undefined;
    const metrics = Object.fromEntries(METRIC_NAMES.map((name) => [name, null])) as Record<
      keyof Metrics,
      number | null
    >;
    for (const name of [
      'costPerHour',
      'costPerInference',
      'maxInvocations',
      'modelLatency',
    ] as const) {
      metrics[name] = numberOrNull(value(name));
    }
    result.push({
      recommendationId: `${entry.idPrefix}${id}`,
      endpointType: value('endpointType') === 'Serverless' ? 'Serverless' : 'RealTime',
      instanceType: stringOrNull(value('instanceType')),
      initialInstanceCount: numberOrNull(value('initialInstanceCount')),
      memorySizeInMB: numberOrNull(value('memorySizeInMB')),
      metrics: metrics as unknown as Metrics,
      derived: {
        costPerMillionInferences: null,
        invocationsPerSecond: null,
        paretoOptimal: value('paretoOptimal') === true,
      },
    });
  }
  return result;
}

/**
 * An entry's place in the order of a job's descriptions, as a string that compares like the job
 * record's guard: lastModifiedTime (padded with spaces, which sort below every character of a
 * time, so a padded comparison is the plain one), then the status rank.
 */
const LMT_WIDTH = 40;
export const ENTRY_ORDER_WIDTH = LMT_WIDTH + 2;

export const entryOrder = (entry: Pick<ModelEntry, 'lastModifiedTime' | 'statusRank'>) =>
  `${entry.lastModifiedTime.slice(0, LMT_WIDTH).padEnd(LMT_WIDTH, ' ')}${String(entry.statusRank).padStart(2, '0')}`;

/** The stored form of an entry: its order, then the entry as JSON. */
export const encodeModelEntry = (entry: ModelEntry): string =>
  `${entryOrder(entry)}${JSON.stringify(entry)}`;

const isEntry = (value: unknown): value is ModelEntry =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ModelEntry).sortKey === 'string' &&
  typeof (value as ModelEntry).job === 'object';

/** An entry as stored: a string (see above) or, written before it, a map. */
export function decodeModelEntry(value: unknown): ModelEntry | undefined {
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value.slice(ENTRY_ORDER_WIDTH));
      return isEntry(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return isEntry(value) ? value : undefined;
}

/** The entries of a model item, by attribute name. */
export function modelEntriesOf(item: Record<string, unknown>): Map<string, ModelEntry> {
  const entries = new Map<string, ModelEntry>();
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(ENTRY_PREFIX)) continue;
    const entry = decodeModelEntry(value);
    if (entry) entries.set(name, entry);
  }
  return entries;
}

/** The entries newest first (creationTime, then name): the first MODEL_WINDOW are "the newest". */
export const newestFirst = (a: ModelEntry, b: ModelEntry) =>
  a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0;

/**
 * Puts an item ingest keeps beside a model's item (its answers, its plan input) unless one of
 * the same or a later version of the model's item is there. When `whole` is none, or past what
 * one item holds (DynamoDB's 400 KB), `empty` goes instead: an item that holds nothing at this
 * version (ingest's role puts, it never deletes), and the route reads as without it. False when
 * a later one was there.
 */
export async function putBesideModel(
  doc: DynamoDBDocumentClient,
  tableName: string,
  version: number,
  whole: Record<string, unknown> | undefined,
  empty: Record<string, unknown>,
): Promise<boolean> {
  const kept = whole && estimateItemSize(whole) <= MODEL_ITEM_BUDGET ? whole : undefined;
  try {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: kept ?? { ...empty, version },
        ConditionExpression: 'attribute_not_exists(#version) OR #version < :version',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':version': version },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
