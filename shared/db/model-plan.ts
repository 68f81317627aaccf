import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobKey } from '../accounts.js';
import { configurationLabel } from '../model/configuration-label.js';
import { fromItem } from './items.js';
import {
  MODEL_WINDOW,
  putBesideModel,
  modelEntriesOf,
  modelRowsOf,
  newestFirst,
  type ModelEntry,
} from './model-entry.js';
import { jobKeyOf, keys } from './table.js';

/**
 * What `GET /models/{m}/plan` plans from, kept by ingest beside the model's item
 * (`MODEL#<m>` / `PLAN`) as the model's answers are (model-best.ts, same version rule): the
 * model's MODEL_WINDOW newest jobs (the fields the plan reads of them) and each configuration
 * across those with recommendations (newest job first, within a job by recommendation id), with
 * its newest run whole and every run's maxInvocations and modelLatency. The route then reads
 * this item alone. Not kept (the route reads the model's item) when one of those jobs keeps no
 * rows there, or a newest run is not stored.
 */

/** The fields of a job the plan reads: thresholds, the endpoints it benchmarked, its status. */
const PLAN_JOB_FIELDS = [
  'jobName',
  'accountId',
  'region',
  'status',
  'modelName',
  'modelPackageVersionArn',
  'recommendationCount',
  'stoppingConditions',
  'existingEndpoints',
  'inputConfig',
] as const;

export interface PlanGroup {
  /** The newest run, as stored without its key. */
  recommendation: Record<string, unknown>;
  modelName: string | null;
  /** Each run's [maxInvocations, modelLatency], newest first. */
  runs: Array<[number | null, number | null]>;
}

export interface ModelPlanInput {
  version: number;
  /** The newest jobs, newest first, with PLAN_JOB_FIELDS. */
  jobs: Array<Record<string, unknown>>;
  groups: PlanGroup[];
}

const recommendationKeyOf = (job: JobKey, recommendationId: string) =>
  `${job.accountId}#${job.region}#${job.jobName}#${recommendationId}`;

const slim = (job: Record<string, unknown>) =>
  Object.fromEntries(
    PLAN_JOB_FIELDS.filter((field) => job[field] !== undefined).map((field) => [field, job[field]]),
  );

/**
 * The plan's input from the model's item; each newest run from `known`, from the plan item
 * before (`previous`), or read; undefined when it cannot be kept (see above).
 */
export async function modelPlanOf(
  doc: DynamoDBDocumentClient,
  tableName: string,
  jobsItem: Record<string, unknown>,
  known: (job: JobKey, recommendationId: string) => Record<string, unknown> | undefined,
  previous: ModelPlanInput | undefined,
): Promise<ModelPlanInput | undefined> {
  const fields = Array.isArray(jobsItem.fields) ? (jobsItem.fields as unknown[]) : [];
  const newest: ModelEntry[] = [...modelEntriesOf(jobsItem).values()]
    .sort(newestFirst)
    .slice(0, MODEL_WINDOW);
  const groups = new Map<
    string,
    { newest: [JobKey, string, string | null]; runs: PlanGroup['runs'] }
  >();
  for (const entry of newest) {
    if (!(Number(entry.job.recommendationCount) > 0)) continue;
    const rows = modelRowsOf(entry, fields);
    if (!rows) return undefined;
    const job = jobKeyOf(entry.job as unknown as JobKey);
    const ids = (a: { recommendationId: string }, b: { recommendationId: string }) =>
      a.recommendationId < b.recommendationId
        ? -1
        : a.recommendationId > b.recommendationId
          ? 1
          : 0;
    for (const row of [...rows].sort(ids)) {
      const label = configurationLabel(row);
      const group = groups.get(label) ?? {
        newest: [job, row.recommendationId, (entry.job.modelName as string | null) ?? null],
        runs: [],
      };
      group.runs.push([row.metrics.maxInvocations, row.metrics.modelLatency]);
      groups.set(label, group);
    }
  }
  const before = new Map(
    (previous?.groups ?? []).map((group) => [
      recommendationKeyOf(
        group.recommendation as unknown as JobKey,
        String(group.recommendation.recommendationId),
      ),
      group.recommendation,
    ]),
  );
  const result: PlanGroup[] = [];
  const reads: Array<Promise<void>> = [];
  for (const group of groups.values()) {
    const [job, recommendationId, modelName] = group.newest;
    const planned: PlanGroup = { recommendation: {}, modelName, runs: group.runs };
    result.push(planned);
    const inHand = known(job, recommendationId);
    const kept = before.get(recommendationKeyOf(job, recommendationId));
    if (inHand) planned.recommendation = fromItem(inHand);
    else if (kept) planned.recommendation = kept;
    else {
      reads.push(
        doc
          .send(
            new GetCommand({
              TableName: tableName,
              Key: keys.recommendation(job, recommendationId),
              ConsistentRead: true,
            }),
          )
          .then(({ Item }) => {
            if (Item) planned.recommendation = fromItem(Item);
          }),
      );
    }
  }
  await Promise.all(reads);
  if (result.some((group) => group.recommendation.recommendationId === undefined)) return undefined;
  return {
    version: Number(jobsItem.version ?? 0),
    jobs: newest.map((entry) => slim(entry.job)),
    groups: result,
  };
}

export const modelPlanItem = (model: string, plan: ModelPlanInput): Record<string, unknown> => ({
  ...keys.modelPlan(model),
  entity: 'model-plan',
  version: plan.version,
  plan: JSON.stringify({ jobs: plan.jobs, groups: plan.groups }),
});

/** The plan's input an item holds, or undefined when it holds none to trust. */
export function modelPlanFrom(
  item: Record<string, unknown> | undefined,
): ModelPlanInput | undefined {
  if (!item || typeof item.plan !== 'string') return undefined;
  const { jobs, groups } = JSON.parse(item.plan) as Pick<ModelPlanInput, 'jobs' | 'groups'>;
  if (!Array.isArray(jobs) || !Array.isArray(groups)) return undefined;
  return { version: Number(item.version), jobs, groups };
}

/** The plan item before (what ingest reuses of it), or undefined. */
export async function readModelPlan(
  doc: DynamoDBDocumentClient,
  tableName: string,
  model: string,
): Promise<ModelPlanInput | undefined> {
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.modelPlan(model), ConsistentRead: true }),
  );
  return modelPlanFrom(Item);
}

/** Puts the plan's input unless one of the same or a later version is there; none: an empty one. */
export async function putModelPlan(
  doc: DynamoDBDocumentClient,
  tableName: string,
  model: string,
  version: number,
  plan: ModelPlanInput | undefined,
): Promise<boolean> {
  return putBesideModel(doc, tableName, version, plan && modelPlanItem(model, plan), {
    ...keys.modelPlan(model),
    entity: 'model-plan',
  });
}
