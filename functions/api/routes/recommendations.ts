import type { z } from 'zod';
import { keys, keyValues } from '../../../shared/db/table.js';
import type { Recommendation } from '../../../shared/model/types.js';
import { notFound } from '../problem.js';
import { queryAll } from '../reader.js';
import {
  compareSortPoints,
  defaultOrder,
  rankRecommendations,
  sortPoint,
  sortPointSchema,
  type RecommendationFilters,
} from '../recommendation-ranking.js';
import type { RouteHandler } from '../route-context.js';
import type { productionVariantSchema } from '../schemas.js';
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
  reader: Parameters<typeof queryAll>[0],
  jobName: string,
): Promise<Recommendation[]> =>
  (await queryAll(reader, childrenQuery(jobName, keyValues.recommendationPrefix))).map(
    recommendationView,
  );

/**
 * One Query reads all of the job's recommendations; they are filtered, sorted and cut into pages
 * here. The cursor remembers the last one shown (its sort value and id), so a page continues
 * after it even if the job was re-ingested in between.
 */
export const listRecommendations: RouteHandler<'listRecommendations'> = async (
  { path, query },
  context,
) => {
  const position = await context.cursor.position(sortPointSchema);
  const all = await readRecommendations(context.reader, path.jobName);
  if (all.length === 0 && !position) await requireJob(context.reader, path.jobName);
  const order = query.order ?? defaultOrder(query.sortBy);
  const ranked = rankRecommendations(all, filtersOf(query), query.sortBy, order);
  const after = position
    ? ranked.findIndex(
        (rec) => compareSortPoints(sortPoint(rec, query.sortBy), position, order) > 0,
      )
    : 0;
  const start = after === -1 ? ranked.length : after;
  const page = ranked.slice(start, start + query.limit);
  const last = page[page.length - 1];
  return {
    body: {
      jobName: path.jobName,
      sortBy: query.sortBy,
      order,
      matchedCount: ranked.length,
      recommendations: page,
      nextCursor:
        last && start + page.length < ranked.length
          ? await context.cursor.next(sortPoint(last, query.sortBy))
          : null,
    },
    itemsReturned: page.length,
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
  const { items } = await context.reader.batchGet([
    keys.job(path.jobName),
    ...ids.map((id) => keys.recommendation(path.jobName, id)),
  ]);
  const jobItem = items.find((item) => item.entity === 'job');
  if (!jobItem || typeof jobItem.status !== 'string') {
    throw notFound(`No job named ${path.jobName} has been recorded.`);
  }
  const recItem = ids
    .map((id) =>
      items.find((item) => item.entity === 'recommendation' && item.recommendationId === id),
    )
    .find((item) => item !== undefined);
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
