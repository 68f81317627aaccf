import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, openApiPath } from '../../functions/api/openapi.js';
import { compilePattern, matchPath } from '../../functions/api/router.js';
import { problemSchema, RESPONSES } from '../../functions/api/responses.js';
import { ROUTES, type RouteId } from '../../functions/api/schemas.js';
import { rerunOf, useApiWorld, type ApiResponse } from '../support/api.js';
import { validate, type Schema } from '../support/api-json-schema.js';
import { HOME, sampleJob, sampleJobs } from '../support/world.js';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../shared/db/table.js';

const XGB_PACKAGE = 'arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3';
const XGB_MODEL_PATH = `/models/${encodeURIComponent(XGB_PACKAGE)}`;

const rerun = rerunOf(sampleJob('xgboost-churn-default'), {
  jobName: 'xgboost-churn-rerun',
  start: Date.parse('2024-11-29T10:00:00.000Z'),
  latencyFactor: 1.4,
  costFactor: 1.1,
});
const api = useApiWorld({ extraJobs: [rerun] });

interface WireJob {
  JobName: string;
  Status: string;
  CreationTime: number;
  LastModifiedTime: number;
}
const allJobs = [...sampleJobs, rerun].map((job) => job.describe as unknown as WireJob);
const iso = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();
const newestModifiedFirst = (jobs: WireJob[]) =>
  [...jobs].sort((a, b) => b.LastModifiedTime - a.LastModifiedTime).map((job) => job.JobName);

type Body = Record<string, unknown>;
type Rec = {
  recommendationId: string;
  instanceType: string | null;
  endpointType: string;
  metrics: Record<string, number | null>;
};
const ids = (recs: unknown) => (recs as Rec[]).map((rec) => rec.recommendationId.split('/')[1]);
const names = (jobs: unknown) => (jobs as Array<{ jobName: string }>).map((job) => job.jobName);
/** A job route with the job's account and region: the key is known, nothing is read to find it. */
const located = (target: string) =>
  `${target}${target.includes('?') ? '&' : '?'}accountId=${HOME.accountId}&region=${HOME.region}`;

const readsOf = (response: ApiResponse) => ({
  requests: response.reads?.requests,
  itemsRead: response.reads?.itemsRead,
  itemsReturned: response.reads?.itemsReturned,
});

async function expectProblem(target: string, status: number) {
  const response = await api.request(target);
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  return response.body as {
    detail: string;
    invalidParams?: Array<{ name: string; reason: string }>;
  };
}

describe('GET /jobs', () => {
  it('lists every job newest lastModifiedTime first, merging the status partitions', async () => {
    const response = await api.request('/jobs');
    const body = response.body as Body;
    expect(names(body.jobs)).toEqual(newestModifiedFirst(allJobs));
    expect(body.sortedBy).toBe('lastModifiedTime');
    expect(body.nextCursor).toBeNull();
    // One Query per status partition (8), each item read once; COMPLETED filled its first chunk
    // of ceil(50 / 8) = 7 exactly, and DynamoDB cannot say "no more" until a 9th Query.
    expect(readsOf(response)).toEqual({ requests: 9, itemsRead: 9, itemsReturned: 9 });
  });

  it('lists the jobs of one status from its partition only', async () => {
    expect(names((await api.get('/jobs?status=FAILED')).jobs)).toEqual(['sklearn-failed']);
    expect(names((await api.get('/jobs?status=STOPPED')).jobs)).toEqual(['tabular-stopped']);
    expect(names((await api.get('/jobs?status=PENDING')).jobs)).toEqual([]);
    const response = await api.request('/jobs?status=COMPLETED');
    expect(names((response.body as Body).jobs)).toEqual(
      newestModifiedFirst(allJobs.filter((job) => job.Status === 'COMPLETED')),
    );
    expect(readsOf(response)).toEqual({ requests: 1, itemsRead: 7, itemsReturned: 7 });
  });

  it('lists the jobs of a model newest creationTime first, createdAfter as a key condition', async () => {
    const byModel = await api.request(`/jobs?modelName=${encodeURIComponent(XGB_PACKAGE)}`);
    expect(names((byModel.body as Body).jobs)).toEqual([
      'xgboost-churn-rerun',
      'xgboost-churn-default',
    ]);
    expect((byModel.body as Body).sortedBy).toBe('creationTime');
    expect(readsOf(byModel)).toEqual({ requests: 1, itemsRead: 2, itemsReturned: 2 });

    // Strictly after: the job created at exactly that time is not listed, and not even read.
    const created = iso(sampleJob('xgboost-churn-default').describe.CreationTime as number);
    const after = await api.request(
      `/jobs?modelName=${encodeURIComponent(XGB_PACKAGE)}&createdAfter=${created}`,
    );
    expect(names((after.body as Body).jobs)).toEqual(['xgboost-churn-rerun']);
    expect(readsOf(after)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 1 });
  });

  it('filters on creationTime exactly, reading only jobs modified after createdAfter', async () => {
    const createdAfter = '2024-11-24T15:00:00Z';
    const expected = newestModifiedFirst(
      allJobs.filter(
        (job) => job.Status === 'COMPLETED' && job.CreationTime * 1000 > Date.parse(createdAfter),
      ),
    );
    const response = await api.request(`/jobs?status=COMPLETED&createdAfter=${createdAfter}`);
    expect(names((response.body as Body).jobs)).toEqual(expected);
    // xgboost-churn-default was created at 14:40 and finished at 15:12: the key range cannot
    // exclude it, the filter does; every other job read is returned.
    expect(readsOf(response)).toEqual({
      requests: 1,
      itemsRead: expected.length + 1,
      itemsReturned: expected.length,
    });
    const offset = await api.get('/jobs?status=COMPLETED&createdAfter=2024-11-24T16:00:00%2B01:00');
    expect(names(offset.jobs)).toEqual(expected);
  });

  it('pages through all jobs with a cursor, every job once, in order', async () => {
    const seen: string[] = [];
    let target: string | undefined = '/jobs?limit=2';
    let pages = 0;
    while (target) {
      const page: Body = await api.get(target);
      seen.push(...names(page.jobs));
      pages += 1;
      target = page.nextCursor
        ? `/jobs?limit=2&cursor=${encodeURIComponent(String(page.nextCursor))}`
        : undefined;
    }
    expect(seen).toEqual(newestModifiedFirst(allJobs));
    expect(pages).toBe(5);
  });

  it('rejects bad parameters naming them', async () => {
    const problem = await expectProblem('/jobs?status=DONE&limit=501&sort=new', 400);
    expect(problem.invalidParams?.map((p) => p.name).sort()).toEqual(['limit', 'sort', 'status']);
    expect(problem.detail).toContain('must be one of PENDING, IN_PROGRESS, COMPLETED');
    await expectProblem('/jobs?createdAfter=yesterday', 400);
  });
});

describe('GET /jobs/{jobName}', () => {
  it('returns the job with best and counts, and nothing of the bookkeeping', async () => {
    const response = await api.request('/jobs/xgboost-churn-default');
    const { job, endpointPerformances } = response.body as { job: Body; endpointPerformances: [] };
    expect(job).toMatchObject({
      jobName: 'xgboost-churn-default',
      status: 'COMPLETED',
      jobType: 'Default',
      modelName: null,
      modelPackageVersionArn: XGB_PACKAGE,
      recommendationCount: 6,
      benchmarkCount: 6,
      failedBenchmarkCount: 0,
      creationTime: '2024-11-24T14:40:00.123Z',
    });
    expect(job.best).toMatchObject({
      lowestCostPerInference: { recommendationId: 'xgboost-churn-default/k3v9x2qa' },
      lowestModelLatency: { recommendationId: 'xgboost-churn-default/x6d4r8mv', value: 2 },
      highestMaxInvocations: { instanceType: 'ml.g4dn.xlarge', value: 9800 },
    });
    for (const bookkeeping of [
      'entity',
      'statusRank',
      'version',
      'publishedVersion',
      'recordedAt',
      'previousStatus',
      'PK',
      'GSI1PK',
    ]) {
      expect(job).not.toHaveProperty(bookkeeping);
    }
    expect(endpointPerformances).toEqual([]);
    expect(readsOf(response)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 1 });
  });

  it('adds the performances of existing endpoints for jobs that measured them', async () => {
    const response = await api.request('/jobs/llama-existing-endpoints');
    const body = response.body as { endpointPerformances: Array<{ endpointName: string }> };
    expect(body.endpointPerformances.map((p) => p.endpointName).sort()).toEqual([
      'llama-2-7b-chat-canary',
      'llama-2-7b-chat-prod',
    ]);
    expect(readsOf(response)).toEqual({ requests: 2, itemsRead: 3, itemsReturned: 3 });
  });

  it('answers 404 for an unknown job and 400 for an impossible name', async () => {
    expect((await expectProblem('/jobs/no-such-job', 404)).detail).toContain('no-such-job');
    const problem = await expectProblem('/jobs/-bad-', 400);
    expect(problem.invalidParams?.[0]).toMatchObject({ name: 'jobName' });
  });
});

describe('GET /jobs/{jobName}/recommendations', () => {
  it('sorts by costPerInference ascending by default', async () => {
    const response = await api.request('/jobs/xgboost-churn-default/recommendations');
    const body = response.body as Body;
    expect(ids(body.recommendations)).toEqual([
      'k3v9x2qa',
      'a9e3s7gw',
      'p7m2c4td',
      'h2j5t9bk',
      'f8w1n6rz',
      'x6d4r8mv',
    ]);
    expect(body).toMatchObject({
      sortBy: 'costPerInference',
      order: 'asc',
      matchedCount: 6,
      nextCursor: null,
    });
    // A bare name: one Query reads the job's record and its recommendation list together.
    expect(readsOf(response)).toEqual({ requests: 1, itemsRead: 1 + 1, itemsReturned: 6 });
    // With its account and region, nothing is read to find the job: one Query of its list.
    const located_ = await api.request(located('/jobs/xgboost-churn-default/recommendations'));
    expect(located_.body).toEqual(response.body);
    expect(readsOf(located_)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 6 });
  });

  it('filters Pareto-optimal ones and sorts throughput best first', async () => {
    const pareto = await api.get('/jobs/xgboost-churn-default/recommendations?paretoOnly=true');
    expect(ids(pareto.recommendations)).toEqual(['k3v9x2qa', 'a9e3s7gw', 'x6d4r8mv']);
    const fastest = await api.get(
      '/jobs/xgboost-churn-default/recommendations?sortBy=maxInvocations',
    );
    expect(fastest.order).toBe('desc');
    expect(ids(fastest.recommendations)).toEqual([
      'x6d4r8mv',
      'a9e3s7gw',
      'p7m2c4td',
      'h2j5t9bk',
      'k3v9x2qa',
      'f8w1n6rz',
    ]);
    const slowest = await api.get(
      '/jobs/xgboost-churn-default/recommendations?sortBy=maxInvocations&order=asc&maxModelLatency=5&limit=2',
    );
    expect(ids(slowest.recommendations)).toEqual(['h2j5t9bk', 'p7m2c4td']);
    expect(slowest.matchedCount).toBe(4);
  });

  it('sorts unknown (NaN, Infinity, missing) metrics last', async () => {
    const body = await api.get('/jobs/gpu-nan-infinity/recommendations?sortBy=costPerInference');
    const recs = body.recommendations as Rec[];
    expect(recs.map((rec) => rec.metrics.costPerInference === null)).toEqual([false, true, true]);
    const latency = await api.get('/jobs/gpu-nan-infinity/recommendations?maxModelLatency=100000');
    expect(
      (latency.recommendations as Rec[]).every((rec) => rec.metrics.modelLatency !== null),
    ).toBe(true);
    expect(latency.matchedCount).toBe(2);
  });

  it('matches an instance family or type, and serverless by endpoint type', async () => {
    const response = await api.request(
      located('/jobs/large-sweep-250/recommendations?instanceType=ml.g5&limit=500'),
    );
    const recs = (response.body as Body).recommendations as Rec[];
    expect(recs.length).toBeGreaterThan(0);
    expect(recs.every((rec) => rec.instanceType === 'ml.g5.xlarge')).toBe(true);
    // The list (one item for 250) is filtered in memory: nothing else is read.
    expect(readsOf(response)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: recs.length });
    const serverless = await api.get(
      '/jobs/resnet-serverless/recommendations?endpointType=Serverless',
    );
    expect((serverless.recommendations as Rec[]).map((rec) => rec.endpointType)).toEqual(
      Array(4).fill('Serverless'),
    );
    const exact = await api.get(
      '/jobs/resnet-serverless/recommendations?instanceType=ml.c5.xlarge',
    );
    expect(ids(exact.recommendations)).toEqual(['e6y3b8kd']);
  });

  it('pages 250 recommendations 50 at a time, reading the job’s list only', async () => {
    const response = await api.request(located('/jobs/large-sweep-250/recommendations'));
    expect((response.body as Body).recommendations).toHaveLength(50);
    expect((response.body as Body).nextCursor).toEqual(expect.any(String));
    expect(readsOf(response)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 50 });
    const all = await api.request(located('/jobs/large-sweep-250/recommendations?limit=500'));
    expect((all.body as Body).recommendations).toHaveLength(250);
    expect(readsOf(all)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 250 });
  });

  it('answers 404 for an unknown job and 400 naming bad filters', async () => {
    await expectProblem('/jobs/no-such-job/recommendations', 404);
    const problem = await expectProblem(
      '/jobs/xgboost-churn-default/recommendations?sortBy=speed&maxModelLatency=fast&paretoOnly=yes',
      400,
    );
    expect(problem.invalidParams?.map((p) => p.name)).toEqual([
      'sortBy',
      'maxModelLatency',
      'paretoOnly',
    ]);
    expect(problem.invalidParams?.[0]?.reason).toContain('costPerMillionInferences');
    expect(problem.invalidParams?.[2]?.reason).toBe('must be true or false');
  });
});

describe('GET /jobs/{jobName}/recommendations/{id}', () => {
  it('accepts the encoded id, a literal slash and the bare suffix alike', async () => {
    const encoded = await api.request(
      located('/jobs/xgboost-churn-default/recommendations/xgboost-churn-default%2Fk3v9x2qa'),
    );
    const slash = await api.get(
      '/jobs/xgboost-churn-default/recommendations/xgboost-churn-default/k3v9x2qa',
    );
    const bare = await api.get('/jobs/xgboost-churn-default/recommendations/k3v9x2qa');
    expect(encoded.status).toBe(200);
    expect(slash).toEqual(encoded.body);
    expect(bare).toEqual(encoded.body);
    expect(readsOf(encoded)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 1 });
  });

  it('builds a real-time ProductionVariant and says where the environment goes', async () => {
    const body = await api.get('/jobs/xgboost-churn-default/recommendations/k3v9x2qa');
    expect(body.productionVariant).toEqual({
      VariantName: 'AllTraffic',
      ModelName: null,
      InstanceType: 'ml.c5.large',
      InitialInstanceCount: 1,
    });
    expect(body.environment).toEqual({ OMP_NUM_THREADS: '2' });
    expect(body.modelPackageVersionArn).toBe(XGB_PACKAGE);
    expect((body.notes as string[]).join(' ')).toContain('ModelPackageName');
    expect((body.notes as string[]).join(' ')).toContain('PrimaryContainer.Environment');
  });

  it('builds a serverless ProductionVariant, with provisioned concurrency only where measured', async () => {
    const provisioned = await api.get('/jobs/resnet-serverless/recommendations/v1t9j4hs');
    expect(provisioned.productionVariant).toEqual({
      VariantName: 'AllTraffic',
      ModelName: null,
      ServerlessConfig: { MemorySizeInMB: 6144, MaxConcurrency: 20, ProvisionedConcurrency: 5 },
    });
    const plain = await api.get('/jobs/resnet-serverless/recommendations/n5c8w2ye');
    expect(plain.productionVariant).toEqual({
      VariantName: 'AllTraffic',
      ModelName: null,
      ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
    });
  });

  it('names the model when the job benchmarked one, and finds derived ids', async () => {
    const inf2 = await api.get('/jobs/bert-qa-advanced/recommendations/c1v6p2jx');
    expect(inf2.productionVariant).toMatchObject({
      ModelName: 'bert-base-cased-squad2-pt',
      InstanceType: 'ml.inf2.xlarge',
    });
    expect(inf2.environment).toEqual({
      SAGEMAKER_MODEL_SERVER_WORKERS: '2',
      NEURON_RT_NUM_CORES: '1',
    });
    expect((inf2.notes as string[]).join(' ')).toContain('bert-qa-advanced-neuron-inf2-5d1e7a');
    const list = await api.get('/jobs/bert-qa-advanced/recommendations?instanceType=ml.g5.2xlarge');
    const [derived] = list.recommendations as Array<Rec & { recommendationIdDerived: boolean }>;
    expect(derived?.recommendationIdDerived).toBe(true);
    const byId = await api.get(
      `/jobs/bert-qa-advanced/recommendations/${encodeURIComponent(derived!.recommendationId)}`,
    );
    expect((byId.recommendation as Rec).recommendationId).toBe(derived!.recommendationId);
  });

  it('answers 404 for an unknown id, another job’s id or an unknown job', async () => {
    await expectProblem('/jobs/xgboost-churn-default/recommendations/zzzzzzzz', 404);
    await expectProblem(
      '/jobs/xgboost-churn-default/recommendations/resnet-serverless%2Fn5c8w2ye',
      404,
    );
    const problem = await expectProblem('/jobs/no-such-job/recommendations/k3v9x2qa', 404);
    expect(problem.detail).toContain('No job named no-such-job');
  });
});

describe('GET /jobs/{jobName}/benchmarks', () => {
  it('returns failed steps with their reasons', async () => {
    const body = await api.get('/jobs/sklearn-failed/benchmarks');
    const steps = body.benchmarks as Array<{ status: string; failureReason: string | null }>;
    const wire = sampleJob('sklearn-failed').steps as Array<{
      Status: string;
      InferenceBenchmark?: { FailureReason?: string };
    }>;
    expect(steps.map((step) => step.status)).toEqual(wire.map((step) => step.Status));
    expect(steps.filter((s) => s.status === 'FAILED').map((s) => s.failureReason)).toEqual(
      wire.filter((s) => s.Status === 'FAILED').map((s) => s.InferenceBenchmark?.FailureReason),
    );
  });

  it('pages 256 steps in order, reading exactly what each page returns', async () => {
    const seen: number[] = [];
    let target: string | undefined = located('/jobs/large-sweep-250/benchmarks?limit=100');
    while (target) {
      const response = await api.request(target);
      const page = response.body as Body;
      const steps = page.benchmarks as Array<{ stepIndex: number }>;
      seen.push(...steps.map((step) => step.stepIndex));
      expect(readsOf(response)).toEqual({
        requests: 1,
        itemsRead: steps.length,
        itemsReturned: steps.length,
      });
      target = page.nextCursor
        ? located(
            `/jobs/large-sweep-250/benchmarks?limit=100&cursor=${encodeURIComponent(String(page.nextCursor))}`,
          )
        : undefined;
    }
    expect(seen).toEqual(Array.from({ length: 256 }, (_, index) => index));
  });

  it('answers 404 for an unknown job', async () => {
    await expectProblem('/jobs/no-such-job/benchmarks', 404);
  });
});

describe('GET /models/{modelName}/...', () => {
  it('lists a model’s jobs (a package ARN, URL-encoded) and tells an unknown model from a filter', async () => {
    const response = await api.request(`${XGB_MODEL_PATH}/jobs`);
    expect(names((response.body as Body).jobs)).toEqual([
      'xgboost-churn-rerun',
      'xgboost-churn-default',
    ]);
    expect((response.body as Body).modelName).toBe(XGB_PACKAGE);
    expect(readsOf(response)).toEqual({ requests: 1, itemsRead: 2, itemsReturned: 2 });
    const failed = await api.get(`${XGB_MODEL_PATH}/jobs?status=FAILED`);
    expect(failed.jobs).toEqual([]);
    expect(names((await api.get('/models/bert-base-cased-squad2-pt/jobs')).jobs)).toEqual([
      'bert-qa-advanced',
    ]);
    await expectProblem('/models/no-such-model/jobs', 404);
    await expectProblem('/models/no-such-model/jobs?status=FAILED', 404);
    await expectProblem('/models/not%20a%20model/jobs', 400);
  });

  it('finds the best recommendation across the model’s jobs from their best entries', async () => {
    const cheapest = await api.request(`${XGB_MODEL_PATH}/recommendations`);
    const body = cheapest.body as {
      recommendation: Rec;
      job: { jobName: string };
      jobsConsidered: number;
      best: string;
    };
    expect(body.best).toBe('costPerInference');
    expect(body.recommendation.recommendationId).toBe('xgboost-churn-default/k3v9x2qa');
    expect(body.job.jobName).toBe('xgboost-churn-default');
    expect(body.jobsConsidered).toBe(2);
    // The model's answers that ingest keeps (shared/db/model-best.ts): one item, nothing else.
    expect(readsOf(cheapest)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 2 });

    const fastest = await api.get(`${XGB_MODEL_PATH}/recommendations?best=modelLatency`);
    expect((fastest.recommendation as Rec).recommendationId).toBe('xgboost-churn-default/x6d4r8mv');
    // Both runs measured 9800 invocations/min on ml.g4dn.xlarge: the smaller id wins the tie.
    const busiest = await api.get(`${XGB_MODEL_PATH}/recommendations?best=maxInvocations`);
    expect((busiest.recommendation as Rec).recommendationId).toBe('xgboost-churn-default/x6d4r8mv');
  });

  it('filters every candidate job’s summary when filters apply, then reads the winner', async () => {
    const response = await api.request(
      `${XGB_MODEL_PATH}/recommendations?best=costPerInference&maxModelLatency=3`,
    );
    const body = response.body as { recommendation: Rec; job: { jobName: string } };
    expect(body.recommendation.recommendationId).toBe('xgboost-churn-default/a9e3s7gw');
    // The model's answers (the cheapest of all is too slow here), then its item (its jobs with a
    // row per recommendation), then the winner (GetItem).
    expect(readsOf(response)).toEqual({ requests: 3, itemsRead: 1 + 1 + 1, itemsReturned: 2 });
    // The cheapest of all passes this filter: it is the answer, and nothing else is read.
    const passing = await api.request(
      `${XGB_MODEL_PATH}/recommendations?best=costPerInference&maxModelLatency=10`,
    );
    expect((passing.body as { recommendation: Rec }).recommendation.recommendationId).toBe(
      'xgboost-churn-default/k3v9x2qa',
    );
    expect(readsOf(passing)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 2 });
    // A filter the cheapest fails on another metric: the rows answer.
    const otherwise = await api.get(
      `${XGB_MODEL_PATH}/recommendations?best=costPerInference&instanceType=ml.g4dn`,
    );
    expect((otherwise.recommendation as Rec).instanceType).toMatch(/^ml\.g4dn\./);
    const none = await api.get(`${XGB_MODEL_PATH}/recommendations?maxModelLatency=1`);
    expect(none).toMatchObject({ recommendation: null, job: null, jobsConsidered: 2 });
    await expectProblem('/models/no-such-model/recommendations', 404);
    await expectProblem(`${XGB_MODEL_PATH}/recommendations?best=cheapest`, 400);
  });

  it('answers the same from the model’s item without its answers and plan items (a table of schema v3)', async () => {
    const targets = [
      `${XGB_MODEL_PATH}/recommendations`,
      `${XGB_MODEL_PATH}/recommendations?best=modelLatency`,
      `${XGB_MODEL_PATH}/recommendations?best=maxInvocations`,
    ];
    const planTarget = `${XGB_MODEL_PATH}/plan?peakInvocationsPerMinute=250&baselineInvocationsPerMinute=80&source=sagemaker`;
    const fromAnswers = await Promise.all(targets.map((target) => api.get(target)));
    const fromPlan = await api.request(planTarget);
    expect(fromPlan.status).toBe(200);
    expect(readsOf(fromPlan).requests).toBe(1);
    const derivedKeys = [keys.modelBest(XGB_PACKAGE), keys.modelPlan(XGB_PACKAGE)];
    const items = await Promise.all(
      derivedKeys.map(
        async (Key) =>
          (await api.table.doc.send(new GetCommand({ TableName: api.table.tableName, Key }))).Item,
      ),
    );
    expect(items.every(Boolean)).toBe(true);
    for (const Key of derivedKeys) {
      await api.table.doc.send(new DeleteCommand({ TableName: api.table.tableName, Key }));
    }
    try {
      for (const [index, target] of targets.entries()) {
        const response = await api.request(target);
        expect(response.body, target).toEqual(fromAnswers[index]);
        // The answers item (absent), the model's item, the winner.
        expect(readsOf(response), target).toEqual({
          requests: 3,
          itemsRead: 2,
          itemsReturned: 2,
        });
      }
      const plan = await api.request(planTarget);
      expect(plan.body).toEqual(fromPlan.body);
      // The plan item (absent), the model's item, the newest run of each configuration.
      expect(readsOf(plan).requests).toBe(3);
    } finally {
      for (const Item of items) {
        await api.table.doc.send(new PutCommand({ TableName: api.table.tableName, Item: Item! }));
      }
    }
  });

  it('answers the same from the job records when the model has no item (a table of before)', async () => {
    const targets = [
      `${XGB_MODEL_PATH}/recommendations`,
      `${XGB_MODEL_PATH}/recommendations?best=modelLatency&maxModelLatency=3`,
      `${XGB_MODEL_PATH}/recommendations?accountId=${HOME.accountId}&maxCostPerHour=2`,
      `${XGB_MODEL_PATH}/plan?peakInvocationsPerMinute=250&baselineInvocationsPerMinute=80`,
    ];
    const fromItem = await Promise.all(targets.map((target) => api.get(target)));
    const modelKeys = [
      keys.modelJobs(XGB_PACKAGE),
      keys.modelBest(XGB_PACKAGE),
      keys.modelPlan(XGB_PACKAGE),
    ];
    const items = await Promise.all(
      modelKeys.map(
        async (Key) =>
          (await api.table.doc.send(new GetCommand({ TableName: api.table.tableName, Key }))).Item,
      ),
    );
    expect(items.every(Boolean)).toBe(true);
    for (const Key of modelKeys) {
      await api.table.doc.send(new DeleteCommand({ TableName: api.table.tableName, Key }));
    }
    try {
      for (const [index, target] of targets.entries()) {
        const response = await api.request(target);
        expect(response.body, target).toEqual(fromItem[index]);
        // The two job records on GSI2 first: one Query more than the model's item.
        expect(response.reads!.itemsRead, target).toBeGreaterThan(2);
      }
    } finally {
      for (const Item of items) {
        await api.table.doc.send(new PutCommand({ TableName: api.table.tableName, Item: Item! }));
      }
    }
  });
});

describe('GET /compare', () => {
  it('lines up each configuration across runs with the spread of every metric', async () => {
    const response = await api.request('/compare?jobs=xgboost-churn-default,xgboost-churn-rerun');
    const body = response.body as {
      jobs: Array<{ jobName: string }>;
      configurations: Array<{
        key: string;
        runs: Array<{ jobName: string; metrics: Record<string, number> }>;
        spread: Record<
          string,
          { min: number; max: number; relativeSpread: number | null; count: number } | null
        >;
      }>;
    };
    expect(names(body.jobs)).toEqual(['xgboost-churn-default', 'xgboost-churn-rerun']);
    expect(body.configurations.map((group) => group.key)).toEqual([
      'ml.c5.large',
      'ml.c5.xlarge',
      'ml.c6i.xlarge',
      'ml.g4dn.xlarge',
      'ml.m5.large',
      'ml.m5.xlarge',
    ]);
    const c5large = body.configurations[0]!;
    expect(c5large.runs.map((run) => run.jobName)).toEqual([
      'xgboost-churn-default',
      'xgboost-churn-rerun',
    ]);
    expect(c5large.spread.modelLatency).toEqual({
      count: 2,
      min: 6,
      max: 8,
      relativeSpread: (8 - 6) / 6,
    });
    expect(c5large.spread.costPerInference?.relativeSpread).toBeCloseTo(0.1, 10);
    expect(c5large.spread.maxInvocations).toMatchObject({
      min: 3300,
      max: 3300,
      relativeSpread: 0,
    });
    expect(c5large.spread.modelSetupTime).toBeNull();
    // Each job found by its name (one Query each), then each job's recommendations (one Query each).
    expect(readsOf(response)).toEqual({ requests: 4, itemsRead: 14, itemsReturned: 14 });
  });

  it('keys serverless configurations by memory size', async () => {
    const body = await api.get('/compare?jobs=resnet-serverless');
    expect((body.configurations as Array<{ key: string }>).map((group) => group.key)).toEqual([
      'ml.c5.xlarge',
      'ml.g4dn.xlarge',
      'serverless 2048 MB',
      'serverless 3072 MB',
      'serverless 4096 MB',
      'serverless 6144 MB',
    ]);
  });

  it('answers 404 naming unknown jobs and 400 for bad lists', async () => {
    expect(
      (await expectProblem('/compare?jobs=xgboost-churn-default,ghost-1,ghost-2', 404)).detail,
    ).toContain('ghost-1, ghost-2');
    await expectProblem(
      `/compare?jobs=${Array.from({ length: 11 }, (_, i) => `j${i}`).join(',')}`,
      400,
    );
    await expectProblem('/compare?jobs=a,a', 400);
    const missing = await expectProblem('/compare', 400);
    expect(missing.invalidParams?.[0]).toMatchObject({ name: 'jobs' });
    expect(missing.invalidParams?.[0]?.reason).toContain('is required');
  });
});

describe('errors', () => {
  it('answers 404 for unknown paths (GET / is the dashboard) and 405 for other methods', async () => {
    await expectProblem('/index.html', 404);
    await expectProblem('/recommendations', 404);
    const response = await api.request('/jobs', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
  });

  it('rejects a repeated parameter instead of reading "1,2"', async () => {
    const problem = await expectProblem('/jobs?limit=1&limit=2', 400);
    expect(problem.invalidParams).toEqual([
      expect.objectContaining({ name: 'limit', reason: expect.stringContaining('more than once') }),
    ]);
  });
});

describe('cursors', () => {
  it('only continue the route and query that issued them', async () => {
    const first = await api.get('/jobs/large-sweep-250/recommendations?limit=5');
    const cursor = encodeURIComponent(String(first.nextCursor));
    const next = await api.get(`/jobs/large-sweep-250/recommendations?limit=7&cursor=${cursor}`);
    expect((next.recommendations as Rec[]).length).toBe(7);
    const otherQuery = await expectProblem(
      `/jobs/large-sweep-250/recommendations?sortBy=modelLatency&cursor=${cursor}`,
      400,
    );
    expect(otherQuery.invalidParams?.[0]?.name).toBe('cursor');
    await expectProblem(`/jobs/bert-qa-advanced/recommendations?cursor=${cursor}`, 400);
    await expectProblem(`/jobs/large-sweep-250/benchmarks?cursor=${cursor}`, 400);
    await expectProblem(`/jobs?cursor=${cursor}`, 400);
  });
});

describe('read amplification (items DynamoDB read per item returned)', () => {
  it('is what the design says for every route on the samples', async () => {
    const requests = {
      'GET /jobs': '/jobs',
      'GET /jobs?limit=3': '/jobs?limit=3',
      'GET /jobs?status=COMPLETED': '/jobs?status=COMPLETED',
      'GET /jobs?status=COMPLETED&createdAfter=2024-11-24T15:00:00Z':
        '/jobs?status=COMPLETED&createdAfter=2024-11-24T15:00:00Z',
      'GET /jobs?modelName=<xgboost package>': `/jobs?modelName=${encodeURIComponent(XGB_PACKAGE)}`,
      'GET /jobs/{jobName}': located('/jobs/bert-qa-advanced'),
      'GET /jobs/{jobName} (existing endpoints)': located('/jobs/llama-existing-endpoints'),
      'GET /jobs/{6 recs}/recommendations': located('/jobs/xgboost-churn-default/recommendations'),
      'GET /jobs/{6 recs}/recommendations?paretoOnly=true': located(
        '/jobs/xgboost-churn-default/recommendations?paretoOnly=true',
      ),
      'GET /jobs/{250 recs}/recommendations': located('/jobs/large-sweep-250/recommendations'),
      'GET /jobs/{250 recs}/recommendations?limit=500': located(
        '/jobs/large-sweep-250/recommendations?limit=500',
      ),
      'GET /jobs/{250 recs}/recommendations?instanceType=ml.g5': located(
        '/jobs/large-sweep-250/recommendations?instanceType=ml.g5',
      ),
      'GET /jobs/{jobName}/recommendations/{id}': located(
        '/jobs/xgboost-churn-default/recommendations/k3v9x2qa',
      ),
      'GET /jobs/{jobName}/benchmarks': located('/jobs/large-sweep-250/benchmarks'),
      'GET /models/{model}/jobs': `${XGB_MODEL_PATH}/jobs`,
      'GET /models/{model}/recommendations': `${XGB_MODEL_PATH}/recommendations`,
      'GET /models/{model}/recommendations?maxModelLatency=3': `${XGB_MODEL_PATH}/recommendations?maxModelLatency=3`,
      'GET /compare (2 jobs)': '/compare?jobs=xgboost-churn-default,xgboost-churn-rerun',
      'GET /jobs/{6 recs}/plan': located(
        '/jobs/xgboost-churn-default/plan?peakInvocationsPerMinute=250',
      ),
      'GET /models/{model}/plan': `${XGB_MODEL_PATH}/plan?peakInvocationsPerMinute=250`,
      // A bare name costs the Query that finds the job's record.
      'GET /jobs/{6 recs}/recommendations (bare name)':
        '/jobs/xgboost-churn-default/recommendations',
      'GET /jobs/{jobName} (bare name)': '/jobs/bert-qa-advanced',
      'GET /jobs/{jobName}/benchmarks (bare name)': '/jobs/large-sweep-250/benchmarks',
      'GET /jobs/{6 recs}/plan (bare name)':
        '/jobs/xgboost-churn-default/plan?peakInvocationsPerMinute=250',
      'GET /jobs/{jobName}/recommendations/{id} (bare name)':
        '/jobs/xgboost-churn-default/recommendations/k3v9x2qa',
    };
    const table: Record<
      string,
      { requests: number; read: number; returned: number; amplification: string }
    > = {};
    for (const [label, target] of Object.entries(requests)) {
      const { reads } = await api.request(target);
      table[label] = {
        requests: reads!.requests,
        read: reads!.itemsRead,
        returned: reads!.itemsReturned,
        amplification: reads!.itemsReturned
          ? (reads!.itemsRead / reads!.itemsReturned).toFixed(2)
          : 'n/a',
      };
    }
    console.table(table);
    const ratio = (label: keyof typeof requests) => table[label]!.read / table[label]!.returned;
    // Index-backed listings read what they return, or one job more where only a filter can tell.
    expect(ratio('GET /jobs')).toBe(1);
    expect(ratio('GET /jobs?status=COMPLETED')).toBe(1);
    expect(ratio('GET /jobs?modelName=<xgboost package>')).toBe(1);
    expect(
      ratio('GET /jobs?status=COMPLETED&createdAfter=2024-11-24T15:00:00Z'),
    ).toBeLessThanOrEqual(1.5);
    expect(ratio('GET /jobs/{jobName}/benchmarks')).toBe(1);
    expect(ratio('GET /models/{model}/jobs')).toBe(1);
    expect(ratio('GET /compare (2 jobs)')).toBe(1);
    // The merge of 8 partitions over-reads a little on small pages: one Query each, asking for
    // its share of the page learnt from the pages merged before (at least 1), in one round.
    expect(table['GET /jobs?limit=3']).toMatchObject({ requests: 8, read: 6, returned: 3 });
    // Recommendations are ranked and paged in memory from the job's list (one item up to a few
    // hundred recommendations), read in one Query, with the job's record for a bare name.
    expect(table['GET /jobs/{6 recs}/recommendations']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 6,
    });
    expect(table['GET /jobs/{6 recs}/recommendations (bare name)']).toMatchObject({
      requests: 1,
      read: 1 + 1,
      returned: 6,
    });
    expect(table['GET /jobs/{6 recs}/recommendations?paretoOnly=true']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 3,
    });
    expect(table['GET /jobs/{250 recs}/recommendations']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 50,
    });
    expect(table['GET /jobs/{250 recs}/recommendations?limit=500']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 250,
    });
    expect(table['GET /jobs/{250 recs}/recommendations?instanceType=ml.g5']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 17,
    });
    for (const label of [
      'GET /jobs/{6 recs}/recommendations',
      'GET /jobs/{6 recs}/recommendations?paretoOnly=true',
      'GET /jobs/{250 recs}/recommendations',
      'GET /jobs/{250 recs}/recommendations?limit=500',
      'GET /jobs/{250 recs}/recommendations?instanceType=ml.g5',
    ] as const) {
      expect(ratio(label), label).toBeLessThanOrEqual(1.5);
    }
    // Without filters the model's answers kept by ingest: one item holds the winner and its
    // job. With filters too when their winner passes; here it does not: the model's item
    // answers from its jobs' rows, then the winner is read.
    expect(table['GET /models/{model}/recommendations']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 2,
    });
    expect(table['GET /models/{model}/recommendations?maxModelLatency=3']).toMatchObject({
      requests: 3,
      read: 1 + 1 + 1,
      returned: 2,
    });
    // A job's plan reads its record and its recommendations; a model's, what ingest keeps for
    // it (shared/db/model-plan.ts): one item.
    expect(table['GET /jobs/{6 recs}/plan']).toMatchObject({
      requests: 2,
      read: 1 + 6,
      returned: 6,
    });
    expect(table['GET /models/{model}/plan']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 6,
    });
    // A bare name: the Query that finds the record is the record read (reused, never read twice).
    expect(table['GET /jobs/{jobName} (bare name)']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 1,
    });
    expect(table['GET /jobs/{jobName}/benchmarks (bare name)']).toMatchObject({
      requests: 2,
      read: 1 + 50,
      returned: 50,
    });
    expect(table['GET /jobs/{6 recs}/plan (bare name)']).toMatchObject({
      requests: 2,
      read: 1 + 6,
      returned: 6,
    });
    for (const label of [
      'GET /models/{model}/recommendations',
      'GET /models/{model}/recommendations?maxModelLatency=3',
      'GET /jobs/{6 recs}/plan',
      'GET /models/{model}/plan',
      'GET /jobs/{6 recs}/recommendations (bare name)',
      'GET /jobs/{jobName} (bare name)',
      'GET /jobs/{jobName}/benchmarks (bare name)',
      'GET /jobs/{6 recs}/plan (bare name)',
      'GET /jobs/{jobName}/recommendations/{id} (bare name)',
    ] as const) {
      expect(ratio(label), label).toBeLessThanOrEqual(1.5);
    }
    // A recommendation by a bare job name: found in the lists of the name's jobs (one Query, one
    // item), where resolving the job first would read its record too.
    expect(table['GET /jobs/{jobName}/recommendations/{id} (bare name)']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 1,
    });
    expect(table['GET /jobs/{jobName}/recommendations/{id}']).toMatchObject({
      requests: 1,
      read: 1,
      returned: 1,
    });
  });
});

describe('GET /jobs/{jobName}/plan and /models/{modelName}/plan', () => {
  it('answer a ranked plan, and 400 naming the missing parameter', async () => {
    const job = await api.get<{ entries: unknown[] }>(
      '/jobs/xgboost-churn-default/plan?peakInvocationsPerMinute=250',
    );
    expect(job.entries).toHaveLength(6);
    const model = await api.get<{ entries: unknown[] }>(
      `${XGB_MODEL_PATH}/plan?peakInvocationsPerMinute=250&baselineInvocationsPerMinute=80`,
    );
    expect(model.entries).toHaveLength(6);
    const missing = await api.request('/jobs/xgboost-churn-default/plan');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      invalidParams: [expect.objectContaining({ name: 'peakInvocationsPerMinute' })],
    });
  });
});

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument();
  const compiled = (Object.keys(ROUTES) as RouteId[]).map((id) => ({
    id,
    pattern: compilePattern(ROUTES[id].pattern),
  }));

  const operationOf = (target: string) => {
    const path = decodeURIComponent(target.split('?')[0]!);
    const route = compiled.find((entry) => matchPath(entry.pattern, path));
    return route && { id: route.id, path: openApiPath(ROUTES[route.id].pattern) };
  };

  const responseSchema = (path: string, status: number, contentType: string): Schema => {
    const operation = (
      document.paths[path] as {
        get: { responses: Record<string, { content: Record<string, { schema: Schema }> }> };
      }
    ).get;
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`${path} documents no ${status}`);
    const content = response.content[contentType];
    if (!content) throw new Error(`${path} ${status} documents no ${contentType}`);
    return content.schema;
  };

  it('is what GET /openapi.json serves, with every route', async () => {
    expect(await api.get('/openapi.json')).toEqual(JSON.parse(JSON.stringify(document)));
    expect(Object.keys(document.paths).sort()).toEqual([
      '/compare',
      '/jobs',
      '/jobs/{jobName}',
      '/jobs/{jobName}/benchmarks',
      '/jobs/{jobName}/plan',
      '/jobs/{jobName}/recommendations',
      '/jobs/{jobName}/recommendations/{id}',
      '/models/{modelName}/jobs',
      '/models/{modelName}/plan',
      '/models/{modelName}/recommendations',
      '/openapi.json',
    ]);
  });

  it('catches a response that breaks it (the validator is not vacuous)', async () => {
    const body = (await api.get('/jobs/xgboost-churn-default')) as { job: Body };
    const schema = responseSchema('/jobs/{jobName}', 200, 'application/json');
    expect(validate(document, schema, body)).toEqual([]);
    expect(
      validate(document, schema, { ...body, job: { ...body.job, statusRank: 3 } }),
    ).not.toEqual([]);
    expect(
      validate(document, schema, { ...body, job: { ...body.job, recommendationCount: '6' } }),
    ).not.toEqual([]);
    expect(
      validate(document, schema, { ...body, job: { ...body.job, status: 'DONE' } }),
    ).not.toEqual([]);
  });

  it('describes every response this file received, each validated against it and its zod schema', () => {
    expect(api.answered.length).toBeGreaterThan(80);
    const seenRoutes = new Set<string>();
    for (const { target, response } of api.answered) {
      const operation = operationOf(target);
      const contentType = response.headers['content-type']!;
      if (!operation || response.status === 405) {
        expect(response.status, target).toBeGreaterThanOrEqual(404);
        expect(problemSchema.safeParse(response.body).success).toBe(true);
        continue;
      }
      seenRoutes.add(operation.id);
      const schema = responseSchema(operation.path, response.status, contentType);
      expect(validate(document, schema, response.body), `${target} → ${response.status}`).toEqual(
        [],
      );
      const zod = response.status === 200 ? RESPONSES[operation.id] : problemSchema;
      expect(zod.safeParse(response.body).success, target).toBe(true);
    }
    expect([...seenRoutes].sort()).toEqual(Object.keys(ROUTES).sort());
  });
});
