import type { SummaryEntry } from '../../shared/db/items.js';
import { MODEL_WINDOW, modelEntriesOf, modelRowsOf } from '../../shared/db/model-store.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import { listJobItems } from './job-listing.js';
import { notFound } from './problem.js';
import type { Item, TableReader } from './reader.js';

/** How many of a model's newest jobs "best across its jobs" and the model plan look at. */
export const MAX_MODEL_JOBS = MODEL_WINDOW;

/** One of a model's newest jobs: its record's fields, and its recommendations' rows when kept. */
export interface ModelJob {
  item: Item;
  /** Compact rows of its recommendations (model-store.ts); undefined: read its summary. */
  rows: SummaryEntry[] | undefined;
}

const unknownModel = (modelName: string) =>
  notFound(`No job of model ${modelName} has been recorded.`);

async function modelHasJobs(reader: TableReader, modelName: string): Promise<boolean> {
  const page = await reader.query({
    IndexName: layout.byModel.indexName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': layout.byModel.pk },
    ExpressionAttributeValues: { ':pk': keyValues.modelPk(modelName) },
    Limit: 1,
  });
  return page.items.length > 0;
}

/** The model's newest jobs from its item (one GetItem), or undefined when it has none to trust. */
async function fromModelItem(
  reader: TableReader,
  modelName: string,
  where: { accountId?: string | undefined; region?: string | undefined },
): Promise<ModelJob[] | undefined> {
  const item = await reader.get(keys.modelJobs(modelName));
  if (!item || item.overflow === true || !Array.isArray(item.fields)) return undefined;
  const entries = [...modelEntriesOf(item).values()];
  // Only an overflowed item is empty: the jobs are read as before.
  if (entries.length === 0) return undefined;
  return entries
    .filter(
      (entry) =>
        (where.accountId === undefined || entry.job.accountId === where.accountId) &&
        (where.region === undefined || entry.job.region === where.region),
    )
    .sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0))
    .slice(0, MAX_MODEL_JOBS)
    .map((entry) => ({
      item: { ...entry.job, entity: 'job' },
      rows: modelRowsOf(entry, item.fields as unknown[]),
    }));
}

/**
 * The model's MAX_MODEL_JOBS newest jobs (in an account or region, when given), newest
 * creationTime first; a 404 when the model has no job at all. One item when ingest keeps the
 * model's item (shared/db/model-store.ts); otherwise the job records on GSI2.
 */
export async function newestModelJobs(
  reader: TableReader,
  modelName: string,
  where: { accountId?: string | undefined; region?: string | undefined },
): Promise<ModelJob[]> {
  const kept = await fromModelItem(reader, modelName, where);
  if (kept) return kept;
  const listing = await listJobItems(
    reader,
    { modelName, accountId: where.accountId, region: where.region, limit: MAX_MODEL_JOBS },
    undefined,
  );
  if (listing.items.length === 0) {
    const filtered = where.accountId !== undefined || where.region !== undefined;
    if (!filtered || !(await modelHasJobs(reader, modelName))) throw unknownModel(modelName);
  }
  return listing.items.map((item) => ({ item, rows: undefined }));
}

export { modelHasJobs, unknownModel };
