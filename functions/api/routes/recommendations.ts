import { parseJobArn, scopeOf, type JobKey } from '../../../shared/accounts.js';
import {
  recommendationListOf,
  summaryEntriesOf,
  type RecommendationList,
  type SummaryEntry,
} from '../../../shared/db/items.js';
import { jobKeyOf, keys, keyValues, layout } from '../../../shared/db/table.js';
import type { Recommendation } from '../../../shared/model/types.js';
import {
  deploymentNotes,
  environmentOf,
  VARIANT_NAME,
  variantConfigurationOf,
} from '../deployment.js';
import { jobRecord, oneJobOf, resolveJob, type FoundJob, type JobRef } from '../job-ref.js';
import { notFound } from '../problem.js';
import {
  batchGetAll,
  queryAll,
  type Item,
  type ItemKey,
  type QueryInput,
  type TableReader,
} from '../reader.js';
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

/** A recommendation of a list as the API shows it: field by field, as from an item. */
const listedView = (rec: Recommendation) => recommendationView(rec as unknown as Item);

/** A Query of the name's partition between two sort keys. */
const rangeQuery = (jobName: string, first: string, last: string): QueryInput => ({
  KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
  ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
  ExpressionAttributeValues: { ':pk': keyValues.jobPk(jobName), ':first': first, ':last': last },
});

const skOf = (item: Item) => String(item[layout.primary.sk]);

/** Past any character that follows the list prefix in a sort key (digits, `#`). */
const AFTER = '~';

/**
 * The job a request names and its recommendation list chunks (recommendationListItems), in one
 * Query where a bare query would make one: a name with its account and region reads the job's
 * chunks; a bare name (or one with only its account, or only its region) reads the name's job
 * records and their chunks at once, `JOB#` … `JOBRECS#~`, and picks its job as resolveJob does.
 * An ARN is resolveJob's GetItem, then the chunks.
 */
async function resolveJobWithList(
  reader: TableReader,
  ref: JobRef,
): Promise<{ found: FoundJob; chunks: Item[] }> {
  if (parseJobArn(ref.ref) || (ref.accountId !== undefined && ref.region !== undefined)) {
    const found = await resolveJob(reader, ref);
    const prefix = keyValues.recommendationListPrefix(found.key);
    return {
      found,
      chunks: await queryAll(reader, rangeQuery(found.key.jobName, prefix, `${prefix}${AFTER}`)),
    };
  }
  const first =
    ref.accountId === undefined
      ? keyValues.jobSkPrefix
      : `${keyValues.jobSkPrefix}${ref.accountId}#`;
  const items = await queryAll(
    reader,
    rangeQuery(ref.ref, first, `${keyValues.recommendationListFamily}${AFTER}`),
  );
  const found = oneJobOf(ref, items);
  const prefix = keyValues.recommendationListPrefix(found.key);
  return { found, chunks: items.filter((item) => skOf(item).startsWith(prefix)) };
}

/**
 * Ranks and pages the job's recommendation list, read with the job in one Query (see
 * resolveJobWithList): no second request. A job without a complete list (stored before ingest
 * wrote lists, running, or without recommendations) is ranked from its summary item, then only
 * the page's recommendations are read; or, without a summary either, from its recommendations.
 * The cursor remembers the last one shown (its sort value and id), so a page continues after it
 * even if the job was re-ingested in between.
 */
export const listRecommendations: RouteHandler<'listRecommendations'> = async (
  { path, query },
  context,
) => {
  const position = await context.cursor.position(sortPointSchema);
  const order = query.order ?? defaultOrder(query.sortBy);
  const ranking = { filters: filtersOf(query), sortBy: query.sortBy, order, limit: query.limit };
  const { found, chunks } = await resolveJobWithList(context.reader, {
    ref: path.jobName,
    accountId: query.accountId,
    region: query.region,
  });
  const { key } = found;
  const list = recommendationListOf(chunks);

  let ranked: RankedPage<Recommendation>;
  // A job with a list or a summary has ended; one without may still run, and the answer says so.
  let runningJob: ReturnType<typeof runningJobView> = null;
  if (list) {
    const { page, ...rest } = rankPage(list.recommendations, ranking, position);
    ranked = { ...rest, page: page.map(listedView) };
  } else {
    // A record read with the list that counts no recommendations (running, failed): no summary.
    const summary =
      found.item?.recommendationCount === 0
        ? undefined
        : (await readSummaries(context.reader, [key])).get(jobId(key));
    if (summary) {
      const { page, ...rest } = rankPage(summary, ranking, position);
      ranked = { ...rest, page: await readPage(context.reader, key, page) };
    } else {
      // No summary: no job, a job without recommendations, or one stored before ingest wrote
      // summaries, whose recommendations are all read and ranked.
      const item = await jobRecord(context.reader, found);
      runningJob = runningJobView(item);
      const all =
        item.recommendationCount === 0 ? [] : await readRecommendations(context.reader, key);
      ranked = rankPage(all, ranking, position);
    }
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

type Model = Pick<RecommendationList, 'modelName' | 'modelPackageVersionArn'>;

/**
 * The recommendation a bare name (or one with only its account, or only its region) and an id
 * name, from the list chunks of the name's jobs: one Query on `JOBRECS#` that reads one item for
 * a job of up to a few hundred recommendations. Undefined unless exactly one job's list holds
 * the id: the caller then resolves the job as every route does (404, 409, a job stored before
 * lists were written).
 */
async function findInLists(
  reader: TableReader,
  ref: JobRef,
  id: string,
): Promise<{ rec: Recommendation; model: Model } | undefined> {
  const prefix = `${keyValues.recommendationListFamily}${ref.accountId === undefined ? '' : `${ref.accountId}#`}`;
  const chunks = await queryAll(reader, rangeQuery(ref.ref, prefix, `${prefix}${AFTER}`));
  const byJob = new Map<string, Item[]>();
  for (const chunk of chunks) {
    if (ref.region !== undefined && chunk.region !== ref.region) continue;
    const job = jobId(jobKeyOf(chunk as unknown as JobKey));
    byJob.set(job, [...(byJob.get(job) ?? []), chunk]);
  }
  const found: Array<{ rec: Recommendation; model: Model }> = [];
  for (const jobChunks of byJob.values()) {
    const list = recommendationListOf(jobChunks);
    if (!list) continue;
    const ids = candidateIds(list.recommendations[0]?.jobName ?? ref.ref, id);
    const rec = ids
      .map((candidate) => list.recommendations.find((r) => r.recommendationId === candidate))
      .find((r) => r !== undefined);
    if (rec) found.push({ rec: listedView(rec), model: list });
  }
  return found.length === 1 ? found[0] : undefined;
}

/** The recommendation item of the id in the job the request names; a 404 when there is none. */
async function readRecommendationItem(
  reader: TableReader,
  ref: JobRef,
  id: string,
): Promise<{ rec: Recommendation; model: Model }> {
  const found = await resolveJob(reader, ref);
  const { key } = found;
  const ids = candidateIds(key.jobName, id);
  const { items } = await reader.batchGet(
    ids.map((candidate) => keys.recommendation(key, candidate)),
  );
  const recItem = ids
    .map((candidate) => items.find((item) => item.recommendationId === candidate))
    .find((item) => item !== undefined);
  if (!recItem) {
    // An unknown job is told apart from an unknown recommendation.
    await jobRecord(reader, found);
    throw notFound(
      `Job ${key.jobName} (${key.accountId}/${key.region}) has no recommendation ${id}. GET /jobs/${key.jobName}/recommendations?accountId=${key.accountId}&region=${key.region} lists its ids.`,
    );
  }
  // Recommendations carry their job's model (recommendationItem in shared/db/items.ts).
  return {
    rec: recommendationView(recItem),
    model: {
      modelName: typeof recItem.modelName === 'string' ? recItem.modelName : null,
      modelPackageVersionArn:
        typeof recItem.modelPackageVersionArn === 'string' ? recItem.modelPackageVersionArn : null,
    },
  };
}

/**
 * A name with its account and region, or an ARN, reads the recommendation item (one GetItem or
 * BatchGetItem); a bare name reads its jobs' lists first (findInLists), which answers it with one
 * item read where resolving the job would read its record too.
 */
export const getRecommendation: RouteHandler<'getRecommendation'> = async (
  { path, query },
  context,
) => {
  const ref: JobRef = { ref: path.jobName, ...query };
  const bare =
    parseJobArn(ref.ref) === undefined && (ref.accountId === undefined || ref.region === undefined);
  const { rec, model: job } =
    (bare ? await findInLists(context.reader, ref, path.id) : undefined) ??
    (await readRecommendationItem(context.reader, ref, path.id));
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
