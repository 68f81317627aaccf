import { paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../../shared/db/batch-get.js';
import { fromItem, modelKeyOf, summaryEntriesOf, type StoredJob } from '../../shared/db/items.js';
import {
  MODEL_WINDOW,
  modelEntry,
  writeModelEntry,
  type ModelRowSource,
} from '../../shared/db/model-store.js';
import { jobKeyOf, keys, layout } from '../../shared/db/table.js';

export interface ModelBackfillReport {
  jobsScanned: number;
  models: number;
  entriesWritten: number;
}

/**
 * Builds each model's item (shared/db/model-store.ts) from the job records and summaries of a
 * table written before ingest kept them: per account and region the MODEL_WINDOW newest jobs of
 * each model, written by the same order-safe update as ingest's, so an ingest running meanwhile
 * keeps its newer entries; each write brings the model's answers (shared/db/model-best.ts) up to
 * date. A job without a readable summary keeps no rows (the routes read its recommendations).
 * Over a table of schema v3, each map entry is replaced by the same entry as a string.
 * Idempotent: run again, every entry is refused as already there.
 */
export async function backfillModelItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<ModelBackfillReport> {
  const report: ModelBackfillReport = { jobsScanned: 0, models: 0, entriesWritten: 0 };
  const byModel = new Map<string, StoredJob[]>();
  for await (const page of paginateScan(
    { client: doc },
    {
      TableName: tableName,
      ConsistentRead: true,
      FilterExpression: '#entity = :job',
      ExpressionAttributeNames: { '#entity': 'entity' },
      ExpressionAttributeValues: { ':job': 'job' },
    },
  )) {
    for (const item of page.Items ?? []) {
      const job = fromItem<StoredJob>(item);
      const model = typeof item[layout.byModel.pk] === 'string' ? modelKeyOf(job) : null;
      report.jobsScanned += 1;
      if (!model || typeof job.status !== 'string') continue;
      byModel.set(model, [...(byModel.get(model) ?? []), job]);
    }
  }
  for (const [model, jobs] of byModel) {
    report.models += 1;
    const newest = [...groupBy(jobs, (job) => `${job.accountId}#${job.region}`).values()].flatMap(
      (scope) =>
        scope.sort((a, b) => sortKeyOf(b).localeCompare(sortKeyOf(a))).slice(0, MODEL_WINDOW),
    );
    const rows = await summaryRows(
      doc,
      tableName,
      newest.filter((job) => job.recommendationCount > 0),
    );
    for (const job of newest) {
      const entry = modelEntry(
        job,
        job.recommendationCount > 0 ? (rows.get(jobId(job)) ?? null) : [],
      );
      if ((await writeModelEntry(doc, tableName, model, entry)) === 'written') {
        report.entriesWritten += 1;
      }
    }
  }
  return report;
}

const sortKeyOf = (job: StoredJob) => `${job.creationTime ?? ''}#${job.jobName}`;
const jobId = (job: StoredJob) => `${job.accountId}#${job.region}#${job.jobName}`;

function groupBy<T>(values: readonly T[], keyOf: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values)
    groups.set(keyOf(value), [...(groups.get(keyOf(value)) ?? []), value]);
  return groups;
}

/** Each job's summary entries (all its chunks, as chunk 0 counts them), by jobId. */
async function summaryRows(
  doc: DynamoDBDocumentClient,
  tableName: string,
  jobs: readonly StoredJob[],
): Promise<Map<string, ModelRowSource[]>> {
  const { items: firsts } = await batchGetAll(
    doc,
    tableName,
    jobs.map((job) => keys.summary(jobKeyOf(job), 0)),
  );
  const further = firsts.flatMap((first) =>
    Array.from({ length: Math.max(0, Number(first.chunkCount ?? 1) - 1) }, (_, index) =>
      keys.summary(jobKeyOf(first as unknown as StoredJob), index + 1),
    ),
  );
  const chunks = [...firsts, ...(await batchGetAll(doc, tableName, further)).items];
  const byJob = new Map<string, Array<Record<string, unknown>>>();
  for (const chunk of chunks) {
    const id = jobId(chunk as unknown as StoredJob);
    byJob.set(id, [...(byJob.get(id) ?? []), chunk]);
  }
  const rows = new Map<string, ModelRowSource[]>();
  for (const [id, list] of byJob) {
    const count = list.find((chunk) => chunk.chunkIndex === 0)?.chunkCount;
    if (list.length !== count) continue;
    const entries = list
      .sort((a, b) => Number(a.chunkIndex) - Number(b.chunkIndex))
      .map((chunk) => summaryEntriesOf(chunk));
    if (entries.every((entry) => entry !== undefined)) rows.set(id, entries.flat());
  }
  return rows;
}
