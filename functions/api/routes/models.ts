import { modelBestFrom, type ModelBest } from '../../../shared/db/model-best.js';
import { jobKeyOf, keys } from '../../../shared/db/table.js';
import type { BestEntry } from '../../../shared/events.js';
import type { Recommendation } from '../../../shared/model/types.js';
import { jobListingPositionSchema, listJobItems } from '../job-listing.js';
import type { Item } from '../reader.js';
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
import { modelHasJobs, newestModelJobs, unknownModel } from '../model-jobs.js';
import { filtersOf, jobId, readRecommendations, readSummaries } from './recommendations.js';

const PARALLEL_QUERIES = 5;

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

interface Candidate {
  job: JobSummary;
  point: SortPoint;
  recommendation?: Recommendation;
}

/**
 * Without an account or region, the model's answers that ingest keeps (shared/db/model-best.ts)
 * answer: that small item alone, with filters too when its winner passes them (the best of all,
 * if it passes, is the best of those that pass). Otherwise the model's item (model-jobs.ts)
 * holds its newest jobs with their `best` and a row per recommendation: the rows answer, then
 * the winner is read. A job kept without rows is filtered from its summary item, and from its
 * recommendations only when stored without one; a model without those items reads its job
 * records on GSI2 first.
 */
export const bestModelRecommendation: RouteHandler<'bestModelRecommendation'> = async (
  { path, query },
  context,
) => {
  const filters = filtersOf(query);
  const filtered = hasFilters(filters);
  const everywhere = query.accountId === undefined && query.region === undefined;
  const passes = (rec: Rankable) =>
    rec.metrics[query.best] !== null && matchesFilters(rec, filters);
  const answered = (kept: ModelBest) => {
    const answer = kept.answers[query.best];
    const recommendation = answer && recommendationView(answer.recommendation);
    if (recommendation && filtered && !passes(recommendation)) return undefined;
    return {
      body: {
        modelName: path.modelName,
        best: query.best,
        recommendation,
        job: answer && jobSummaryView(answer.job),
        jobsConsidered: kept.jobsConsidered,
      },
      itemsReturned: answer ? 2 : 0,
    };
  };
  if (everywhere) {
    // First: the model's item is some 100 KB, its answers a few.
    const kept = modelBestFrom(await context.reader.get(keys.modelBest(path.modelName)));
    const answer = kept && answered(kept);
    if (answer) return answer;
  }
  const modelJobs = await newestModelJobs(context.reader, path.modelName, query);
  const withRecommendations = modelJobs
    .map((modelJob) => ({ job: jobSummaryView(modelJob.item), rows: modelJob.rows }))
    .filter(({ job }) => job.recommendationCount > 0);
  const jobs = withRecommendations.map(({ job }) => job);
  const order = defaultOrder(query.best);
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
    const kept = new Map(
      withRecommendations.flatMap(({ job, rows }) => (rows ? [[jobId(job), rows] as const] : [])),
    );
    const toRead = jobs.filter((job) => !kept.has(jobId(job)));
    const summaries = new Map([
      ...kept,
      ...(await readSummaries(context.reader, toRead.map(jobKeyOf))),
    ]);
    const withoutSummary = toRead.filter((job) => !summaries.has(jobId(job)));
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
      jobsConsidered: modelJobs.length,
    },
    itemsReturned: recommendation ? 2 : 0,
  };
};
