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
import type { JobKey } from '../../../shared/accounts.js';
import type { SummaryEntry } from '../../../shared/db/items.js';
import { modelPlanFrom, type ModelPlanInput } from '../../../shared/db/model-plan.js';
import { keys } from '../../../shared/db/table.js';
import { newestModelJobs } from '../model-jobs.js';
import { batchGetAll, type TableReader } from '../reader.js';
import { recommendationView } from '../views.js';
import { configurationLabel } from '../../../shared/model/configuration-label.js';
import { configurationOf, spreadOf } from './compare.js';
import { mapInBatches } from './models.js';
import { jobId, readRecommendations, readSummaries } from './recommendations.js';

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

interface Run {
  job: JobView;
  recommendationId: string;
  maxInvocations: number | null;
  modelLatency: number | null;
  /** The whole recommendation, when it was read (a job kept without rows or summary). */
  recommendation?: Recommendation;
}

const byId = <T extends { recommendationId: string }>(a: T, b: T) =>
  a.recommendationId < b.recommendationId ? -1 : a.recommendationId > b.recommendationId ? 1 : 0;

/**
 * The runs of each configuration across the model's newest jobs, newest job first (within a
 * job in recommendation id order, as a Query of its recommendations lists them), from the rows
 * the model's item keeps; a job kept without rows from its summary, or its recommendations.
 */
async function configurationRuns(
  reader: TableReader,
  jobs: ReadonlyArray<{ job: JobView; rows: SummaryEntry[] | undefined }>,
): Promise<Map<string, Run[]>> {
  const toRead = jobs.filter(({ rows }) => !rows).map(({ job }) => jobKeyOf(job));
  const summaries = await readSummaries(reader, toRead);
  const unsummarized = jobs.filter(({ job, rows }) => !rows && !summaries.has(jobId(job)));
  const full = new Map(
    await mapInBatches(
      unsummarized,
      PARALLEL_QUERIES,
      async ({ job }) => [jobId(job), await readRecommendations(reader, jobKeyOf(job))] as const,
    ),
  );
  const groups = new Map<string, Run[]>();
  const add = (key: string, run: Run) => {
    const group = groups.get(key) ?? [];
    group.push(run);
    groups.set(key, group);
  };
  for (const { job, rows } of jobs) {
    const id = jobId(job);
    const recommendations = full.get(id);
    if (recommendations) {
      for (const recommendation of recommendations) {
        add(configurationOf(recommendation).key, {
          job,
          recommendationId: recommendation.recommendationId,
          maxInvocations: recommendation.metrics.maxInvocations,
          modelLatency: recommendation.metrics.modelLatency,
          recommendation,
        });
      }
      continue;
    }
    for (const entry of [...(rows ?? summaries.get(id) ?? [])].sort(byId)) {
      add(configurationLabel(entry), {
        job,
        recommendationId: entry.recommendationId,
        maxInvocations: entry.metrics.maxInvocations,
        modelLatency: entry.metrics.modelLatency,
      });
    }
  }
  return groups;
}

/** The whole recommendation of each group's newest run: one BatchGetItem per 100. */
async function newestRecommendations(
  reader: TableReader,
  groups: ReadonlyArray<Run[]>,
): Promise<Map<string, Recommendation>> {
  const runKey = (job: JobKey, recommendationId: string) => `${jobId(job)}#${recommendationId}`;
  const missing = groups.map((runs) => runs[0]!).filter((run) => !run.recommendation);
  const items = await batchGetAll(
    reader,
    missing.map((run) => keys.recommendation(jobKeyOf(run.job), run.recommendationId)),
  );
  const found = new Map<string, Recommendation>();
  for (const item of items) {
    const recommendation = recommendationView(item);
    found.set(runKey(recommendation, recommendation.recommendationId), recommendation);
  }
  for (const run of missing) {
    if (!found.has(runKey(run.job, run.recommendationId))) {
      throw new Error(
        `Job ${run.job.jobName} (${run.job.accountId}/${run.job.region}) lists ${run.recommendationId} but the recommendation is not stored`,
      );
    }
  }
  return found;
}

/** The smallest and largest of a metric across a configuration's runs. */
const span = (values: Array<number | null>) => {
  const spread = spreadOf(values);
  return spread && { min: spread.min, max: spread.max };
};

interface PlanInputs {
  /** The model's newest jobs, newest first, as items. */
  jobItems: Item[];
  candidates: PlanCandidate[];
}

/** From what ingest keeps for the plan (shared/db/model-plan.ts): one item. */
function keptPlanInputs(kept: ModelPlanInput): PlanInputs {
  return {
    jobItems: kept.jobs.map((job) => ({ ...job, entity: 'job' })),
    candidates: kept.groups.map((group) => ({
      recommendation: recommendationView(group.recommendation),
      modelName: group.modelName,
      runs: {
        count: group.runs.length,
        maxInvocations: span(group.runs.map(([maxInvocations]) => maxInvocations)),
        modelLatency: span(group.runs.map(([, modelLatency]) => modelLatency)),
      },
    })),
  };
}

/** From the model's item (or its job records), then the newest run of each configuration. */
async function readPlanInputs(
  reader: TableReader,
  modelName: string,
  query: { accountId?: string | undefined; region?: string | undefined },
): Promise<PlanInputs> {
  const modelJobs = await newestModelJobs(reader, modelName, query);
  // Newest creationTime first: the first run of a configuration met is its newest.
  const jobs = modelJobs
    .map((modelJob) => ({ job: jobView(modelJob.item), rows: modelJob.rows }))
    .filter(({ job }) => job.recommendationCount > 0);
  const groups = [...(await configurationRuns(reader, jobs)).values()];
  const newest = await newestRecommendations(reader, groups);
  return {
    jobItems: modelJobs.map(({ item }) => item),
    candidates: groups.map((runs): PlanCandidate => {
      const first = runs[0]!;
      return {
        recommendation:
          first.recommendation ?? newest.get(`${jobId(first.job)}#${first.recommendationId}`)!,
        modelName: first.job.modelName,
        runs: {
          count: runs.length,
          maxInvocations: span(runs.map((run) => run.maxInvocations)),
          modelLatency: span(runs.map((run) => run.modelLatency)),
        },
      };
    }),
  };
}

/**
 * The model's configurations across its newest jobs: each configuration (instance type and
 * count, or serverless memory) once, planned with its newest run's measurements, with the spread
 * of its runs. Without an account or region, from what ingest keeps for it (one item); otherwise,
 * or when that is not kept, from the model's item and the newest run of each configuration.
 */
export const modelPlan: RouteHandler<'modelPlan'> = async ({ path, query }, context) => {
  const objective = objectiveOf(query);
  const kept =
    query.accountId === undefined && query.region === undefined
      ? modelPlanFrom(await context.reader.get(keys.modelPlan(path.modelName)))
      : undefined;
  const { jobItems, candidates } = kept
    ? keptPlanInputs(kept)
    : await readPlanInputs(context.reader, path.modelName, query);
  const jobs = jobItems.map((item) => jobView(item)).filter((job) => job.recommendationCount > 0);
  const thresholds = [...new Set(jobs.flatMap((job) => latencyThresholdsOf(job)))];
  // Newest job first: an endpoint benchmarked by several jobs is planned as the newest saw it.
  const existing = new Map<string, ExistingEndpointInput>();
  for (const input of jobItems.flatMap((item) => existingEndpointsOf(item))) {
    if (!existing.has(input.endpointName)) existing.set(input.endpointName, input);
  }
  const plan = planCapacity(candidates, objective, {
    latencyThresholds: thresholds,
    existingEndpoints: [...existing.values()],
  });
  // Every entry is a candidate's recommendation, read whole: what SageMaker can be asked about.
  const sagemaker =
    query.source === 'sagemaker'
      ? await sageMakerOpinion(
          plan,
          objective,
          candidates.map((candidate) => candidate.recommendation),
          jobs,
          context,
        )
      : null;
  return {
    body: {
      modelName: path.modelName,
      jobsConsidered: jobItems.length,
      objective: objectiveView(objective, query.source),
      ...plan,
      sagemaker,
    },
    itemsReturned: plan.entries.length,
  };
};
