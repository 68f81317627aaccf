import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  MODEL_ROW_FIELDS,
  MODEL_WINDOW,
  modelEntriesOf,
  modelEntry,
  modelEntryAttribute,
  modelItem,
  modelRowsOf,
  putModelEntry,
} from '../../shared/db/model-store.js';
import { modelBestFrom, putModelBest } from '../../shared/db/model-best.js';
import { readModelPlan } from '../../shared/db/model-plan.js';
import { batchPutAll } from '../../shared/db/batch-write.js';
import { recommendationItem } from '../../shared/db/items.js';
import { bestOf } from '../../shared/model/ranking.js';
import { keys } from '../../shared/db/table.js';
import type { JobStatus } from '../../shared/events.js';
import type { Job, Recommendation } from '../../shared/model/types.js';
import { useLocalTable } from '../support/dynamodb.js';
import { HOME } from '../support/fixtures.js';

const table = useLocalTable();

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

function job(
  name: string,
  options: {
    model?: string;
    created?: number;
    modified?: number;
    status?: JobStatus;
    where?: { accountId: string; region: string };
    description?: string;
    recommendations?: number;
    /** Multiplies every cost, so that a job's recommendations win or lose against another's. */
    costScale?: number;
  } = {},
): { job: Job; recommendations: Recommendation[] } {
  const where = options.where ?? HOME;
  const count = options.recommendations ?? 2;
  const recommendations = Array.from({ length: count }, (_, index): Recommendation => ({
    recommendationId: `${name}/rec${String(index).padStart(5, '0')}`,
    recommendationIdDerived: false,
    jobName: name,
    ...where,
    endpointType: 'RealTime',
    endpointName: null,
    variantName: null,
    instanceType: index % 2 ? 'ml.g5.xlarge' : 'ml.c5.large',
    initialInstanceCount: 1,
    serverless: null,
    metrics: {
      costPerHour: (1 + index) * (options.costScale ?? 1),
      costPerInference: 0.001 * (1 + index) * (options.costScale ?? 1),
      maxInvocations: 1000 - index,
      modelLatency: 10 + index,
      cpuUtilization: 50,
      memoryUtilization: 40,
      modelSetupTime: 3,
    },
    derived: { costPerMillionInferences: 1, invocationsPerSecond: 16, paretoOptimal: index === 0 },
    environmentParameters: [],
    modelConfiguration: null,
    invocationStartTime: null,
    invocationEndTime: null,
  }));
  return {
    recommendations,
    job: {
      jobName: name,
      ...where,
      jobArn: null,
      jobType: 'Default',
      jobDescription: options.description ?? null,
      status: options.status ?? 'COMPLETED',
      roleArn: null,
      creationTime: at(options.created ?? 0),
      completionTime: null,
      lastModifiedTime: at(options.modified ?? (options.created ?? 0) + 30),
      failureReason: null,
      modelName: options.model ?? 'model-a',
      modelPackageVersionArn: null,
      inputConfig: null,
      stoppingConditions: null,
      recommendationCount: count,
      benchmarkCount: count,
      failedBenchmarkCount: 0,
      endpointPerformanceCount: 0,
      best: bestOf(recommendations),
    },
  };
}

/** As ingest: the job's recommendations first (the answers may read them back), then the entry. */
async function put(entry: ReturnType<typeof job>) {
  await batchPutAll(
    table.doc,
    table.tableName,
    entry.recommendations.map((rec) => recommendationItem(rec, entry.job)),
  );
  return putModelEntry(table.doc, table.tableName, entry.job, entry.recommendations);
}

async function answersOf(model: string) {
  const { Item } = await table.doc.send(
    new GetCommand({
      TableName: table.tableName,
      Key: keys.modelBest(model),
      ConsistentRead: true,
    }),
  );
  return modelBestFrom(Item);
}

async function modelItemOf(model: string) {
  const { Item } = await table.doc.send(
    new GetCommand({
      TableName: table.tableName,
      Key: keys.modelJobs(model),
      ConsistentRead: true,
    }),
  );
  return Item;
}

describe("a model's item of its newest jobs", () => {
  it('keeps one entry per job, replaced only by a newer description', async () => {
    const model = 'model-order';
    const first = job('order-1', {
      model,
      modified: 10,
      status: 'IN_PROGRESS',
      recommendations: 0,
    });
    const done = job('order-1', { model, modified: 40, status: 'COMPLETED', recommendations: 3 });
    expect(await put(first)).toBe('written');
    expect(await put(done)).toBe('written');
    // A redriven, older description, and the same one again: refused, nothing moves back.
    expect(await put(first)).toBe('stale');
    expect(await put(done)).toBe('stale');
    const item = (await modelItemOf(model))!;
    const entries = modelEntriesOf(item);
    expect([...entries.keys()]).toEqual([modelEntryAttribute(done.job)]);
    const entry = entries.get(modelEntryAttribute(done.job))!;
    expect(entry.job.status).toBe('COMPLETED');
    expect(
      modelRowsOf(entry, item.fields as unknown[])?.map((row) => row.recommendationId),
    ).toEqual(done.recommendations.map((rec) => rec.recommendationId));
    const [row] = modelRowsOf(entry, [...MODEL_ROW_FIELDS])!;
    expect(row).toMatchObject({
      instanceType: 'ml.c5.large',
      metrics: {
        costPerInference: 0.001,
        modelLatency: 10,
        maxInvocations: 1000,
        cpuUtilization: null,
      },
      derived: { paretoOptimal: true },
    });
  });

  it('keeps the 50 newest jobs of each account and region, whatever order they arrive in', async () => {
    const model = 'model-window';
    const other = { accountId: '444455556666', region: 'eu-west-1' };
    const created = Array.from({ length: MODEL_WINDOW + 5 }, (_, index) => index);
    // Newest first and oldest last: the oldest arrive once the window is full.
    for (const minute of [...created].reverse()) {
      await put(job(`window-${minute}`, { model, created: minute }));
    }
    await put(job('window-other-1', { model, created: 0, where: other }));
    await put(job('window-other-2', { model, created: 1, where: other }));
    const item = (await modelItemOf(model))!;
    const names = [...modelEntriesOf(item).values()].map((entry) => String(entry.job.jobName));
    expect(names.filter((name) => name.startsWith('window-other'))).toHaveLength(2);
    const home = names.filter((name) => !name.startsWith('window-other'));
    expect(home.sort()).toEqual(
      created
        .slice(5)
        .map((minute) => `window-${minute}`)
        .sort(),
    );
    // An old job redriven is not kept either.
    await put(job('window-0', { model, created: 0, modified: 999 }));
    expect(
      modelEntriesOf((await modelItemOf(model))!).has(modelEntryAttribute(job('window-0').job)),
    ).toBe(false);
  });

  it('is what the benchmark seed builds at once from the same jobs', async () => {
    const model = 'model-seed';
    const jobs = [
      job('seed-1', { model, created: 1 }),
      job('seed-2', { model, created: 2, recommendations: 7 }),
    ];
    for (const entry of jobs) await put(entry);
    const built = modelItem(
      model,
      jobs.map((entry) => modelEntry(entry.job, entry.recommendations)),
    );
    expect(await modelItemOf(model)).toEqual(built);
  });

  it('leaves out the rows of a job too large for it, and overflows rather than fail ingest', async () => {
    const model = 'model-large';
    await put(job('large-1', { model, recommendations: 2_000 }));
    const entry = modelEntriesOf((await modelItemOf(model))!).get(
      modelEntryAttribute(job('large-1').job),
    )!;
    expect(entry.rows).toBeNull();
    expect(entry.job.recommendationCount).toBe(2_000);

    // 4,000-character descriptions: the entries alone pass the budget before the window is full.
    const outcomes = [];
    for (let index = 0; index < 45; index += 1) {
      outcomes.push(
        await put(job(`long-${index}`, { model, created: index, description: 'x'.repeat(8_000) })),
      );
    }
    expect(outcomes).toContain('overflow');
    const item = (await modelItemOf(model))!;
    expect(item.overflow).toBe(true);
    expect(modelEntriesOf(item).size).toBe(0);
    // No answers are kept either: the route reads the jobs.
    expect(await answersOf(model)).toBeUndefined();
    // Later jobs change nothing: the routes read that model's jobs as before.
    expect(await put(job('long-late', { model, created: 99 }))).toBe('stale');
  });

  it("keeps the model's answers: per goal the winner over its newest jobs, with the recommendation and its job", async () => {
    const model = 'model-answers';
    expect(await put(job('answers-1', { model, created: 1 }))).toBe('written');
    // Cheaper and faster: it wins cost and latency; throughput ties go to the smaller id.
    expect(await put(job('answers-2', { model, created: 2, costScale: 0.5 }))).toBe('written');
    let answers = (await answersOf(model))!;
    expect(answers.jobsConsidered).toBe(2);
    expect(answers.answers.costPerInference).toMatchObject({
      recommendation: {
        recommendationId: 'answers-2/rec00000',
        metrics: { costPerInference: 0.0005 },
      },
      job: { jobName: 'answers-2', status: 'COMPLETED' },
    });
    expect(answers.answers.maxInvocations?.recommendation.recommendationId).toBe(
      'answers-1/rec00000',
    );
    // The winner's job re-ingested, now dearer: the other job's recommendation, read back, wins.
    expect(await put(job('answers-2', { model, created: 2, modified: 90, costScale: 4 }))).toBe(
      'written',
    );
    answers = (await answersOf(model))!;
    expect(answers.answers.costPerInference).toMatchObject({
      recommendation: { recommendationId: 'answers-1/rec00000', environmentParameters: [] },
      job: { jobName: 'answers-1' },
    });
    // A job without recommendations is considered and wins nothing.
    await put(job('answers-3', { model, created: 3, status: 'FAILED', recommendations: 0 }));
    answers = (await answersOf(model))!;
    expect(answers.jobsConsidered).toBe(3);
    expect(answers.answers.costPerInference?.job.jobName).toBe('answers-1');
  });

  it('answers from the 50 newest jobs only', async () => {
    const model = 'model-answers-window';
    // The oldest job is the cheapest, and the last to arrive.
    for (let index = MODEL_WINDOW; index >= 1; index -= 1) {
      await put(job(`newest-${index}`, { model, created: index, recommendations: 1 }));
    }
    await put(job('newest-0', { model, created: 0, recommendations: 1, costScale: 0.1 }));
    const answers = (await answersOf(model))!;
    expect(answers.jobsConsidered).toBe(MODEL_WINDOW);
    expect(answers.answers.costPerInference?.job.jobName).not.toBe('newest-0');
  });

  it('puts answers only over older ones, and a retried entry repairs answers it never wrote', async () => {
    const model = 'model-answers-order';
    const first = job('repair-1', { model, created: 1 });
    await put(first);
    const written = (await answersOf(model))!;
    expect(written.version).toBe(1);
    // Answers computed from an older state of the model's item arrive late: refused.
    expect(
      await putModelBest(table.doc, table.tableName, model, 0, {
        ...written,
        version: 0,
        jobsConsidered: 9,
      }),
    ).toBe(false);
    // Nor can answers computed from an older state delete these (a winner not stored).
    expect(await putModelBest(table.doc, table.tableName, model, 0, undefined)).toBe(false);
    // Nor answers of the same state (a duplicated ingest): the first put stays.
    expect(
      await putModelBest(table.doc, table.tableName, model, 1, {
        ...written,
        jobsConsidered: 9,
      }),
    ).toBe(false);
    expect(await answersOf(model)).toEqual(written);
    // A crash between the entry and its answers: the retry's entry is refused, the answers put.
    const second = job('repair-2', { model, created: 2, costScale: 0.5 });
    await put(second);
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...keys.modelBest(model),
          ...{
            entity: 'model-best',
            version: 1,
            jobsConsidered: 1,
            answers: JSON.stringify(written.answers),
          },
        },
      }),
    );
    expect(await put(second)).toBe('stale');
    const repaired = (await answersOf(model))!;
    expect(repaired).toMatchObject({ version: 2, jobsConsidered: 2 });
    expect(repaired.answers.costPerInference?.job.jobName).toBe('repair-2');
  });

  it('reads and replaces the map entries of schema v3 by the same order rule', async () => {
    const model = 'model-v3';
    const current = job('v3-1', { model, modified: 40 });
    const older = job('v3-1', { model, modified: 10, status: 'IN_PROGRESS' });
    // The entry as schema v3 wrote it: a map.
    await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.modelJobs(model),
        UpdateExpression: 'SET #entry = :entry, #fields = :fields',
        ExpressionAttributeNames: {
          '#entry': modelEntryAttribute(current.job),
          '#fields': 'fields',
        },
        ExpressionAttributeValues: {
          ':entry': modelEntry(current.job, current.recommendations),
          ':fields': MODEL_ROW_FIELDS,
        },
      }),
    );
    const stored = (await modelItemOf(model))!;
    expect(typeof stored[modelEntryAttribute(current.job)]).toBe('object');
    expect(modelEntriesOf(stored).get(modelEntryAttribute(current.job))?.job.status).toBe(
      'COMPLETED',
    );
    expect(await put(older)).toBe('stale');
    // The same description replaces it with the string layout.
    expect(await put(current)).toBe('written');
    const item = (await modelItemOf(model))!;
    expect(typeof item[modelEntryAttribute(current.job)]).toBe('string');
    expect(modelEntriesOf(item).get(modelEntryAttribute(current.job))?.job.status).toBe(
      'COMPLETED',
    );
    expect((await answersOf(model))?.answers.costPerInference?.job.jobName).toBe('v3-1');
  });

  it('keeps the plan input: each configuration with its newest run whole and every run', async () => {
    const model = 'model-plan';
    await put(job('plan-1', { model, created: 1 }));
    await put(job('plan-2', { model, created: 2, costScale: 2 }));
    const plan = (await readModelPlan(table.doc, table.tableName, model))!;
    expect(plan.jobs.map((kept) => kept.jobName)).toEqual(['plan-2', 'plan-1']);
    // Two configurations (ml.c5.large, ml.g5.xlarge), each run by both jobs: the newest run is
    // plan-2's, read whole, and both runs are counted.
    expect(plan.groups).toHaveLength(2);
    expect(plan.groups[0]).toMatchObject({
      recommendation: { recommendationId: 'plan-2/rec00000', metrics: { costPerHour: 2 } },
      runs: [
        [1000, 10],
        [1000, 10],
      ],
    });
    // A newer job of the model with its rows left out (too many): no plan input is kept, the
    // route reads the model's item.
    await put(job('plan-3', { model, created: 3, recommendations: 2_000 }));
    expect(await readModelPlan(table.doc, table.tableName, model)).toBeUndefined();
  });
});
