import { HOME, queryPartition } from '../support/fixtures.js';
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createDynamoDbProxy,
  type DynamoDbProxy,
} from '../../local/aws/dynamodb/dynamodb-proxy.js';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  cloneJob,
  everyNth,
  type SimulatedJob,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import type { createHandler as CreateIngestHandler } from '../../functions/ingest/handler.js';
import { RECORDED, recordedDetailSchema, type JobStatus } from '../../shared/events.js';
import { estimateItemSize, ITEM_SIZE_LIMIT } from '../../shared/db/item-size.js';
import {
  recommendationListItems,
  recommendationListOf,
  SUMMARY_ENTRIES_PER_CHUNK,
  summaryEntriesOf,
  summaryItems,
  type SummaryEntry,
} from '../../shared/db/items.js';
import { recommendationView } from '../../functions/api/views.js';
import { keyValues, layout } from '../../shared/db/table.js';
import type { Recommendation } from '../../shared/model/types.js';
import {
  lambdaContext,
  sampleJob,
  sampleJobs,
  stateChangeEvent,
  useLocalWorld,
} from '../support/world.js';

let clock = Date.parse('2026-11-01T00:00:00Z');
const world = useLocalWorld({ now: () => clock, as: 'ingest' });
let proxy: DynamoDbProxy;
let proxyServer: LocalServer;
let handler: ReturnType<typeof CreateIngestHandler>;

beforeAll(async () => {
  proxy = createDynamoDbProxy(world.table.upstream);
  proxyServer = await proxy.listen(0, world.table.gate());
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxyServer.url;
  ({ handler } = await import('../../functions/ingest/handler.js'));
  for (const job of sampleJobs) world.simulator.addJob(job);
  return () => proxyServer.close();
});

beforeEach(() => {
  world.simulator.setFaults(undefined);
  proxy.setUnprocessedBatch(undefined);
});

const ingest = (jobName: string, status: JobStatus = 'COMPLETED') =>
  handler(stateChangeEvent({ jobName, status }) as never, lambdaContext('ingest'));

const partition = (jobName: string) =>
  queryPartition(world.table.doc, world.table.tableName, keyValues.jobPk(jobName));

const asView = (rec: Recommendation) =>
  recommendationView(rec as unknown as Record<string, unknown>);

const bySk = (items: Record<string, unknown>[], prefix: string) =>
  items.filter((item) => String(item[layout.primary.sk]).startsWith(prefix));

const recordedFor = (jobName: string) =>
  world
    .busEvents(RECORDED)
    .filter((event) => (event.detail as { jobName: string }).jobName === jobName);

/** What the summary must say of a stored recommendation. */
const entryOf = (rec: Recommendation): SummaryEntry => ({
  recommendationId: rec.recommendationId,
  endpointType: rec.endpointType,
  instanceType: rec.instanceType,
  initialInstanceCount: rec.initialInstanceCount,
  memorySizeInMB: rec.serverless?.memorySizeInMB ?? null,
  metrics: rec.metrics,
  derived: rec.derived,
});
const sortedById = <T extends Pick<SummaryEntry, 'recommendationId'>>(entries: T[]) =>
  [...entries].sort((a, b) => (a.recommendationId < b.recommendationId ? -1 : 1));

/** The wire JSON of the samples: loosely typed on purpose, read as the service sends it. */
type Wire = Record<string, unknown>;

/** Reads a wire metric as the design says it must be stored: non-finite or missing → null. */
const wireMetric = (value: unknown) => (typeof value === 'number' ? value : null);
const wireTime = (value: unknown) =>
  typeof value === 'number' ? new Date(Math.round(value * 1000)).toISOString() : null;

describe('ingest: every sample stores exactly the expected items', () => {
  it.each(sampleJobs.map((job) => [job.describe.JobName as string, job] as const))(
    '%s',
    async (jobName, job) => {
      const describe = job.describe as Wire;
      const result = await ingest(jobName, describe.Status as JobStatus);
      expect(result.outcome).toBe('recorded');
      const items = await partition(jobName);
      const [jobItem] = bySk(items, keyValues.jobSk(HOME));
      const recs = bySk(items, keyValues.recommendationPrefix(HOME));
      const steps = bySk(items, keyValues.stepPrefix(HOME));
      const perfs = bySk(items, keyValues.performancePrefix(HOME));
      const wireRecs = (describe.InferenceRecommendations ?? []) as Wire[];

      expect(jobItem).toMatchObject({
        jobName,
        jobArn: describe.JobArn,
        jobType: describe.JobType,
        status: describe.Status,
        creationTime: wireTime(describe.CreationTime),
        lastModifiedTime: wireTime(describe.LastModifiedTime),
        completionTime: wireTime(describe.CompletionTime),
        failureReason: describe.FailureReason ?? null,
        modelName: (describe.InputConfig as Wire).ModelName ?? null,
        recommendationCount: wireRecs.length,
        benchmarkCount: (job.steps ?? []).length,
        failedBenchmarkCount: (job.steps ?? []).filter((s) => s.Status === 'FAILED').length,
        version: 1,
        publishedVersion: 1,
        [layout.byStatus.pk]: `STATUS#${describe.Status}`,
      });
      expect(recs).toHaveLength(wireRecs.length);
      expect(steps).toHaveLength((job.steps ?? []).length);
      expect(perfs).toHaveLength(((describe.EndpointPerformances ?? []) as unknown[]).length);
      // One summary item per job with recommendations, listing exactly the stored ones.
      const summaries = bySk(items, keyValues.summaryPrefix(HOME));
      expect(summaries).toHaveLength(wireRecs.length > 0 ? 1 : 0);
      if (wireRecs.length > 0) {
        expect(summaries[0]).toMatchObject({ jobName, chunkIndex: 0, chunkCount: 1 });
        expect(sortedById(summaryEntriesOf(summaries[0]!) ?? [])).toEqual(
          sortedById(recs.map((rec) => entryOf(rec as unknown as Recommendation))),
        );
      }
      // One recommendation list item too: each recommendation as the API shows it, the job's
      // model beside them.
      const lists = bySk(items, keyValues.recommendationListFamily);
      expect(lists).toHaveLength(wireRecs.length > 0 ? 1 : 0);
      if (wireRecs.length > 0) {
        expect(lists[0]).toMatchObject({
          [layout.primary.sk]: keyValues.recommendationListSk(HOME, 0),
          jobName,
          chunkIndex: 0,
          chunkCount: 1,
          modelName: jobItem!.modelName,
        });
        const list = recommendationListOf(lists);
        expect(sortedById((list?.recommendations ?? []).map(asView))).toEqual(
          sortedById(recs.map(recommendationView)),
        );
      }

      for (const wire of wireRecs) {
        const endpoint = wire.EndpointConfiguration as Wire;
        const stored = recs.find((r) =>
          wire.RecommendationId
            ? r.recommendationId === wire.RecommendationId
            : r.recommendationIdDerived === true &&
              r.instanceType === (endpoint.InstanceType ?? null),
        );
        expect(
          stored,
          `recommendation ${wire.RecommendationId ?? endpoint.InstanceType}`,
        ).toBeDefined();
        const metrics = wire.Metrics as Wire;
        expect(stored?.metrics).toEqual({
          costPerHour: wireMetric(metrics.CostPerHour),
          costPerInference: wireMetric(metrics.CostPerInference),
          maxInvocations: wireMetric(metrics.MaxInvocations),
          modelLatency: wireMetric(metrics.ModelLatency),
          cpuUtilization: wireMetric(metrics.CpuUtilization),
          memoryUtilization: wireMetric(metrics.MemoryUtilization),
          modelSetupTime: wireMetric(metrics.ModelSetupTime),
        });
        const serverless = endpoint.ServerlessConfig as Record<string, number> | undefined;
        expect(stored).toMatchObject({
          jobName,
          endpointType: serverless ? 'Serverless' : 'RealTime',
          instanceType: serverless ? null : endpoint.InstanceType,
          initialInstanceCount: serverless ? null : endpoint.InitialInstanceCount,
          endpointName: endpoint.EndpointName,
          variantName: endpoint.VariantName,
          invocationStartTime: wireTime(wire.InvocationStartTime),
          invocationEndTime: wireTime(wire.InvocationEndTime),
        });
        if (serverless) {
          expect(stored?.serverless).toEqual({
            memorySizeInMB: serverless.MemorySizeInMB,
            maxConcurrency: serverless.MaxConcurrency ?? null,
            provisionedConcurrency: serverless.ProvisionedConcurrency ?? null,
          });
        }
      }
      expect(JSON.stringify(items)).not.toMatch(/NaN|Infinity/);
      const recorded = recordedFor(jobName);
      expect(recorded).toHaveLength(1);
      expect(recordedDetailSchema.parse(recorded[0]?.detail)).toMatchObject({
        jobName,
        status: describe.Status,
        previousStatus: null,
        recommendationCount: wireRecs.length,
        version: 1,
      });
    },
  );

  it('keeps what the design singles out: CPU above 100, NaN as null, Pareto set, derived ids', async () => {
    const xgboost = await partition('xgboost-churn-default');
    const pareto = bySk(xgboost, keyValues.recommendationPrefix(HOME))
      .filter((r) => (r.derived as { paretoOptimal: boolean }).paretoOptimal)
      .map((r) => r.recommendationId)
      .sort();
    expect(pareto).toEqual([
      'xgboost-churn-default/a9e3s7gw',
      'xgboost-churn-default/k3v9x2qa',
      'xgboost-churn-default/x6d4r8mv',
    ]);
    const hot = bySk(xgboost, keyValues.recommendationPrefix(HOME)).find(
      (r) => r.recommendationId === 'xgboost-churn-default/p7m2c4td',
    );
    expect((hot?.metrics as { cpuUtilization: number }).cpuUtilization).toBeCloseTo(187.5, 3);

    const bert = bySk(await partition('bert-qa-advanced'), keyValues.recommendationPrefix(HOME));
    const nanCost = bert.find((r) => r.recommendationId === 'bert-qa-advanced/m9s3h6ty');
    expect((nanCost?.metrics as { costPerInference: unknown }).costPerInference).toBeNull();
    expect((nanCost?.derived as { paretoOptimal: boolean }).paretoOptimal).toBe(false);
    const derived = bert.filter((r) => r.recommendationIdDerived === true);
    expect(derived).toHaveLength(1);
    expect(derived[0]?.recommendationId).toMatch(/^bert-qa-advanced\/[0-9a-f]{8}$/);

    const [advanced] = bySk(await partition('bert-qa-advanced'), keyValues.jobSk(HOME));
    expect(advanced?.inputConfig).toMatchObject({ trafficPattern: { trafficType: 'PHASES' } });
    expect(advanced?.stoppingConditions).toMatchObject({
      modelLatencyThresholds: [
        expect.objectContaining({ valueInMilliseconds: expect.any(Number) }),
      ],
    });
  });
});

describe('ingest: duplicates and order', () => {
  const lifecycle: JobStatus[] = ['PENDING', 'IN_PROGRESS', 'COMPLETED'];
  let counter = 0;

  /** A clone of a sample that is PENDING at t+0, IN_PROGRESS at t+60 s, COMPLETED at t+600 s. */
  function movingJob(template: SimulatedJob): { name: string; times: number[] } {
    counter += 1;
    const name = `order-${counter}`;
    // Same times for every clone, so their stored items differ only by name.
    const start = Date.parse('2026-10-01T00:00:00Z');
    const times = [start, start + 60_000, start + 600_000];
    world.simulator.addJob(
      cloneJob(template, {
        jobName: name,
        start,
        timeline: lifecycle.map((status, i) => ({ status, afterMs: times[i]! - start })),
      }),
    );
    return { name, times };
  }

  const contentOf = (items: Record<string, unknown>[]) =>
    items
      .map((item) => {
        const {
          recordedAt: _r,
          version: _v,
          previousStatus: _p,
          publishedVersion: _pv,
          // When SageMaker listed the steps, and how often the progress of the running job moved.
          listedAt: _l,
          progressVersion: _prv,
          publishedProgressVersion: _ppv,
          ...rest
        } = item;
        if (rest.progress && typeof rest.progress === 'object') {
          const { listedAt: _pl, ...progress } = rest.progress as Record<string, unknown>;
          return { ...rest, progress };
        }
        return rest;
      })
      .sort((a, b) => String(a[layout.primary.sk]).localeCompare(String(b[layout.primary.sk])));

  it('the same event three times stores once and emits Recorded once', async () => {
    const { name, times } = movingJob(sampleJob('xgboost-churn-default'));
    clock = times[2]! + 1;
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) outcomes.push((await ingest(name)).outcome);
    expect(outcomes).toEqual(['recorded', 'unchanged', 'unchanged']);
    expect(recordedFor(name)).toHaveLength(1);
  });

  it('converges on the newest description whatever the order and duplication of deliveries', async () => {
    const template = sampleJob('resnet-serverless');
    const reference = movingJob(template);
    clock = reference.times[2]! + 1;
    await ingest(reference.name);
    const expected = contentOf(await partition(reference.name)).map((item) =>
      JSON.parse(JSON.stringify(item).replaceAll(reference.name, 'JOBNAME')),
    );

    await fc.assert(
      fc.asyncProperty(
        // Each delivery: which lifecycle moment SageMaker is at when ingest describes the job.
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 8 }),
        async (moments) => {
          const job = movingJob(template);
          const deliveries = moments.includes(2) ? moments : [...moments, 2];
          for (const moment of deliveries) {
            clock = job.times[moment]! + 1;
            await ingest(job.name, lifecycle[moment]);
          }
          const items = contentOf(await partition(job.name)).map((item) =>
            JSON.parse(JSON.stringify(item).replaceAll(job.name, 'JOBNAME')),
          );
          expect(items).toEqual(expected);
          // One Recorded per state the stored job actually moved to, in forward order.
          const statuses = recordedFor(job.name).map(
            (e) => (e.detail as { status: string }).status,
          );
          const advances: number[] = [];
          for (const moment of deliveries) {
            if (advances.length === 0 || moment > advances[advances.length - 1]!)
              advances.push(moment);
          }
          expect(statuses).toEqual(advances.map((m) => lifecycle[m]));
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('ingest: DynamoDB work and faults', () => {
  it('stores the 250-recommendation job with ceil(items/25) BatchWriteItem calls, three other writes and the model’s answers and plan input', async () => {
    const template = sampleJob('large-sweep-250');
    world.simulator.addJob(
      cloneJob(template, { jobName: 'sweep-count', start: Date.parse('2026-09-01T00:00:00Z') }),
    );
    clock = Date.parse('2026-11-01T00:00:00Z');
    proxy.reset();
    await ingest('sweep-count');
    // The recommendations, the steps, one summary item and one recommendation list item.
    const items = 250 + (template.steps ?? []).length + 1 + 1;
    const stored = await partition('sweep-count');
    expect(bySk(stored, keyValues.summaryPrefix(HOME))).toHaveLength(1);
    expect(bySk(stored, keyValues.recommendationListPrefix(HOME))).toHaveLength(1);
    expect(proxy.count('BatchWriteItem')).toBe(Math.ceil(items / 25));
    // The conditional job write, its entry in the model's item and the published mark.
    expect(proxy.count('UpdateItem')).toBe(3);
    // The model's answers and plan input (shared/db/model-best.ts, model-plan.ts): a PutItem
    // each, after reading the plan input before (and any newest run of another job it lacks).
    expect(proxy.count('PutItem')).toBe(2);
    expect(proxy.count('GetItem')).toBeGreaterThanOrEqual(1);
    expect(
      proxy.operations.filter(
        (op) => !['BatchWriteItem', 'UpdateItem', 'PutItem', 'GetItem'].includes(op),
      ),
    ).toEqual([]);
  });

  it('completes the job through throttles on every second SageMaker call and half-unprocessed batches', async () => {
    const template = sampleJob('large-sweep-250');
    world.simulator.addJob(
      cloneJob(template, { jobName: 'sweep-faults', start: Date.parse('2026-09-01T00:00:00Z') }),
    );
    world.simulator.setFaults(everyNth(2, 'throttle'));
    proxy.setUnprocessedBatch((index) => index % 2 === 0);
    const result = await ingest('sweep-faults');
    expect(result.outcome).toBe('recorded');
    const items = await partition('sweep-faults');
    expect(bySk(items, keyValues.recommendationPrefix(HOME))).toHaveLength(250);
    expect(bySk(items, keyValues.stepPrefix(HOME))).toHaveLength((template.steps ?? []).length);
    expect(world.simulator.calls.some((call) => call.fault === 'throttle')).toBe(true);
  });

  it('throws when SageMaker throttles without end, so EventBridge retries', async () => {
    world.simulator.setFaults(() => 'throttle');
    await expect(ingest('xgboost-churn-default')).rejects.toThrow(/throttl|Rate exceeded/i);
  });

  it('records a job SageMaker no longer knows and does not throw', async () => {
    const result = await ingest('gone-job');
    expect(result.outcome).toBe('not-found');
    const [item] = await partition('gone-job');
    expect(item).toMatchObject({ jobName: 'gone-job', notFound: true });
    expect(recordedFor('gone-job')).toHaveLength(0);
  });
});

describe('ingest: nothing lost', () => {
  it('resends the Recorded event on the next delivery when the bus refused it', async () => {
    world.simulator.addJob(
      cloneJob(sampleJob('tabular-stopped'), {
        jobName: 'bus-down',
        start: Date.parse('2026-09-01T00:00:00Z'),
      }),
    );
    world.eventBridge.setFailEntry(() => ({
      ErrorCode: 'InternalFailure',
      ErrorMessage: 'bus down',
    }));
    await expect(ingest('bus-down', 'STOPPED')).rejects.toThrow(/not accepted/);
    expect(recordedFor('bus-down')).toHaveLength(0);
    world.eventBridge.setFailEntry(undefined);
    const retried = await ingest('bus-down', 'STOPPED');
    expect(retried.outcome).toBe('republished');
    expect((await ingest('bus-down', 'STOPPED')).outcome).toBe('unchanged');
    expect(recordedFor('bus-down')).toHaveLength(1);
  });

  it('stores a job whose items would pass the 400 KB limit, trimmed and marked', async () => {
    const template = sampleJob('xgboost-churn-default');
    const huge = cloneJob(template, {
      jobName: 'huge-job',
      start: Date.parse('2026-09-01T00:00:00Z'),
    });
    const describe = huge.describe as Record<string, unknown>;
    const big = 'x'.repeat(1_000);
    describe.InputConfig = {
      ...(describe.InputConfig as object),
      EndpointConfigurations: Array.from({ length: 10 }, (_, i) => ({
        InstanceType: `ml.c5.${i}xlarge`,
        EnvironmentParameterRanges: {
          CategoricalParameterRanges: Array.from({ length: 60 }, (_, j) => ({
            Name: `P${j}`,
            Value: [big],
          })),
        },
      })),
    };
    const [first, ...rest] = describe.InferenceRecommendations as Array<Record<string, unknown>>;
    describe.InferenceRecommendations = [
      {
        ...first,
        ModelConfiguration: {
          EnvironmentParameters: Array.from({ length: 600 }, (_, i) => ({
            Key: `K${i}`,
            ValueType: 'string',
            Value: big,
          })),
        },
      },
      ...rest,
    ];
    world.simulator.addJob(huge);
    expect((await ingest('huge-job')).outcome).toBe('recorded');
    const items = await partition('huge-job');
    const [jobItem] = bySk(items, keyValues.jobSk(HOME));
    expect(jobItem?.trimmed).toEqual(['inputConfig.endpointConfigurations']);
    expect((jobItem?.inputConfig as Record<string, unknown>).endpointConfigurations).toBeNull();
    const trimmedRec = bySk(items, keyValues.recommendationPrefix(HOME)).find(
      (r) => r.recommendationId === first?.RecommendationId,
    );
    expect(trimmedRec?.trimmed).toEqual(['environmentParameters']);
    expect((trimmedRec?.environmentParameters as unknown[]).length).toBe(20);
    expect(bySk(items, keyValues.recommendationPrefix(HOME))).toHaveLength(6);
  });
});

describe('ingest: bad input', () => {
  it.each([
    ['no jobName', { status: 'COMPLETED' }, /jobName/],
    ['an unknown status', { jobName: 'a-job', status: 'EXPLODED' }, /status/],
    ['a wrong type', { jobName: 42, status: 'COMPLETED' }, /jobName/],
    ['a name SageMaker would refuse', { jobName: 'bad_name!', status: 'COMPLETED' }, /jobName/],
  ])('rejects %s, naming the field, and writes nothing', async (_label, detail, message) => {
    const before = proxy.operations.length;
    const event = {
      ...stateChangeEvent({ jobName: 'x' }),
      detail: {
        detectedBy: 'poll',
        jobArn: null,
        previousStatus: null,
        lastModifiedTime: null,
        ...detail,
      },
    };
    await expect(handler(event as never, lambdaContext('ingest'))).rejects.toThrow(message);
    expect(proxy.operations.slice(before)).toEqual([]);
  });
});

describe('ingest: the recommendation summary', () => {
  /** Long job name, long ids, the longest instance type, every metric with 17 digits. */
  function thousandRecommendations(jobName: string): SimulatedJob {
    const clone = cloneJob(sampleJob('large-sweep-250'), {
      jobName,
      start: Date.parse('2026-09-01T00:00:00Z'),
    });
    const base = clone.describe.InferenceRecommendations as Wire[];
    const long = (value: number, i: number) => value * (1 + i / 997) + 1e-9;
    clone.describe = {
      ...clone.describe,
      InferenceRecommendations: Array.from({ length: 1_000 }, (_, i) => {
        const rec = base[i % base.length]!;
        return {
          ...rec,
          RecommendationId: `${jobName}/${i.toString(36).padStart(8, '0')}`,
          EndpointConfiguration: {
            ...(rec.EndpointConfiguration as Wire),
            InstanceType: 'ml.trn1n.32xlarge',
            InitialInstanceCount: 100,
          },
          Metrics: {
            CostPerHour: long(123.4, i),
            CostPerInference: long(1.2e-7, i),
            MaxInvocations: long(12345.6, i),
            ModelLatency: long(1234.5, i),
            CpuUtilization: long(187.5, i),
            MemoryUtilization: long(99.1, i),
            ModelSetupTime: long(123456.7, i),
          },
        };
      }),
    };
    clone.steps = [];
    return clone;
  }

  it('fits a 1,000-recommendation job in one item, written in the same batches', async () => {
    const jobName = `summary-1000-${'x'.repeat(51)}`;
    expect(jobName).toHaveLength(64);
    world.simulator.addJob(thousandRecommendations(jobName));
    proxy.reset();
    expect((await ingest(jobName)).outcome).toBe('recorded');
    const items = await partition(jobName);
    const lists = bySk(items, keyValues.recommendationListPrefix(HOME));
    expect(proxy.count('BatchWriteItem')).toBe(Math.ceil((1_000 + 1 + lists.length) / 25));
    // The list cuts 1,000 whole recommendations into a few items, each under the limit as
    // DynamoDB counts a string (its UTF-8 bytes).
    expect(lists.length).toBeGreaterThan(1);
    const listBytes = lists.map((chunk) => Buffer.byteLength(String(chunk.list)));
    console.log(`recommendation list of 1,000 recommendations: ${listBytes.join(' + ')} bytes`);
    for (const chunk of lists) {
      const size = Buffer.byteLength(String(chunk.list)) + estimateItemSize({ ...chunk, list: '' });
      expect(size).toBeLessThanOrEqual(ITEM_SIZE_LIMIT);
    }
    expect(recommendationListOf(lists)?.recommendations.map(asView)).toHaveLength(1_000);

    const summaries = bySk(items, keyValues.summaryPrefix(HOME));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ chunkIndex: 0, chunkCount: 1 });
    const size = estimateItemSize(summaries[0]);
    console.log(`summary of 1,000 recommendations: ${size} bytes (limit ${ITEM_SIZE_LIMIT})`);
    expect(size).toBeLessThanOrEqual(ITEM_SIZE_LIMIT);
    const entries = summaryEntriesOf(summaries[0]!);
    expect(entries).toHaveLength(1_000);
    expect(sortedById(entries ?? [])).toEqual(
      sortedById(
        bySk(items, keyValues.recommendationPrefix(HOME)).map((rec) =>
          entryOf(rec as unknown as Recommendation),
        ),
      ),
    );
  });

  it('cuts more recommendations into chunks that each fit, every chunk counting them all', () => {
    const recommendation = (i: number): Recommendation => ({
      recommendationId: `job/${String(i).padStart(8, '0')}`,
      recommendationIdDerived: false,
      jobName: 'job',
      ...HOME,
      endpointType: 'RealTime',
      endpointName: null,
      variantName: null,
      instanceType: 'ml.g5.xlarge',
      initialInstanceCount: 1,
      serverless: null,
      metrics: {
        costPerHour: 1.5,
        costPerInference: 1e-6,
        maxInvocations: 100,
        modelLatency: 20,
        cpuUtilization: null,
        memoryUtilization: null,
        modelSetupTime: null,
      },
      derived: {
        costPerMillionInferences: 1,
        invocationsPerSecond: 100 / 60,
        paretoOptimal: false,
      },
      environmentParameters: [],
      modelConfiguration: null,
      invocationStartTime: null,
      invocationEndTime: null,
    });
    const snapshot = {
      job: { jobName: 'job', ...HOME } as never,
      recommendations: Array.from({ length: 2_345 }, (_, i) => recommendation(i)),
    };
    const chunks = summaryItems(snapshot);
    expect(chunks.map((chunk) => (chunk.entries as unknown[]).length)).toEqual([
      SUMMARY_ENTRIES_PER_CHUNK,
      SUMMARY_ENTRIES_PER_CHUNK,
      345,
    ]);
    expect(chunks.map((chunk) => [chunk.chunkIndex, chunk.chunkCount])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(chunks.map((chunk) => chunk[layout.primary.sk])).toEqual([
      keyValues.summarySk(HOME, 0),
      keyValues.summarySk(HOME, 1),
      keyValues.summarySk(HOME, 2),
    ]);
    // A smaller size limit cuts by size: every chunk stays under it, nothing is lost.
    const bySize = summaryItems(snapshot, { itemSize: 20_000 });
    expect(bySize.length).toBeGreaterThan(3);
    for (const chunk of bySize) expect(estimateItemSize(chunk)).toBeLessThanOrEqual(20_000);
    expect(bySize.flatMap((chunk) => summaryEntriesOf(chunk) ?? [])).toEqual(
      snapshot.recommendations.map(entryOf),
    );
    expect(summaryItems({ job: snapshot.job, recommendations: [] })).toEqual([]);

    // The list cuts by size alone, whole recommendations per chunk, keyed in order.
    const lists = recommendationListItems(snapshot, { itemSize: 50_000 });
    expect(lists.length).toBeGreaterThan(3);
    expect(lists.map((chunk) => chunk[layout.primary.sk])).toEqual(
      lists.map((_, index) => keyValues.recommendationListSk(HOME, index)),
    );
    for (const chunk of lists) {
      expect(chunk.chunkCount).toBe(lists.length);
      expect(Buffer.byteLength(String(chunk.list))).toBeLessThanOrEqual(50_000);
    }
    expect(recommendationListOf(lists)?.recommendations).toEqual(snapshot.recommendations);
    // Reversed, as a reader may get them: the same list; one missing: none.
    expect(recommendationListOf([...lists].reverse())?.recommendations).toEqual(
      snapshot.recommendations,
    );
    expect(recommendationListOf(lists.slice(1))).toBeUndefined();
    expect(recommendationListOf(lists.slice(0, -1))).toBeUndefined();
    expect(recommendationListItems({ job: snapshot.job, recommendations: [] })).toEqual([]);
  });
});
