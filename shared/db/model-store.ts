import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { JobKey } from '../accounts.js';
import type { Job, Recommendation } from '../model/types.js';
import { estimateItemSize } from './item-size.js';
import { modelKeyOf, recommendationItem } from './items.js';
import { modelBestOf, overflowBestItem, putModelBest } from './model-best.js';
import { modelPlanOf, putModelPlan, readModelPlan } from './model-plan.js';
import {
  encodeModelEntry,
  entryOrder,
  MODEL_ITEM_BUDGET,
  MODEL_ROW_FIELDS,
  MODEL_WINDOW,
  modelEntriesOf,
  modelEntry,
  modelEntryAttribute,
  newestFirst,
  type ModelEntry,
} from './model-entry.js';
import { jobKeyOf, keys } from './table.js';

export * from './model-entry.js';

/**
 * What the model routes (`/models/{m}/recommendations?best=`, `/models/{m}/plan`) need of a
 * model's newest jobs, kept in one item per model by ingest, so they read one item instead of
 * fifty job records and their summaries.
 *
 * Each job is one string attribute (model-entry.ts): its sort key on GSI2 (newest first), the
 * fields of its record the routes answer with, and a compact row per recommendation (what
 * `best=` filters and ranks on, what the plan groups configurations by). Beside it, the model's
 * answers to `best=` without filters (model-best.ts), recomputed after each entry write.
 * - Order-safe and idempotent like the job record: an entry is replaced only by a description
 *   that is newer, or as new and further along; a redriven or duplicated ingest changes nothing.
 * - Per account and region the MODEL_WINDOW newest jobs are kept, so the 50 newest of the model
 *   and those of any one account or region are all in the item.
 * - A job with more rows than MAX_JOB_ROWS_BYTES, or the rows of the largest jobs once the item
 *   passes MODEL_ITEM_BUDGET, are left out (`rows: null`): the routes read that job's summary.
 * - Should even the entries alone not fit, the item is replaced by `overflow: true` and the
 *   routes read the jobs as they did before this item existed. Ingest never fails because of it.
 */

/**
 * The whole item of a model at once, from its jobs' entries (the benchmark's seed, tests): as
 * ingest leaves it after writing these entries one by one, `version` counting them.
 */
export function modelItem(model: string, entries: readonly ModelEntry[]): Record<string, unknown> {
  const item: Record<string, unknown> = {
    ...keys.modelJobs(model),
    entity: 'model',
    fields: MODEL_ROW_FIELDS,
    version: entries.length,
  };
  for (const entry of entries) item[attributeOf(entry)] = encodeModelEntry(entry);
  const plan = trimPlan(item);
  if (plan.overflow) return overflowItem(model);
  for (const name of plan.remove) delete item[name];
  for (const [name, stripped] of plan.strip) item[name] = stripped;
  return item;
}

const attributeOf = (entry: ModelEntry) =>
  modelEntryAttribute(jobKeyOf(entry.job as unknown as JobKey));

const overflowItem = (model: string) => ({
  ...keys.modelJobs(model),
  entity: 'model',
  overflow: true,
});

interface TrimPlan {
  /** Entries past the window of their account and region. */
  remove: string[];
  /** Entries whose rows go, so the item stays within MODEL_ITEM_BUDGET: [name, what it was, what it becomes]. */
  strip: Array<[name: string, stripped: string, was: unknown]>;
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
    list.sort(([, a], [, b]) => newestFirst(a, b));
    remove.push(...list.slice(MODEL_WINDOW).map(([name]) => name));
  }
  const kept = { ...item };
  for (const name of remove) delete kept[name];
  let size = estimateItemSize(kept);
  const strip: TrimPlan['strip'] = [];
  const withRows = [...entries]
    .filter(([name, entry]) => !remove.includes(name) && entry.rows !== null)
    .map(([name, entry]) => [name, entry, estimateItemSize(entry.rows)] as const)
    .sort(([, , a], [, , b]) => b - a);
  for (const [name, entry, rowsSize] of withRows) {
    if (size <= MODEL_ITEM_BUDGET) break;
    strip.push([name, encodeModelEntry({ ...entry, rows: null }), item[name]]);
    size -= rowsSize;
  }
  return { remove, strip, overflow: size > MODEL_ITEM_BUDGET };
}

export type ModelEntryOutcome = 'written' | 'stale' | 'no-model' | 'overflow';

const isTooLarge = (error: unknown) =>
  error instanceof Error && error.name === 'ValidationException' && /size/i.test(error.message);

async function markOverflow(doc: DynamoDBDocumentClient, tableName: string, model: string) {
  await doc.send(new PutCommand({ TableName: tableName, Item: overflowItem(model) }));
  await doc.send(new PutCommand({ TableName: tableName, Item: overflowBestItem(model) }));
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...overflowBestItem(model), ...keys.modelPlan(model), entity: 'model-plan' },
    }),
  );
}

type KnownRecommendation = (
  job: JobKey,
  recommendationId: string,
) => Record<string, unknown> | undefined;

/**
 * Writes the job's entry into its model's item (see above), then the model's answers: one
 * UpdateItem, one PutItem, a GetItem per winner that is another job's recommendation, and
 * one more UpdateItem only when the item then holds a job past the window or passes the budget.
 */
export async function putModelEntry(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: Job,
  recommendations: readonly Recommendation[],
): Promise<ModelEntryOutcome> {
  const model = modelKeyOf(job);
  if (!model) return 'no-model';
  const byId = new Map(recommendations.map((rec) => [rec.recommendationId, rec]));
  const known: KnownRecommendation = (key, recommendationId) => {
    const rec = byId.get(recommendationId);
    const same =
      key.jobName === job.jobName && key.accountId === job.accountId && key.region === job.region;
    return rec && same ? recommendationItem(rec, job) : undefined;
  };
  return writeModelEntry(doc, tableName, model, modelEntry(job, recommendations), known);
}

/**
 * One entry into the model's item, order-safe, then its answers and the trim the item needs (see
 * above). A refused entry still brings the answers up to date: the write before may have stopped
 * between the entry and its answers (a crash, a timeout), and its retry lands here.
 */
export async function writeModelEntry(
  doc: DynamoDBDocumentClient,
  tableName: string,
  model: string,
  entry: ModelEntry,
  known: KnownRecommendation = () => undefined,
): Promise<ModelEntryOutcome> {
  let item: Record<string, unknown>;
  try {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.modelJobs(model),
        UpdateExpression:
          'SET #entry = :entry, #entity = :entity, #fields = :fields ADD #version :one',
        // A string entry compares by its order prefix (model-entry.ts); one of the layout before
        // (a map) by its fields, and the same description replaces it.
        ConditionExpression:
          'attribute_not_exists(#overflow) AND (attribute_not_exists(#entry) OR #entry < :order OR (attribute_type(#entry, :map) AND (#entry.#lmt < :lmt OR (#entry.#lmt = :lmt AND #entry.#rank <= :rank))))',
        ExpressionAttributeNames: {
          '#entry': attributeOf(entry),
          '#entity': 'entity',
          '#fields': 'fields',
          '#overflow': 'overflow',
          '#version': 'version',
          '#lmt': 'lastModifiedTime',
          '#rank': 'statusRank',
        },
        ExpressionAttributeValues: {
          ':entry': encodeModelEntry(entry),
          ':order': entryOrder(entry),
          ':entity': 'model',
          ':fields': MODEL_ROW_FIELDS,
          ':one': 1,
          ':map': 'M',
          ':lmt': entry.lastModifiedTime,
          ':rank': entry.statusRank,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    item = Attributes ?? {};
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      // Stale or duplicate, or the model is past what one item holds.
      await repairModelBest(doc, tableName, model, known);
      return 'stale';
    }
    if (!isTooLarge(error)) throw error;
    await markOverflow(doc, tableName, model);
    return 'overflow';
  }
  const plan = trimPlan(item);
  if (plan.overflow) {
    await markOverflow(doc, tableName, model);
    return 'overflow';
  }
  await putDerived(doc, tableName, model, item, known);
  if (plan.remove.length > 0 || plan.strip.length > 0) await trim(doc, tableName, model, plan);
  return 'written';
}

/** The answers as the model's item says now, put unless as new ones are there. */
async function repairModelBest(
  doc: DynamoDBDocumentClient,
  tableName: string,
  model: string,
  known: KnownRecommendation,
) {
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.modelJobs(model), ConsistentRead: true }),
  );
  if (!Item || Item.overflow === true || typeof Item.version !== 'number') return;
  await putDerived(doc, tableName, model, Item, known);
}

/** The model's answers and plan input from its item as written (both in parallel). */
async function putDerived(
  doc: DynamoDBDocumentClient,
  tableName: string,
  model: string,
  item: Record<string, unknown>,
  known: KnownRecommendation,
) {
  const version = Number(item.version);
  await Promise.all([
    (async () =>
      putModelBest(
        doc,
        tableName,
        model,
        version,
        await modelBestOf(doc, tableName, item, known),
      ))(),
    (async () => {
      const previous = await readModelPlan(doc, tableName, model);
      const plan = await modelPlanOf(doc, tableName, item, known, previous);
      await putModelPlan(doc, tableName, model, version, plan);
    })(),
  ]);
}

async function trim(doc: DynamoDBDocumentClient, tableName: string, model: string, plan: TrimPlan) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const removes = plan.remove.map((name, index) => {
    names[`#d${index}`] = name;
    return `#d${index}`;
  });
  const strips = plan.strip.map(([name, stripped, was], index) => {
    names[`#s${index}`] = name;
    values[`:s${index}`] = stripped;
    values[`:w${index}`] = was;
    return `#s${index} = :s${index}`;
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
        // An entry stripped here must be as read: a concurrent write may have replaced it.
        ...(strips.length
          ? {
              ConditionExpression: plan.strip
                .map((_, index) => `#s${index} = :w${index}`)
                .join(' AND '),
              ExpressionAttributeValues: values,
            }
          : {}),
        ExpressionAttributeNames: names,
      }),
    );
  } catch (error) {
    // A concurrent write trims again after its own update.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
