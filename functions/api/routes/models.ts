import { jobKeyOf, keys, keyValues, layout } from '../../../shared/db/table.js';
import type { BestEntry } from '../../../shared/events.js';
import type { Recommendation } from '../../../shared/model/types.js';
import { jobListingPositionSchema, listJobItems } from '../job-listing.js';
import { notFound } from '../problem.js';
import type { Item, TableReader } from '../reader.js';
import {
  BEST_ENTRY,
  compareSortPoints,
  defaultOrder,
  hasFilters,
  matchesFilters,
  type Rankable,
  type SortPoint,
} from '../recommendation-ranking.js';
import type { RouteHandler } from '../route-context.js';
import { jobSummaryView, recommendationView, type JobSummary } from '../views.js';
import { filtersOf, jobId, readRecommendations, readSummaries } from './recommendations.js';

/** How many of a model's newest jobs "best across its jobs" looks at: a bounded few Queries. */
export const MAX_MODEL_JOBS = 50;
const PARALLEL_QUERIES = 5;

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

export const listModelJobs: RouteHandler<'listModelJobs'> = async ({ path, query }, context) => {
  const position = await context.cursor.position(jobListingPositionSchema);
  const listing = await listJobItems(
    context.reader,
    { ...query, modelName: path.modelName },
    position,
  );
  if (listing.items.length === 0 && !position) {
    // Empty because of the filters, or because the model is unknown: only the latter is a 404.
    const filtered =
      query.status !== undefined ||
      query.createdAfter !== undefined ||
      query.accountId !== undefined ||
      query.region !== undefined;
    if (!filtered || !(await modelHasJobs(context.reader, path.modelName))) {
      throw unknownModel(path.modelName);
    }
  }
  return {
    body: {
      modelName: path.modelName,
      jobs: listing.items.map(jobSummaryView),
      sortedBy: listing.sortedBy,
      nextCursor: listing.next ? await context.cursor.next(listing.next) : null,
    },
    itemsReturned: listing.items.length,
  };
};

export async function mapInBatches<T, R>(
  values: readonly T[],
  size: number,
  map: (value: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < values.length; start += size) {
    results.push(...(await Promise.all(values.slice(start, start + size).map(map))));
  }
  return results;
}

/**
 * The records of the model's MAX_MODEL_JOBS newest jobs (in an account or region, when given),
 * newest creationTime first; a 404 when the model has no job at all.
 */
export async function newestModelJobItems(
  reader: TableReader,
  modelName: string,
  where: { accountId?: string | undefined; region?: string | undefined },
): Promise<Item[]> {
  const listing = await listJobItems(
    reader,
    { modelName, accountId: where.accountId, region: where.region, limit: MAX_MODEL_JOBS },
    undefined,
  );
  if (listing.items.length === 0) {
    const filtered = where.accountId !== undefined || where.region !== undefined;
    if (!filtered || !(await modelHasJobs(reader, modelName))) throw unknownModel(modelName);
  }
  return listing.items;
}

interface Candidate {
  job: JobSummary;
  point: SortPoint;
  recommendation?: Recommendation;
}

/**
 * Without filters the jobs' own `best` entries answer, so only the winner is read (jobs + 1
 * items). With filters the per-job best cannot know which recommendations pass: each candidate
 * job's summary item is filtered instead (jobs + summaries + 1 items), and the recommendations
 * themselves only for a job stored without a summary.
 */
export const bestModelRecommendation: RouteHandler<'bestModelRecommendation'> = async (
  { path, query },
  context,
) => {
  const items = await newestModelJobItems(context.reader, path.modelName, query);
  const jobs = items.map(jobSummaryView).filter((job) => job.recommendationCount > 0);
  const order = defaultOrder(query.best);
  const filters = filtersOf(query);
  const passes = (rec: Rankable) =>
    rec.metrics[query.best] !== null && matchesFilters(rec, filters);
  const pointOf = (rec: Rankable): SortPoint => ({
    value: rec.metrics[query.best],
    id: rec.recommendationId,
  });

  let candidates: Candidate[];
  if (!hasFilters(filters)) {
    candidates = jobs.flatMap((job) => {
      const entry: BestEntry | null = job.best[BEST_ENTRY[query.best]];
      return entry ? [{ job, point: { value: entry.value, id: entry.recommendationId } }] : [];
    });
  } else {
    const summaries = await readSummaries(context.reader, jobs.map(jobKeyOf));
    const withoutSummary = jobs.filter((job) => !summaries.has(jobId(job)));
    const perJob = await mapInBatches(withoutSummary, PARALLEL_QUERIES, async (job) =>
      (await readRecommendations(context.reader, jobKeyOf(job)))
        .filter(passes)
        .map((rec) => ({ job, recommendation: rec, point: pointOf(rec) })),
    );
    candidates = [
      ...jobs.flatMap((job) =>
        (summaries.get(jobId(job)) ?? [])
          .filter(passes)
          .map((entry) => ({ job, point: pointOf(entry) })),
      ),
      ...perJob.flat(),
    ];
  }
  const winner = candidates.reduce<Candidate | undefined>(
    (best, candidate) =>
      !best || compareSortPoints(candidate.point, best.point, order) < 0 ? candidate : best,
    undefined,
  );

  let recommendation = winner?.recommendation;
  if (winner && !recommendation) {
    const item: Item | undefined = await context.reader.get(
      keys.recommendation(jobKeyOf(winner.job), winner.point.id),
    );
    if (!item) {
      throw new Error(
        `Job ${winner.job.jobName} names ${winner.point.id} as best but the recommendation is not stored`,
      );
    }
    recommendation = recommendationView(item);
  }
  return {
    body: {
      modelName: path.modelName,
      best: query.best,
      recommendation: recommendation ?? null,
      job: winner?.job ?? null,
      jobsConsidered: items.length,
    },
    itemsReturned: recommendation ? 2 : 0,
  };
};
