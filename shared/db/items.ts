import type { JobStatus } from '../events.js';
import {
  DERIVED_METRIC_NAMES,
  METRIC_NAMES,
  type BenchmarkStep,
  type Derived,
  type EndpointPerformance,
  type EndpointType,
  type Job,
  type JobSnapshot,
  type Metrics,
  type Recommendation,
} from '../model/types.js';
import type { Progress } from '../model/progress.js';
import { estimateItemSize, fitItem, ITEM_SIZE_LIMIT, truncateText } from './item-size.js';
import type { JobKey } from '../accounts.js';
import { jobKeyOf, keys, layout } from './table.js';

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
  /** While the job runs, and once it ended: its benchmarks' counts, ETA and best so far. */
  progress?: Progress;
  /** stepFingerprint of each stored step, in step order: what a refresh compares with. */
  stepFingerprints?: string[];
  /** Bumped on every stored progress change; the Progress event carries it. */
  progressVersion?: number;
  /** The version whose Progress event the bus accepted. */
  publishedProgressVersion?: number;
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

/** A recommendation cut to fit an item, if SageMaker gave it a huge environment. */
const fitRecommendation = (rec: Recommendation) =>
  fitItem(rec, [
    [
      'environmentParameters',
      (r) => ({ ...r, environmentParameters: r.environmentParameters.slice(0, 20) }),
    ],
    ['environmentParameters', (r) => ({ ...r, environmentParameters: [] })],
  ]);

/**
 * A recommendation as stored. It carries the model its job benchmarked, so that the route that
 * answers "how do I deploy this one?" reads one item, not the job's too.
 */
export function recommendationItem(
  rec: Recommendation,
  model: Pick<Job, 'modelName' | 'modelPackageVersionArn'>,
): Record<string, unknown> {
  const fitted = fitRecommendation(rec);
  return {
    ...keys.recommendation(jobKeyOf(rec), rec.recommendationId),
    entity: 'recommendation',
    modelName: model.modelName,
    modelPackageVersionArn: model.modelPackageVersionArn,
    ...fitted,
  };
}

export function stepItem(step: BenchmarkStep): Record<string, unknown> {
  const fitted = fitItem(step, [
    ['failureReason', (s) => ({ ...s, failureReason: truncateText(s.failureReason) })],
    ['environmentParameters', (s) => ({ ...s, environmentParameters: [] })],
  ]);
  return { ...keys.step(jobKeyOf(step), step.stepIndex), entity: 'step', ...fitted };
}

/** A step with when SageMaker listed it: a write from an older listing does not replace it. */
export const listedStepItem = (step: BenchmarkStep, listedAt: string | undefined) =>
  listedAt === undefined ? stepItem(step) : { ...stepItem(step), listedAt };

export function performanceItem(performance: EndpointPerformance): Record<string, unknown> {
  return {
    ...keys.performance(jobKeyOf(performance), performance.endpointName),
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

/**
 * What the API filters and sorts a job's recommendations on, without what it only shows
 * (environment, model configuration, endpoint names, times).
 */
export interface SummaryEntry {
  recommendationId: string;
  endpointType: EndpointType;
  instanceType: string | null;
  initialInstanceCount: number | null;
  memorySizeInMB: number | null;
  metrics: Metrics;
  derived: Derived;
}

type SummaryValue = string | number | boolean | null;

/**
 * A summary stores each entry as a row of values under one header of field names: with a name
 * on every value, a 1,000-recommendation job's summary would pass the item size limit.
 */
export const SUMMARY_FIELDS = [
  'recommendationId',
  'endpointType',
  'instanceType',
  'initialInstanceCount',
  'memorySizeInMB',
  ...METRIC_NAMES,
  ...DERIVED_METRIC_NAMES,
  'paretoOptimal',
] as const;

type SummaryField = (typeof SUMMARY_FIELDS)[number];

/** Entries per summary chunk: a worst-case 1,000 still fit one item (asserted by ingest.test.ts). */
export const SUMMARY_ENTRIES_PER_CHUNK = 1_000;

function summaryRow(rec: Recommendation): SummaryValue[] {
  const values: Record<SummaryField, SummaryValue> = {
    recommendationId: rec.recommendationId,
    endpointType: rec.endpointType,
    instanceType: rec.instanceType,
    initialInstanceCount: rec.initialInstanceCount,
    memorySizeInMB: rec.serverless?.memorySizeInMB ?? null,
    ...rec.metrics,
    costPerMillionInferences: rec.derived.costPerMillionInferences,
    invocationsPerSecond: rec.derived.invocationsPerSecond,
    paretoOptimal: rec.derived.paretoOptimal,
  };
  return SUMMARY_FIELDS.map((field) => values[field]);
}

/**
 * The job's recommendation summary: every recommendation as a compact entry, in chunks of
 * SUMMARY_ENTRIES_PER_CHUNK (fewer when an item would pass the size limit), so the API ranks a
 * job reading one item and then fetches only the page it returns. Every chunk carries
 * `chunkCount`: a reader takes chunk 0's and ignores higher chunks left by an earlier, longer
 * description, so nothing has to be deleted and ingest reads nothing before writing.
 */
export function summaryItems(
  snapshot: Pick<JobSnapshot, 'job' | 'recommendations'>,
  limits: { entriesPerChunk?: number; itemSize?: number } = {},
): Array<Record<string, unknown>> {
  const perChunk = limits.entriesPerChunk ?? SUMMARY_ENTRIES_PER_CHUNK;
  const sizeLimit = limits.itemSize ?? ITEM_SIZE_LIMIT;
  const job = jobKeyOf(snapshot.job);
  const header = (index: number, count: number) => ({
    ...keys.summary(job, index),
    entity: 'summary',
    ...job,
    chunkIndex: index,
    chunkCount: count,
    fields: SUMMARY_FIELDS,
  });
  // The largest header a chunk can have; each row then adds its JSON and a comma.
  const headerSize = estimateItemSize({ ...header(99_999, 99_999), entries: [] });
  const chunks: SummaryValue[][][] = [];
  let current: SummaryValue[][] = [];
  let size = headerSize;
  for (const row of snapshot.recommendations.map(summaryRow)) {
    const rowSize = estimateItemSize(row) + 1;
    if (current.length > 0 && (current.length >= perChunk || size + rowSize > sizeLimit)) {
      chunks.push(current);
      current = [];
      size = headerSize;
    }
    current.push(row);
    size += rowSize;
  }
  if (current.length > 0) chunks.push(current);
  return chunks.map((entries, index) => ({ ...header(index, chunks.length), entries }));
}

const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);
const stringOrNull = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * The entries of one stored summary chunk, in their stored order; undefined when the item is not
 * a summary this code can read (another layout of fields), so the caller reads the
 * recommendations themselves instead.
 */
export function summaryEntriesOf(item: Record<string, unknown>): SummaryEntry[] | undefined {
  const { fields, entries } = item;
  if (!Array.isArray(fields) || !Array.isArray(entries)) return undefined;
  const position = new Map<unknown, number>(fields.map((field: unknown, index) => [field, index]));
  if (SUMMARY_FIELDS.some((field) => !position.has(field))) return undefined;
  const result: SummaryEntry[] = [];
  for (const row of entries as unknown[]) {
    if (!Array.isArray(row)) return undefined;
    const value = (field: SummaryField): unknown => row[position.get(field)!];
    const recommendationId = value('recommendationId');
    if (typeof recommendationId !== 'string') return undefined;
    const metrics = Object.fromEntries(
      METRIC_NAMES.map((name) => [name, numberOrNull(value(name))]),
    ) as unknown as Metrics;
    result.push({
      recommendationId,
      endpointType: value('endpointType') === 'Serverless' ? 'Serverless' : 'RealTime',
      instanceType: stringOrNull(value('instanceType')),
      initialInstanceCount: numberOrNull(value('initialInstanceCount')),
      memorySizeInMB: numberOrNull(value('memorySizeInMB')),
      metrics,
      derived: {
        costPerMillionInferences: numberOrNull(value('costPerMillionInferences')),
        invocationsPerSecond: numberOrNull(value('invocationsPerSecond')),
        paretoOptimal: value('paretoOptimal') === true,
      },
    });
  }
  return result;
}

/**
 * What a recommendation list stores of each recommendation, in this order: one row of values per
 * recommendation under one header of names (`metrics.` and `derived.` ones flattened), so that
 * names are not repeated on every recommendation: half the bytes to read of a named object each.
 * The job (name, account, region) is the chunk's.
 */
export const LISTED_FIELDS = [
  'recommendationId',
  'recommendationIdDerived',
  'endpointType',
  'endpointName',
  'variantName',
  'instanceType',
  'initialInstanceCount',
  'serverless',
  ...METRIC_NAMES.map((name) => `metrics.${name}` as const),
  ...DERIVED_METRIC_NAMES.map((name) => `derived.${name}` as const),
  'derived.paretoOptimal',
  'environmentParameters',
  'modelConfiguration',
  'invocationStartTime',
  'invocationEndTime',
  'trimmed',
] as const;

const LISTED_PATHS = LISTED_FIELDS.map((field) => field.split('.') as [string] | [string, string]);

function listedJson(rec: Recommendation): string {
  const fitted = fitRecommendation(rec) as unknown as Record<string, Record<string, unknown>>;
  const row = LISTED_PATHS.map(([name, member]) =>
    member === undefined ? (fitted[name] ?? null) : fitted[name]![member],
  );
  return JSON.stringify(row);
}

function listedRecommendation(row: readonly unknown[], job: JobKey): Recommendation {
  const rec: Record<string, unknown> = { metrics: {}, derived: {} };
  LISTED_PATHS.forEach(([name, member], index) => {
    const value = row[index];
    if (member !== undefined) (rec[name] as Record<string, unknown>)[member] = value;
    else if (name !== 'trimmed' || value !== null) rec[name] = value;
  });
  return { ...(rec as unknown as Recommendation), ...job };
}

/**
 * The job's recommendations as the API shows them, for the list route to rank and page from one
 * Query (see keyValues.recommendationListSk): the JSON of their rows (LISTED_FIELDS, named in
 * `fields`) in the string attribute `list`, whole recommendations per chunk up to the item size
 * limit. A string is read and written without DynamoDB's per-value marshalling, which a list of
 * maps costs on both sides. Like the
 * summary, every chunk carries `chunkCount` (a reader takes chunk 0's and ignores higher chunks
 * an earlier, longer description left) and the job's model, so that one recommendation is
 * answered from a chunk alone; ingest reads nothing before writing them.
 */
export function recommendationListItems(
  snapshot: Pick<JobSnapshot, 'job' | 'recommendations'>,
  limits: { itemSize?: number } = {},
): Array<Record<string, unknown>> {
  const sizeLimit = limits.itemSize ?? ITEM_SIZE_LIMIT;
  const job = jobKeyOf(snapshot.job);
  const header = (index: number, count: number) => ({
    ...keys.recommendationList(job, index),
    entity: 'recommendationList',
    ...job,
    modelName: snapshot.job.modelName,
    modelPackageVersionArn: snapshot.job.modelPackageVersionArn,
    chunkIndex: index,
    chunkCount: count,
    fields: LISTED_FIELDS,
  });
  // The largest header a chunk can have; each recommendation then adds its JSON and a comma.
  const headerSize = estimateItemSize({ ...header(99_999, 99_999), list: '[]' });
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = headerSize;
  for (const json of snapshot.recommendations.map(listedJson)) {
    const jsonSize = Buffer.byteLength(json) + 1;
    if (current.length > 0 && size + jsonSize > sizeLimit) {
      chunks.push(current);
      current = [];
      size = headerSize;
    }
    current.push(json);
    size += jsonSize;
  }
  if (current.length > 0) chunks.push(current);
  return chunks.map((list, index) => ({
    ...header(index, chunks.length),
    list: `[${list.join(',')}]`,
  }));
}

const sameFields = (fields: unknown) =>
  Array.isArray(fields) &&
  fields.length === LISTED_FIELDS.length &&
  LISTED_FIELDS.every((field, index) => fields[index] === field);

/** One job's recommendation list as stored: the job's model and its recommendations in order. */
export interface RecommendationList {
  modelName: string | null;
  modelPackageVersionArn: string | null;
  recommendations: Recommendation[];
}

/**
 * The recommendations of one job's list chunks (see recommendationListItems), in stored order;
 * undefined unless chunk 0 and every chunk it counts are there from one write (a reader mid-way
 * through a rewrite, or a job stored before lists were written, reads another way). Chunks past
 * chunk 0's count, left by an earlier and longer description, are ignored.
 */
export function recommendationListOf(
  chunks: ReadonlyArray<Record<string, unknown>>,
): RecommendationList | undefined {
  const first = chunks.find((chunk) => chunk.chunkIndex === 0);
  const count = first?.chunkCount;
  if (!first || typeof count !== 'number') return undefined;
  // The job as SageMaker spells it, which the chunks carry (a request may spell it otherwise).
  const job = jobKeyOf(first as unknown as JobKey);
  const ordered: string[] = [];
  for (const chunk of chunks) {
    const index = chunk.chunkIndex;
    if (typeof index !== 'number' || index >= count) continue;
    if (chunk.chunkCount !== count || typeof chunk.list !== 'string') return undefined;
    // Written by another version, with other fields: read another way.
    if (!sameFields(chunk.fields)) return undefined;
    ordered[index] = chunk.list;
  }
  const recommendations: Recommendation[] = [];
  for (let index = 0; index < count; index += 1) {
    const list = ordered[index];
    if (list === undefined) return undefined;
    for (const row of JSON.parse(list) as unknown[][]) {
      recommendations.push(listedRecommendation(row, job));
    }
  }
  return {
    modelName: typeof first.modelName === 'string' ? first.modelName : null,
    modelPackageVersionArn:
      typeof first.modelPackageVersionArn === 'string' ? first.modelPackageVersionArn : null,
    recommendations,
  };
}
