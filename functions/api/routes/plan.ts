import type * as z from 'zod/mini';
import { jobKeyOf } from '../../../shared/db/table.js';
import type { JsonValue } from '../../../shared/model/types.js';
import { fromItem, type StoredJob } from '../../../shared/db/items.js';
import type { Recommendation } from '../../../shared/model/types.js';
import {
  entryForSageMaker,
  planCapacity,
  questionFor,
  sideBySide,
  type CapacityPlan,
  type ExistingEndpointInput,
  type PlanCandidate,
  type ScalingSideBySide,
  type TrafficObjective,
} from '../capacity-plan.js';
import { jobRecord, resolveJob } from '../job-ref.js';
import { badRequest, ProblemError } from '../problem.js';
import type { Item } from '../reader.js';
import type { RouteContext, RouteHandler } from '../route-context.js';
import type { jobPlanQuerySchema } from '../schemas.js';
import { jobView, type JobView } from '../views.js';
import { configurationOf, spreadOf } from './compare.js';
import { mapInBatches, newestModelJobItems } from './models.js';
import { readRecommendations } from './recommendations.js';

type PlanQuery = Omit<z.output<typeof jobPlanQuerySchema>, 'accountId' | 'region'>;

const PARALLEL_QUERIES = 5;

/** The objective with its defaults; the one rule between two parameters checked here. */
export function objectiveOf(query: PlanQuery): TrafficObjective {
  const peak = query.peakInvocationsPerMinute;
  const baseline = query.baselineInvocationsPerMinute ?? peak;
  if (baseline > peak) {
    throw badRequest([
      {
        name: 'baselineInvocationsPerMinute',
        in: 'query',
        reason: `must not exceed peakInvocationsPerMinute (${peak}): the baseline is the traffic outside the peak`,
      },
    ]);
  }
  return {
    peakInvocationsPerMinute: peak,
    baselineInvocationsPerMinute: baseline,
    peakHoursPerDay: query.peakHoursPerDay,
    maxModelLatency: query.maxModelLatency,
    targetUtilization: query.targetUtilization,
    minInstances: query.minInstances,
    endpointType: query.endpointType,
    latency: query.latency,
  };
}

const objectiveView = (objective: TrafficObjective, source: PlanQuery['source']) => ({
  ...objective,
  source,
  maxModelLatency: objective.maxModelLatency ?? null,
  endpointType: objective.endpointType ?? null,
});

const isRecord = (value: JsonValue | undefined): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The job's latency thresholds as stored (StoppingConditions camelCased), e.g. "P95 ≤ 100 ms". */
export function latencyThresholdsOf(job: JobView): string[] {
  const thresholds = job.stoppingConditions?.modelLatencyThresholds;
  if (!Array.isArray(thresholds)) return [];
  return thresholds.filter(isRecord).map((threshold) => {
    const percentile = typeof threshold.percentile === 'string' ? threshold.percentile : 'P?';
    return `${percentile} ≤ ${String(threshold.valueInMilliseconds)} ms`;
  });
}

/**
 * The endpoints a job benchmarked: as ingest recorded them once the job ended, else (a job
 * recorded before ingest looked) by the names its InputConfig.Endpoints gives, unknown.
 */
export function existingEndpointsOf(item: Item): ExistingEndpointInput[] {
  const job = fromItem<StoredJob>(item);
  if (job.existingEndpoints) {
    return job.existingEndpoints.map((existing) => ({
      endpointName: existing.endpointName,
      existing,
    }));
  }
  const named = job.inputConfig?.endpoints;
  return (Array.isArray(named) ? named : [])
    .filter(isRecord)
    .map((endpoint) => endpoint.endpointName)
    .filter((name): name is string => typeof name === 'string')
    .map((endpointName) => ({ endpointName, existing: undefined }));
}

/**
 * source=sagemaker: GetScalingConfigurationRecommendation for the first-ranked entry SageMaker
 * can answer about (a real-time one that serves the traffic, with an id SageMaker gave it), at
 * the same traffic. SageMaker answers only for COMPLETED jobs: anything else is a 409 here,
 * before the call.
 */
async function sageMakerOpinion(
  plan: CapacityPlan,
  objective: TrafficObjective,
  recommendations: readonly Recommendation[],
  jobs: readonly JobView[],
  context: RouteContext,
): Promise<ScalingSideBySide> {
  const known = new Set(
    recommendations
      .filter((rec) => !rec.recommendationIdDerived)
      .map((rec) => `${rec.accountId}/${rec.region}/${rec.jobName}/${rec.recommendationId}`),
  );
  const entry = entryForSageMaker(plan, (candidate) =>
    known.has(
      `${candidate.accountId}/${candidate.region}/${candidate.jobName}/${candidate.recommendationId}`,
    ),
  );
  if (!entry) {
    throw new ProblemError(
      409,
      'source=sagemaker asks SageMaker about the first-ranked real-time entry that can serve the traffic, and this plan has none (serverless endpoints have no scaling policy; recommendations without a SageMaker id cannot be named).',
    );
  }
  const job = jobs.find(
    (candidate) =>
      candidate.jobName === entry.jobName &&
      candidate.accountId === entry.accountId &&
      candidate.region === entry.region,
  );
  if (job && job.status !== 'COMPLETED') {
    throw new ProblemError(
      409,
      `Job ${job.jobName} is ${job.status}: SageMaker gives scaling recommendations for COMPLETED jobs only (source=sagemaker).`,
    );
  }
  const answer = await context.scalingRecommendation(questionFor(entry, objective));
  return sideBySide(entry, objective, answer);
}

export const jobPlan: RouteHandler<'jobPlan'> = async ({ path, query }, context) => {
  const objective = objectiveOf(query);
  const found = await resolveJob(context.reader, {
    ref: path.jobName,
    accountId: query.accountId,
    region: query.region,
  });
  const item = await jobRecord(context.reader, found);
  const job = jobView(item);
  const recommendations =
    job.recommendationCount === 0 ? [] : await readRecommendations(context.reader, found.key);
  const plan = planCapacity(
    recommendations.map((recommendation) => ({ recommendation, modelName: job.modelName })),
    objective,
    { latencyThresholds: latencyThresholdsOf(job), existingEndpoints: existingEndpointsOf(item) },
  );
  const sagemaker =
    query.source === 'sagemaker'
      ? await sageMakerOpinion(plan, objective, recommendations, [job], context)
      : null;
  return {
    body: {
      ...found.key,
      modelName: job.modelName,
      objective: objectiveView(objective, query.source),
      ...plan,
      sagemaker,
    },
    itemsReturned: plan.entries.length,
  };
};

/**
 * The model's configurations across its newest jobs: each configuration (instance type and
 * count, or serverless memory) once, planned with its newest run's measurements, with the spread
 * of its runs.
 */
export const modelPlan: RouteHandler<'modelPlan'> = async ({ path, query }, context) => {
  const objective = objectiveOf(query);
  const items = await newestModelJobItems(context.reader, path.modelName, query);
  // Newest creationTime first: the first run of a configuration met is its newest.
  const jobs = items.map(jobView).filter((job) => job.recommendationCount > 0);
  const perJob = await mapInBatches(jobs, PARALLEL_QUERIES, async (job) => ({
    job,
    recommendations: await readRecommendations(context.reader, jobKeyOf(job)),
  }));
  const groups = new Map<string, PlanCandidate[]>();
  for (const { job, recommendations } of perJob) {
    for (const recommendation of recommendations) {
      const { key } = configurationOf(recommendation);
      const group = groups.get(key) ?? [];
      group.push({ recommendation, modelName: job.modelName });
      groups.set(key, group);
    }
  }
  const span = (values: Array<number | null>) => {
    const spread = spreadOf(values);
    return spread && { min: spread.min, max: spread.max };
  };
  const candidates = [...groups.values()].map((runs): PlanCandidate => ({
    ...runs[0]!,
    runs: {
      count: runs.length,
      maxInvocations: span(runs.map((run) => run.recommendation.metrics.maxInvocations)),
      modelLatency: span(runs.map((run) => run.recommendation.metrics.modelLatency)),
    },
  }));
  const thresholds = [...new Set(jobs.flatMap(latencyThresholdsOf))];
  // Newest job first: an endpoint benchmarked by several jobs is planned as the newest saw it.
  const existing = new Map<string, ExistingEndpointInput>();
  for (const input of items.flatMap(existingEndpointsOf)) {
    if (!existing.has(input.endpointName)) existing.set(input.endpointName, input);
  }
  const plan = planCapacity(candidates, objective, {
    latencyThresholds: thresholds,
    existingEndpoints: [...existing.values()],
  });
  const sagemaker =
    query.source === 'sagemaker'
      ? await sageMakerOpinion(
          plan,
          objective,
          perJob.flatMap((run) => run.recommendations),
          jobs,
          context,
        )
      : null;
  return {
    body: {
      modelName: path.modelName,
      jobsConsidered: items.length,
      objective: objectiveView(objective, query.source),
      ...plan,
      sagemaker,
    },
    itemsReturned: plan.entries.length,
  };
};
