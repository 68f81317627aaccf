import {
  DescribeInferenceRecommendationsJobCommand,
  paginateListInferenceRecommendationsJobSteps,
  SageMakerClient,
  type InferenceRecommendationsJobStep,
} from '@aws-sdk/client-sagemaker';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Best, JobStatus } from '../shared/events.js';
import { batchPutAll } from '../shared/db/batch-write.js';
import {
  recommendationItem,
  recommendationListItems,
  stepItem,
  summaryItems,
} from '../shared/db/items.js';
import { putJobRecord } from '../shared/db/job-store.js';
import { modelBestItem, modelBestOf } from '../shared/db/model-best.js';
import { modelPlanItem, modelPlanOf } from '../shared/db/model-plan.js';
import { modelEntry, modelItem, type ModelEntry } from '../shared/db/model-store.js';
import { normalizeJob } from '../shared/model/normalize.js';
import type { JobSnapshot } from '../shared/model/types.js';
import { jobKey, sampleJob, TABLE_NAME, type BenchWorld } from './world.js';

const TEMPLATE = 'large-sweep-250';
/** Every 50th job is a large sweep; the others share the rest of the recommendations. */
const LARGE_EVERY = 50;
const LARGE_SIZE = 250;

export interface SeedPlan {
  jobs: number;
  recommendations: number;
}

export interface SeededJob {
  jobName: string;
  status: JobStatus;
  modelName: string;
  recommendations: number;
  /** Whether its benchmark steps were stored (only the jobs the benchmark reads). */
  steps: boolean;
  firstRecommendationId: string | undefined;
}

export interface SeedResult {
  jobs: SeededJob[];
  recommendations: number;
  steps: number;
  ms: number;
  itemsPerSecond: number;
}

const STATUS_CYCLE: JobStatus[] = [
  ...Array<JobStatus>(40).fill('COMPLETED'),
  ...Array<JobStatus>(4).fill('FAILED'),
  ...Array<JobStatus>(3).fill('STOPPED'),
  ...Array<JobStatus>(2).fill('IN_PROGRESS'),
  'PENDING',
];

export const jobNameOf = (index: number) => `bench-job-${String(index).padStart(6, '0')}`;
export const modelNameOf = (index: number) => `bench-model-${String(index % 100).padStart(3, '0')}`;
export const isLarge = (index: number) => index % LARGE_EVERY === 0;

/** Recommendations per job: 250 for every 50th job, the rest spread evenly over the others. */
export function recommendationCounts(plan: SeedPlan): number[] {
  const large = Math.ceil(plan.jobs / LARGE_EVERY);
  const largeTotal = Math.min(plan.recommendations, large * LARGE_SIZE);
  const small = plan.jobs - large;
  const rest = plan.recommendations - largeTotal;
  const base = small > 0 ? Math.floor(rest / small) : 0;
  let extra = small > 0 ? rest - base * small : 0;
  return Array.from({ length: plan.jobs }, (_, index) => {
    if (isLarge(index)) return Math.min(LARGE_SIZE, largeTotal);
    const count = base + (extra > 0 ? 1 : 0);
    if (extra > 0) extra -= 1;
    return Math.min(count, LARGE_SIZE);
  });
}

/** The sample sweep as the SDK returns it, normalized once per recommendation count. */
async function templates(world: BenchWorld, counts: Set<number>) {
  world.simulator.addJob(sampleJob(TEMPLATE));
  const sagemaker = new SageMakerClient({});
  const response = await sagemaker.send(
    new DescribeInferenceRecommendationsJobCommand({ JobName: TEMPLATE }),
  );
  const steps: InferenceRecommendationsJobStep[] = [];
  for await (const page of paginateListInferenceRecommendationsJobSteps(
    { client: sagemaker, pageSize: 100 },
    { JobName: TEMPLATE },
  )) {
    steps.push(...(page.Steps ?? []));
  }
  sagemaker.destroy();
  const byCount = new Map<number, JobSnapshot>();
  for (const count of counts) {
    byCount.set(
      count,
      normalizeJob(
        {
          ...response,
          InferenceRecommendations: response.InferenceRecommendations?.slice(0, count),
        },
        steps,
        { ...jobKey(TEMPLATE), status: 'COMPLETED' },
      ),
    );
  }
  return byCount;
}

const renameId = (id: string, jobName: string) => `${jobName}${id.slice(id.indexOf('/'))}`;

function renameBest(best: Best, jobName: string): Best {
  const entry = (value: Best['lowestCostPerInference']) =>
    value && { ...value, recommendationId: renameId(value.recommendationId, jobName) };
  return {
    lowestCostPerInference: entry(best.lowestCostPerInference),
    lowestModelLatency: entry(best.lowestModelLatency),
    highestMaxInvocations: entry(best.highestMaxInvocations),
  };
}

/** The template under another name, model, status and time, every id relabelled alike. */
function cloneSnapshot(template: JobSnapshot, index: number, base: number): JobSnapshot {
  const jobName = jobNameOf(index);
  const created = base + index * 60_000;
  const status = STATUS_CYCLE[index % STATUS_CYCLE.length] as JobStatus;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    job: {
      ...template.job,
      jobName,
      jobArn: template.job.jobArn?.replace(/\/[^/]*$/, `/${jobName}`) ?? null,
      status,
      modelName: modelNameOf(index),
      modelPackageVersionArn: null,
      creationTime: iso(created),
      lastModifiedTime: iso(created + 40 * 60_000),
      completionTime: ['COMPLETED', 'FAILED', 'STOPPED'].includes(status)
        ? iso(created + 40 * 60_000)
        : null,
      best: renameBest(template.job.best, jobName),
    },
    recommendations: template.recommendations.map((rec) => ({
      ...rec,
      jobName,
      recommendationId: renameId(rec.recommendationId, jobName),
    })),
    steps: template.steps.map((step) => ({ ...step, jobName })),
    performances: [],
  };
}

async function inParallel<T>(items: readonly T[], workers: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await fn(item);
      }
    }),
  );
}

/**
 * Fills the table the way ingest leaves it, fast: children through `batchPutAll` with the item
 * builders of shared/db/items.ts, job records through `putJobRecord` (one conditional UpdateItem
 * each, as ingest writes them), several requests in flight, and each model's item at the end.
 */
export async function seedTable(
  world: BenchWorld,
  doc: DynamoDBDocumentClient,
  plan: SeedPlan,
  withSteps: (index: number) => boolean,
): Promise<SeedResult> {
  const start = performance.now();
  const counts = recommendationCounts(plan);
  const snapshots = await templates(world, new Set(counts));
  const base = Date.parse('2025-01-01T00:00:00Z');
  const now = new Date();
  const jobs: SeededJob[] = [];
  const modelEntries = new Map<string, ModelEntry[]>();
  let recommendations = 0;
  let steps = 0;
  const CHUNK = 100;
  const chunks: number[][] = [];
  for (let index = 0; index < plan.jobs; index += CHUNK) {
    chunks.push(Array.from({ length: Math.min(CHUNK, plan.jobs - index) }, (_, k) => index + k));
  }
  await inParallel(chunks, 4, async (chunk) => {
    const items: Array<Record<string, unknown>> = [];
    const snapshotsOfChunk = chunk.map((index) => {
      const snapshot = cloneSnapshot(
        snapshots.get(counts[index] as number) as JobSnapshot,
        index,
        base,
      );
      items.push(
        ...snapshot.recommendations.map((rec) => recommendationItem(rec, snapshot.job)),
        ...summaryItems(snapshot),
        ...recommendationListItems(snapshot),
      );
      recommendations += snapshot.recommendations.length;
      const model = snapshot.job.modelName as string;
      modelEntries.set(model, [
        ...(modelEntries.get(model) ?? []),
        modelEntry(snapshot.job, snapshot.recommendations),
      ]);
      const stored = withSteps(index);
      if (stored) {
        items.push(...snapshot.steps.map(stepItem));
        steps += snapshot.steps.length;
      }
      jobs.push({
        jobName: snapshot.job.jobName,
        status: snapshot.job.status,
        modelName: snapshot.job.modelName as string,
        recommendations: snapshot.recommendations.length,
        steps: stored,
        firstRecommendationId: snapshot.recommendations[0]?.recommendationId,
      });
      return snapshot;
    });
    await batchPutAll(doc, TABLE_NAME, items);
    for (const snapshot of snapshotsOfChunk) await putJobRecord(doc, TABLE_NAME, snapshot.job, now);
  });
  // Each model's item as ingest leaves it (shared/db/model-store.ts), written once per model,
  // then its answers and plan input (shared/db/model-best.ts, model-plan.ts), the recommendations
  // they hold read back as ingest would.
  const modelItems = [...modelEntries].map(
    ([model, entries]) => [model, modelItem(model, entries)] as const,
  );
  await batchPutAll(
    doc,
    TABLE_NAME,
    modelItems.map(([, item]) => item),
  );
  const bestItems: Array<Record<string, unknown>> = [];
  await inParallel(modelItems, 4, async ([model, item]) => {
    const best = await modelBestOf(doc, TABLE_NAME, item, () => undefined);
    if (!best) throw new Error(`The seed stored no winner of model ${model}`);
    bestItems.push(modelBestItem(model, best));
    // None for a model whose jobs' rows the item left out (the large sweeps' models): as ingest.
    const plan = await modelPlanOf(doc, TABLE_NAME, item, () => undefined, undefined);
    if (plan) bestItems.push(modelPlanItem(model, plan));
  });
  await batchPutAll(doc, TABLE_NAME, bestItems);
  const ms = performance.now() - start;
  jobs.sort((a, b) => (a.jobName < b.jobName ? -1 : 1));
  return {
    jobs,
    recommendations,
    steps,
    ms,
    itemsPerSecond: ((plan.jobs + recommendations + steps) / ms) * 1000,
  };
}
