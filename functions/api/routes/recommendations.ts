import { scopeOf, type JobKey } from '../../../shared/accounts.js';
import { summaryEntriesOf, type SummaryEntry } from '../../../shared/db/items.js';
import { jobKeyOf, keys, keyValues } from '../../../shared/db/table.js';
import type { Recommendation } from '../../../shared/model/types.js';
import {
  deploymentNotes,
  environmentOf,
  VARIANT_NAME,
  variantConfigurationOf,
} from '../deployment.js';
import { jobRecord, resolveJob } from '../job-ref.js';
import { notFound } from '../problem.js';
import { batchGetAll, queryAll, type Item, type ItemKey, type TableReader } from '../reader.js';
import {
  defaultOrder,
  rankPage,
  sortPointSchema,
  type RankedPage,
  type RecommendationFilters,
} from '../recommendation-ranking.js';
import type { RouteHandler } from '../route-context.js';
import { recommendationView, runningJobView } from '../views.js';
import { childrenQuery } from './jobs.js';

export const filtersOf = (query: RecommendationFilters): RecommendationFilters => ({
  maxModelLatency: query.maxModelLatency,
  minMaxInvocations: query.minMaxInvocations,
  maxCostPerHour: query.maxCostPerHour,
  maxCostPerInference: query.maxCostPerInference,
  instanceType: query.instanceType,
  endpointType: query.endpointType,
  paretoOnly: query.paretoOnly,
});

export const readRecommendations = async (
  reader: TableReader,
  job: JobKey,
): Promise<Recommendation[]> =>
  (await queryAll(reader, childrenQuery(job, keyValues.recommendationPrefix))).map(
    recommendationView,
  );

/** A summary's chunks as one list, or undefined unless they are all there from one write. */
function entriesOfChunks(chunks: readonly Item[]): SummaryEntry[] | undefined {
  const count = chunks.find((chunk) => chunk.chunkIndex === 0)?.chunkCount;
  const ordered = [...chunks].sort((a, b) => Number(a.chunkIndex) - Number(b.chunkIndex));
  // A chunk missing or of another count: read mid-way through a rewrite of the job.
  if (ordered.length !== count || ordered.some((chunk) => chunk.chunkCount !== count)) {
    return undefined;
  }
  const entries: SummaryEntry[] = [];
  for (const chunk of ordered) {
    const chunkEntries = summaryEntriesOf(chunk);
    if (!chunkEntries) return undefined;
    entries.push(...chunkEntries);
  }
  return entries;
}

/** What a map of jobs is keyed by: `<account>#<region>#<name>`. */
export const jobId = (job: JobKey) => `${scopeOf(job)}#${job.jobName}`;

/**
 * The recommendation summaries of these jobs (see summaryItems), by jobId: chunk 0 of each,
 * then the further chunks chunk 0 counts, never stale higher chunks an earlier,
 * longer description left. Jobs without a readable summary are absent from the map.
 */
export async function readSummaries(
  reader: TableReader,
  jobs: readonly JobKey[],
): Promise<Map<string, SummaryEntry[]>> {
  const firstKeys = jobs.map((job) => keys.summary(job, 0));
  // One job (the list route): GetItem, a little quicker than a BatchGetItem of one key.
  const firsts =
    firstKeys.length === 1
      ? [await reader.get(firstKeys[0]!)].filter((item): item is Item => item !== undefined)
      : await batchGetAll(reader, firstKeys);
  const chunksByJob = new Map<string, Item[]>();
  const furtherChunks: ItemKey[] = [];
  const chunkJob = (chunk: Item) => jobKeyOf(chunk as unknown as JobKey);
  for (const first of firsts) {
    const job = chunkJob(first);
    chunksByJob.set(jobId(job), [first]);
    const count = typeof first.chunkCount === 'number' ? first.chunkCount : 1;
    for (let index = 1; index < count; index += 1) {
      furtherChunks.push(keys.summary(job, index));
    }
  }
  for (const chunk of await batchGetAll(reader, furtherChunks)) {
    chunksByJob.get(jobId(chunkJob(chunk)))?.push(chunk);
  }
  const summaries = new Map<string, SummaryEntry[]>();
  for (const [id, chunks] of chunksByJob) {
    const entries = entriesOfChunks(chunks);
    if (entries) summaries.set(id, entries);
  }
  return summaries;
}

/** The full recommendations of a page of summary entries, in the page's order. */
async function readPage(
  reader: TableReader,
  job: JobKey,
  entries: readonly SummaryEntry[],
): Promise<Recommendation[]> {
  const items = await batchGetAll(
    reader,
    entries.map((entry) => keys.recommendation(job, entry.recommendationId)),
  );
  const byId = new Map(items.map((item) => [item.recommendationId, item]));
  return entries.map((entry) => {
    const item = byId.get(entry.recommendationId);
    if (!item) {
      throw new Error(
        `The summary of job ${job.jobName} (${job.accountId}/${job.region}) lists ${entry.recommendationId} but the recommendation is not stored`,
      );
    }
    return recommendationView(item);
  });
}

/**
 * Ranks the job's summary item (one read for up to 1,000 recommendations) and then reads only
 * the recommendations of the page, so a page costs the summary plus what it returns. The cursor
 * remembers the last one shown (its sort value and id), so a page continues after it even if
 * the job was re-ingested in between.
 */
export const listRecommendations: RouteHandler<'listRecommendations'> = async (
  { path, query },
  context,
) => {
  const position = await context.cursor.position(sortPointSchema);
  const order = query.order ?? defaultOrder(query.sortBy);
  const ranking = { filters: filtersOf(query), sortBy: query.sortBy, order, limit: query.limit };
  const found = await resolveJob(context.reader, {
    ref: path.jobName,
    accountId: query.accountId,
    region: query.region,
  });
  const { key } = found;
  const summary = (await readSummaries(context.reader, [key])).get(jobId(key));

  let ranked: RankedPage<Recommendation>;
  // A job with a summary has ended; one without may still run, and the answer then says so.
  let runningJob: ReturnType<typeof runningJobView> = null;
  if (summary) {
    const { page, ...rest } = rankPage(summary, ranking, position);
    ranked = { ...rest, page: await readPage(context.reader, key, page) };
  } else {
    // No summary: no job, a job without recommendations, or one stored before ingest wrote
    // summaries, whose recommendations are all read and ranked (the job's size read for a page).
    const item = await jobRecord(context.reader, found);
    runningJob = runningJobView(item);
    const all =
      item.recommendationCount === 0 ? [] : await readRecommendations(context.reader, key);
    ranked = rankPage(all, ranking, position);
  }
  return {
    body: {
      ...key,
      sortBy: query.sortBy,
      order,
      matchedCount: ranked.matchedCount,
      recommendations: ranked.page,
      nextCursor: ranked.next ? await context.cursor.next(ranked.next) : null,
      runningJob,
    },
    itemsReturned: ranked.page.length,
  };
};

/** Ids are `<jobName>/<8 characters>`; a bare suffix, or an id SageMaker gave without a slash, works too. */
function candidateIds(jobName: string, id: string): string[] {
  return id.includes('/') ? [id] : [`${jobName}/${id}`, id];
}

export const getRecommendation: RouteHandler<'getRecommendation'> = async (
  { path, query },
  context,
) => {
  const found = await resolveJob(context.reader, { ref: path.jobName, ...query });
  const { key } = found;
  const ids = candidateIds(key.jobName, path.id);
  const { items } = await context.reader.batchGet(ids.map((id) => keys.recommendation(key, id)));
  const recItem = ids
    .map((id) => items.find((item) => item.recommendationId === id))
    .find((item) => item !== undefined);
  if (!recItem) {
    // An unknown job is told apart from an unknown recommendation.
    await jobRecord(context.reader, found);
    throw notFound(
      `Job ${key.jobName} (${key.accountId}/${key.region}) has no recommendation ${path.id}. GET /jobs/${key.jobName}/recommendations?accountId=${key.accountId}&region=${key.region} lists its ids.`,
    );
  }
  const rec = recommendationView(recItem);
  // Recommendations carry their job's model (recommendationItem in shared/db/items.ts).
  const job = {
    modelName: typeof recItem.modelName === 'string' ? recItem.modelName : null,
    modelPackageVersionArn:
      typeof recItem.modelPackageVersionArn === 'string' ? recItem.modelPackageVersionArn : null,
  };
  const configuration = variantConfigurationOf(rec);
  const notes = deploymentNotes(rec, job);
  if (!configuration) {
    notes.unshift(
      'SageMaker reported no complete endpoint configuration for this recommendation: no ProductionVariant can be built from it.',
    );
  }
  return {
    body: {
      recommendation: rec,
      productionVariant: configuration && {
        VariantName: VARIANT_NAME,
        ModelName: job.modelName,
        ...configuration,
      },
      environment: environmentOf(rec),
      modelPackageVersionArn: job.modelPackageVersionArn,
      notes,
    },
    itemsReturned: 1,
  };
};
