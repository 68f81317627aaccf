import type { z } from 'zod';
import { summaryEntriesOf, type SummaryEntry } from '../../../shared/db/items.js';
import { keys, keyValues } from '../../../shared/db/table.js';
import type { Recommendation } from '../../../shared/model/types.js';
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
import type { productionVariantSchema } from '../responses.js';
import { recommendationView } from '../views.js';
import { childrenQuery, requireJob } from './jobs.js';

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
  jobName: string,
): Promise<Recommendation[]> =>
  (await queryAll(reader, childrenQuery(jobName, keyValues.recommendationPrefix))).map(
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

/**
 * The recommendation summaries of these jobs (see summaryItems), by job name: chunk 0 of each,
 * then the further chunks chunk 0 counts, never stale higher chunks an earlier,
 * longer description left. Jobs without a readable summary are absent from the map.
 */
export async function readSummaries(
  reader: TableReader,
  jobNames: readonly string[],
): Promise<Map<string, SummaryEntry[]>> {
  const firstKeys = jobNames.map((jobName) => keys.summary(jobName, 0));
  // One job (the list route): GetItem, a little quicker than a BatchGetItem of one key.
  const firsts =
    firstKeys.length === 1
      ? [await reader.get(firstKeys[0]!)].filter((item): item is Item => item !== undefined)
      : await batchGetAll(reader, firstKeys);
  const chunksByJob = new Map<string, Item[]>();
  const furtherChunks: ItemKey[] = [];
  for (const first of firsts) {
    const jobName = String(first.jobName);
    chunksByJob.set(jobName, [first]);
    const count = typeof first.chunkCount === 'number' ? first.chunkCount : 1;
    for (let index = 1; index < count; index += 1) {
      furtherChunks.push(keys.summary(jobName, index));
    }
  }
  for (const chunk of await batchGetAll(reader, furtherChunks)) {
    chunksByJob.get(String(chunk.jobName))?.push(chunk);
  }
  const summaries = new Map<string, SummaryEntry[]>();
  for (const [jobName, chunks] of chunksByJob) {
    const entries = entriesOfChunks(chunks);
    if (entries) summaries.set(jobName, entries);
  }
  return summaries;
}

/** The full recommendations of a page of summary entries, in the page's order. */
async function readPage(
  reader: TableReader,
  jobName: string,
  entries: readonly SummaryEntry[],
): Promise<Recommendation[]> {
  const items = await batchGetAll(
    reader,
    entries.map((entry) => keys.recommendation(jobName, entry.recommendationId)),
  );
  const byId = new Map(items.map((item) => [item.recommendationId, item]));
  return entries.map((entry) => {
    const item = byId.get(entry.recommendationId);
    if (!item) {
      throw new Error(
        `The summary of job ${jobName} lists ${entry.recommendationId} but the recommendation is not stored`,
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
  const summary = (await readSummaries(context.reader, [path.jobName])).get(path.jobName);

  let ranked: RankedPage<Recommendation>;
  if (summary) {
    const { page, ...rest } = rankPage(summary, ranking, position);
    ranked = { ...rest, page: await readPage(context.reader, path.jobName, page) };
  } else {
    // No summary: a job without recommendations, or one stored before ingest wrote summaries,
    // whose recommendations are all read and ranked (the job's size read for a page).
    const job = await requireJob(context.reader, path.jobName);
    const all =
      job.recommendationCount === 0 ? [] : await readRecommendations(context.reader, path.jobName);
    ranked = rankPage(all, ranking, position);
  }
  return {
    body: {
      jobName: path.jobName,
      sortBy: query.sortBy,
      order,
      matchedCount: ranked.matchedCount,
      recommendations: ranked.page,
      nextCursor: ranked.next ? await context.cursor.next(ranked.next) : null,
    },
    itemsReturned: ranked.page.length,
  };
};

type ProductionVariant = z.infer<typeof productionVariantSchema>;

/** `AllTraffic` is the variant name SageMaker's own SDKs give a single-variant endpoint. */
const VARIANT_NAME = 'AllTraffic';

export function productionVariantOf(
  rec: Recommendation,
  modelName: string | null,
): ProductionVariant | null {
  if (rec.endpointType === 'Serverless') {
    const memory = rec.serverless?.memorySizeInMB;
    const concurrency = rec.serverless?.maxConcurrency;
    const provisioned = rec.serverless?.provisionedConcurrency;
    if (!memory || !concurrency) return null;
    return {
      VariantName: VARIANT_NAME,
      ModelName: modelName,
      ServerlessConfig: {
        MemorySizeInMB: memory,
        MaxConcurrency: concurrency,
        ...(provisioned ? { ProvisionedConcurrency: provisioned } : {}),
      },
    };
  }
  if (!rec.instanceType || !rec.initialInstanceCount) return null;
  return {
    VariantName: VARIANT_NAME,
    ModelName: modelName,
    InstanceType: rec.instanceType,
    InitialInstanceCount: rec.initialInstanceCount,
  };
}

export function environmentOf(rec: Recommendation): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const parameter of rec.environmentParameters) {
    if (parameter.key !== null && parameter.value !== null) {
      environment[parameter.key] = parameter.value;
    }
  }
  return environment;
}

function deploymentNotes(
  rec: Recommendation,
  job: { modelName: string | null; modelPackageVersionArn: string | null },
  variant: ProductionVariant | null,
  environment: Record<string, string>,
): string[] {
  const notes: string[] = [];
  if (!variant) {
    notes.push(
      'SageMaker reported no complete endpoint configuration for this recommendation: no ProductionVariant can be built from it.',
    );
  }
  if (job.modelName === null && job.modelPackageVersionArn !== null) {
    notes.push(
      `The job benchmarked model package ${job.modelPackageVersionArn}: create a Model from it (CreateModel with PrimaryContainer.ModelPackageName) and put that model's name in ModelName.`,
    );
  }
  if (Object.keys(environment).length > 0) {
    notes.push(
      'A ProductionVariant has no environment: the model was measured with `environment` set on its container, so create the Model with PrimaryContainer.Environment holding those variables.',
    );
  }
  const specification = rec.modelConfiguration?.inferenceSpecificationName;
  if (specification) {
    notes.push(`Use the model package's inference specification ${specification}.`);
  }
  const compilation = rec.modelConfiguration?.compilationJobName;
  if (compilation) {
    notes.push(
      `The model was measured as compiled by compilation job ${compilation}: deploy those artifacts.`,
    );
  }
  return notes;
}

/** Ids are `<jobName>/<8 characters>`; a bare suffix, or an id SageMaker gave without a slash, works too. */
function candidateIds(jobName: string, id: string): string[] {
  return id.includes('/') ? [id] : [`${jobName}/${id}`, id];
}

export const getRecommendation: RouteHandler<'getRecommendation'> = async ({ path }, context) => {
  const ids = candidateIds(path.jobName, path.id);
  const { items } = await context.reader.batchGet(
    ids.map((id) => keys.recommendation(path.jobName, id)),
  );
  const recItem = ids
    .map((id) => items.find((item) => item.recommendationId === id))
    .find((item) => item !== undefined);
  // The job is read only to tell an unknown job from an unknown recommendation, and for items
  // stored before recommendations carried their model.
  const jobItem =
    !recItem || !('modelName' in recItem)
      ? await context.reader.get(keys.job(path.jobName))
      : recItem;
  if (!jobItem || (!recItem && typeof jobItem.status !== 'string')) {
    throw notFound(`No job named ${path.jobName} has been recorded.`);
  }
  if (!recItem) {
    throw notFound(
      `Job ${path.jobName} has no recommendation ${path.id}. GET /jobs/${path.jobName}/recommendations lists its ids.`,
    );
  }
  const rec = recommendationView(recItem);
  const job = {
    modelName: typeof jobItem.modelName === 'string' ? jobItem.modelName : null,
    modelPackageVersionArn:
      typeof jobItem.modelPackageVersionArn === 'string' ? jobItem.modelPackageVersionArn : null,
  };
  const variant = productionVariantOf(rec, job.modelName);
  const environment = environmentOf(rec);
  return {
    body: {
      recommendation: rec,
      productionVariant: variant,
      environment,
      modelPackageVersionArn: job.modelPackageVersionArn,
      notes: deploymentNotes(rec, job, variant, environment),
    },
    itemsReturned: 1,
  };
};
