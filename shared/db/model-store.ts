import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scopeOf, type JobKey } from '../accounts.js';
import { METRIC_NAMES, type Job, type Metrics, type Recommendation } from '../model/types.js';
import { estimateItemSize } from './item-size.js';
import { fitJob, modelKeyOf, STATUS_RANK, type SummaryEntry } from './items.js';
import { jobKeyOf, keys } from './table.js';

/**
 * What the model routes (`/models/{m}/recommendations?best=`, `/models/{m}/plan`) need of a
 * model's newest jobs, kept in one item per model by ingest, so they read one item instead of
 * fifty job records and their summaries.
 *
 * Each job is one top-level attribute `J#<account>#<region>#<jobName>` (a top-level attribute
 * can be set while the item does not exist yet, a map member cannot): its sort key on GSI2
 * (newest first), the fields of its record the routes answer with, and a compact row per
 * recommendation (what `best=` filters and ranks on, what the plan groups configurations by).
 * - Order-safe and idempotent like the job record: an entry is replaced only by a description
 *   that is newer, or as new and further along; a redriven or duplicated ingest changes nothing.
 * - Per account and region the MODEL_WINDOW newest jobs are kept, so the 50 newest of the model
 *   and those of any one account or region are all in the item.
 * - A job with more rows than MAX_JOB_ROWS_BYTES, or the rows of the largest jobs once the item
 *   passes MODEL_ITEM_BUDGET, are left out (`rows: null`): the routes read that job's summary.
 * - Should even the entries alone not fit, the item is replaced by `overflow: true` and the
 *   routes read the jobs as they did before this item existed. Ingest never fails because of it.
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

const isEntry = (value: unknown): value is ModelEntry =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ModelEntry).sortKey === 'string' &&
  typeof (value as ModelEntry).job === 'object';

/** The entries of a model item, by attribute name. */
export function modelEntriesOf(item: Record<string, unknown>): Map<string, ModelEntry> {
  const entries = new Map<string, ModelEntry>();
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(ENTRY_PREFIX) && isEntry(value)) entries.set(name, value);
  }
  return entries;
}

/** The whole item of a model at once, from its jobs' entries (the benchmark's seed, a backfill). */
export function modelItem(model: string, entries: readonly ModelEntry[]): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...keys.modelJobs(model),
    entity: 'model',
    fields: MODEL_ROW_FIELDS,
  };
  for (const entry of entries) {
    item[modelEntryAttribute(jobKeyOf(entry.job as unknown as JobKey))] = entry;
  }
  const plan = trimPlan(item);
  if (plan.overflow) return { ...keys.modelJobs(model), entity: 'model', overflow: true };
  for (const name of plan.remove) delete item[name];
  for (const name of plan.strip) item[name] = { ...(item[name] as ModelEntry), rows: null };
  return item;
}

interface TrimPlan {
  /** Entries past the window of their account and region. */
  remove: string[];
  /** Entries whose rows go, so the item stays within MODEL_ITEM_BUDGET. */
  strip: string[];
  overflow: boolean;
}

function trimPlan(item: Record<string, unknown>): TrimPlan {
  const entries = modelEntriesOf(item);
  const byScope = new Map<string, Array<[string, ModelEntry]>>();
  for (const [name, entry] of entries) {
    const scope = `${String(entry.job.accountId)}#${String(entry.job.region)}`;
    const list = byScope.get(scope) ?? [];
    list.push([name, entry]);
    byScope.set(scope, list);
  }
  const remove: string[] = [];
  for (const list of byScope.values()) {
    list.sort(([, a], [, b]) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
    remove.push(...list.slice(MODEL_WINDOW).map(([name]) => name));
  }
  const kept = { ...item };
  for (const name of remove) delete kept[name];
  let size = estimateItemSize(kept);
  const strip: string[] = [];
  const withRows = [...entries]
    .filter(([name, entry]) => !remove.includes(name) && entry.rows !== null)
    .map(([name, entry]) => [name, estimateItemSize(entry.rows)] as const)
    .sort(([, a], [, b]) => b - a);
  for (const [name, rowsSize] of withRows) {
    if (size <= MODEL_ITEM_BUDGET) break;
    strip.push(name);
    size -= rowsSize;
  }
  return { remove, strip, overflow: size > MODEL_ITEM_BUDGET };
}

export type ModelEntryOutcome = 'written' | 'stale' | 'no-model' | 'overflow';

const isTooLarge = (error: unknown) =>
  error instanceof Error && error.name === 'ValidationException' && /size/i.test(error.message);

async function markOverflow(doc: DynamoDBDocumentClient, tableName: string, model: string) {
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.modelJobs(model), entity: 'model', overflow: true },
    }),
  );
}

/**
 * Writes the job's entry into its model's item (see above): one UpdateItem, and a second only
 * when the item then holds a job past the window or passes the budget.
 */
export async function putModelEntry(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: Job,
  recommendations: readonly Recommendation[],
): Promise<ModelEntryOutcome> {
  const model = modelKeyOf(job);
  if (!model) return 'no-model';
  return writeModelEntry(doc, tableName, model, modelEntry(job, recommendations));
}

/** One entry into the model's item, order-safe, then the trim the item needs (see above). */
export async function writeModelEntry(
  doc: DynamoDBDocumentClient,
  tableName: string,
  model: string,
  entry: ModelEntry,
): Promise<ModelEntryOutcome> {
  let item: Record<string, unknown>;
  try {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.modelJobs(model),
        UpdateExpression: 'SET #entry = :entry, #entity = :entity, #fields = :fields',
        ConditionExpression:
          'attribute_not_exists(#overflow) AND (attribute_not_exists(#entry) OR #entry.#lmt < :lmt OR (#entry.#lmt = :lmt AND #entry.#rank < :rank))',
        ExpressionAttributeNames: {
          '#entry': modelEntryAttribute(jobKeyOf(entry.job as unknown as JobKey)),
          '#entity': 'entity',
          '#fields': 'fields',
          '#overflow': 'overflow',
          '#lmt': 'lastModifiedTime',
          '#rank': 'statusRank',
        },
        ExpressionAttributeValues: {
          ':entry': entry,
          ':entity': 'model',
          ':fields': MODEL_ROW_FIELDS,
          ':lmt': entry.lastModifiedTime,
          ':rank': entry.statusRank,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    item = Attributes ?? {};
  } catch (error) {
    // Stale or duplicate, or the model is past what one item holds: nothing to do.
    if (error instanceof ConditionalCheckFailedException) return 'stale';
    if (!isTooLarge(error)) throw error;
    await markOverflow(doc, tableName, model);
    return 'overflow';
  }
  const plan = trimPlan(item);
  if (plan.overflow) {
    await markOverflow(doc, tableName, model);
    return 'overflow';
  }
  if (plan.remove.length === 0 && plan.strip.length === 0) return 'written';
  const names: Record<string, string> = { '#rows': 'rows' };
  const removes = plan.remove.map((name, index) => {
    names[`#d${index}`] = name;
    return `#d${index}`;
  });
  const strips = plan.strip.map((name, index) => {
    names[`#s${index}`] = name;
    return `#s${index}.#rows = :null`;
  });
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.modelJobs(model),
        UpdateExpression: [
          strips.length ? `SET ${strips.join(', ')}` : '',
          removes.length ? `REMOVE ${removes.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' '),
        // An entry stripped here must still be there (a concurrent trim may have removed it).
        ...(strips.length
          ? {
              ConditionExpression: plan.strip
                .map((_, index) => `attribute_exists(#s${index})`)
                .join(' AND '),
              ExpressionAttributeValues: { ':null': null },
            }
          : {}),
        ExpressionAttributeNames: strips.length ? names : omitRows(names),
      }),
    );
  } catch (error) {
    // A concurrent write trims again after its own update.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  return 'written';
}

function omitRows(names: Record<string, string>): Record<string, string> {
  const { '#rows': _rows, ...rest } = names;
  return rest;
}
