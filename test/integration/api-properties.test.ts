import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloneJob, type SimulatedJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { JOB_STATUSES } from '../../shared/events.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import {
  DERIVED_METRIC_NAMES,
  METRIC_NAMES,
  type Recommendation,
} from '../../shared/model/types.js';
import { useApiWorld } from '../support/api.js';
import { jobKey, sampleJob } from '../support/world.js';

/**
 * Filters, sorting, pagination and "best across a model" checked against brute force over the
 * same stored data, read directly from the table with the test's own client.
 */

const TEMPLATES = [
  'xgboost-churn-default',
  'tabular-stopped',
  'sklearn-failed',
  'resnet-serverless',
  'llama-existing-endpoints',
];
const FINAL_STATUSES = [
  'COMPLETED',
  'FAILED',
  'STOPPED',
  'IN_PROGRESS',
  'PENDING',
  'STOPPING',
] as const;
const BASE = Date.parse('2024-12-01T00:00:00.000Z');

/** 36 jobs over 6 statuses and 5 models; some share a creation or last-modified time exactly. */
function listingJobs(): SimulatedJob[] {
  return Array.from({ length: 36 }, (_, index) => {
    const template = TEMPLATES[(index * 7) % TEMPLATES.length]!;
    const status = FINAL_STATUSES[(index * 5) % FINAL_STATUSES.length]!;
    // Three jobs share each creation time; neighbours share their run time too.
    const start = BASE + Math.floor(index / 3) * 3_600_000;
    const runFor = (Math.floor(index / 2) % 4) * 900_000 + 60_000;
    return cloneJob(sampleJob(template), {
      jobName: `listing-${String(index).padStart(2, '0')}`,
      start,
      timeline: [
        { status: 'PENDING', afterMs: 0 },
        ...(status === 'PENDING' ? [] : [{ status: 'IN_PROGRESS' as const, afterMs: 30_000 }]),
        ...(status === 'PENDING' || status === 'IN_PROGRESS' ? [] : [{ status, afterMs: runFor }]),
      ],
    });
  });
}

const api = useApiWorld({ extraJobs: listingJobs() });

interface StoredJobFacts {
  jobName: string;
  status: string;
  creationTime: string | null;
  lastModifiedTime: string | null;
  model: string | null;
  recommendationCount: number;
}

let jobs: StoredJobFacts[] = [];
const recommendationsByJob = new Map<string, Recommendation[]>();

beforeAll(async () => {
  for (const jobName of api.jobNames) {
    const { Item } = await api.table.doc.send(
      new GetCommand({ TableName: api.table.tableName, Key: keys.job(jobKey(jobName)) }),
    );
    jobs.push({
      jobName,
      status: Item!.status,
      creationTime: Item!.creationTime ?? null,
      lastModifiedTime: Item!.lastModifiedTime ?? null,
      model: Item!.modelName ?? Item!.modelPackageVersionArn ?? null,
      recommendationCount: Item!.recommendationCount,
    });
    const { Items } = await api.table.doc.send(
      new QueryCommand({
        TableName: api.table.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :rec)',
        ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
        ExpressionAttributeValues: {
          ':pk': keyValues.jobPk(jobName),
          ':rec': keyValues.recommendationPrefix(jobKey(jobName)),
        },
      }),
    );
    recommendationsByJob.set(jobName, (Items ?? []) as Recommendation[]);
  }
  jobs = jobs.sort((a, b) => (a.jobName < b.jobName ? -1 : 1));
}, 120_000);

// --- brute force --------------------------------------------------------------------------

type SortField = (typeof METRIC_NAMES)[number] | (typeof DERIVED_METRIC_NAMES)[number];
interface Filters {
  maxModelLatency?: number;
  minMaxInvocations?: number;
  maxCostPerHour?: number;
  maxCostPerInference?: number;
  instanceType?: string;
  endpointType?: 'RealTime' | 'Serverless';
  paretoOnly?: boolean;
}

const valueOf = (rec: Recommendation, field: SortField): number | null =>
  field in rec.metrics
    ? rec.metrics[field as keyof Recommendation['metrics']]
    : rec.derived[field as 'invocationsPerSecond'];

function bruteForce(
  recs: Recommendation[],
  filters: Filters,
  field: SortField,
  order: 'asc' | 'desc',
) {
  const ok = (value: number | null, test: (v: number) => boolean) => value !== null && test(value);
  const kept = recs.filter(
    (rec) =>
      (filters.maxModelLatency === undefined ||
        ok(rec.metrics.modelLatency, (v) => v <= filters.maxModelLatency!)) &&
      (filters.minMaxInvocations === undefined ||
        ok(rec.metrics.maxInvocations, (v) => v >= filters.minMaxInvocations!)) &&
      (filters.maxCostPerHour === undefined ||
        ok(rec.metrics.costPerHour, (v) => v <= filters.maxCostPerHour!)) &&
      (filters.maxCostPerInference === undefined ||
        ok(rec.metrics.costPerInference, (v) => v <= filters.maxCostPerInference!)) &&
      (filters.instanceType === undefined ||
        (rec.instanceType !== null &&
          (rec.instanceType === filters.instanceType ||
            rec.instanceType.startsWith(`${filters.instanceType}.`)))) &&
      (filters.endpointType === undefined || rec.endpointType === filters.endpointType) &&
      (!filters.paretoOnly || rec.derived.paretoOptimal),
  );
  const known = kept.filter((rec) => valueOf(rec, field) !== null);
  const unknown = kept.filter((rec) => valueOf(rec, field) === null);
  const byId = (a: Recommendation, b: Recommendation) =>
    a.recommendationId < b.recommendationId ? -1 : 1;
  known.sort((a, b) => {
    const difference = (valueOf(a, field)! - valueOf(b, field)!) * (order === 'asc' ? 1 : -1);
    return difference !== 0 ? difference : byId(a, b);
  });
  return [...known, ...unknown.sort(byId)];
}

function filterQuery(filters: Filters): string[] {
  return Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`);
}

// --- arbitraries --------------------------------------------------------------------------

/** The distinct models of the stored jobs. */
const modelsOfJobs = () => [
  ...new Set(jobs.map((job) => job.model).filter((m): m is string => m !== null)),
];

const jobsWithRecommendations = () =>
  [...recommendationsByJob].filter(([, recs]) => recs.length > 0).map(([name]) => name);

/**
 * Each filter is present about a third of the time, with a threshold that is mostly one of the
 * job's own values (so some recommendations pass and some do not), sometimes any number.
 */
function filtersArbitrary(recs: Recommendation[]): fc.Arbitrary<Filters> {
  const sometimes = <T>(arbitrary: fc.Arbitrary<T>) =>
    fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary, weight: 1 });
  const threshold = (metric: keyof Recommendation['metrics']) => {
    const values = recs.map((rec) => rec.metrics[metric]).filter((v): v is number => v !== null);
    const any = fc.double({
      min: 0,
      max: Math.max(1, ...values) * 1.5,
      noNaN: true,
      noDefaultInfinity: true,
    });
    return sometimes(
      values.length
        ? fc.oneof(
            { arbitrary: fc.constantFrom(...values), weight: 3 },
            { arbitrary: any, weight: 1 },
          )
        : any,
    );
  };
  const allTypes = [...recommendationsByJob.values()].flat().map((rec) => rec.instanceType);
  const types = [...new Set(allTypes.filter((t): t is string => t !== null))];
  const families = [...new Set(types.map((type) => type.split('.').slice(0, 2).join('.')))];
  return fc.record({
    maxModelLatency: threshold('modelLatency'),
    minMaxInvocations: threshold('maxInvocations'),
    maxCostPerHour: threshold('costPerHour'),
    maxCostPerInference: threshold('costPerInference'),
    instanceType: sometimes(fc.constantFrom(...types, ...families, 'ml.x9', 'ml.g5.48xlarge')),
    endpointType: sometimes(fc.constantFrom('RealTime' as const, 'Serverless' as const)),
    paretoOnly: sometimes(fc.boolean()),
  });
}

/** A job with recommendations and filters drawn from its own values. */
const jobAndFilters = () =>
  fc
    .constantFrom(...jobsWithRecommendations())
    .chain((jobName) =>
      fc.tuple(fc.constant(jobName), filtersArbitrary(recommendationsByJob.get(jobName)!)),
    );

const sortFieldArbitrary = fc.constantFrom<SortField>(...METRIC_NAMES, ...DERIVED_METRIC_NAMES);
const orderArbitrary = fc.option(fc.constantFrom<'asc' | 'desc'>('asc', 'desc'), {
  nil: undefined,
});
const defaultOrder = (field: SortField) =>
  field === 'maxInvocations' || field === 'invocationsPerSecond' ? 'desc' : 'asc';

// --- properties ---------------------------------------------------------------------------

describe('the data the properties run over', () => {
  it('has every status but DELETING/DELETED, shared models and exact time ties', () => {
    expect(new Set(jobs.map((job) => job.status))).toEqual(
      new Set(['COMPLETED', 'FAILED', 'STOPPED', 'IN_PROGRESS', 'PENDING', 'STOPPING']),
    );
    for (const time of ['creationTime', 'lastModifiedTime'] as const) {
      const listing = jobs
        .filter((job) => job.jobName.startsWith('listing-'))
        .map((job) => job[time]);
      expect(new Set(listing).size).toBeLessThan(listing.length);
    }
    const perModel = new Map<string | null, number>();
    for (const job of jobs) perModel.set(job.model, (perModel.get(job.model) ?? 0) + 1);
    expect(Math.max(...perModel.values())).toBeGreaterThan(5);
    expect(recommendationsByJob.get('large-sweep-250')).toHaveLength(250);
  });
});

describe('GET /jobs/{jobName}/recommendations against brute force', () => {
  it('returns the brute-force first page for any filters, sort field, order and limit', async () => {
    let nonEmpty = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        jobAndFilters(),
        sortFieldArbitrary,
        orderArbitrary,
        fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
        async ([jobName, filters], sortBy, order, limit) => {
          const expected = bruteForce(
            recommendationsByJob.get(jobName)!,
            filters,
            sortBy,
            order ?? defaultOrder(sortBy),
          );
          const query = [
            `sortBy=${sortBy}`,
            ...(order ? [`order=${order}`] : []),
            ...filterQuery(filters),
            ...(limit ? [`limit=${limit}`] : []),
          ];
          const response = await api.request(`/jobs/${jobName}/recommendations?${query.join('&')}`);
          expect(response.status).toBe(200);
          const body = response.body as {
            recommendations: Recommendation[];
            matchedCount: number;
            nextCursor: string | null;
          };
          const pageSize = limit ?? 50;
          expect(body.recommendations.map((rec) => rec.recommendationId)).toEqual(
            expected.slice(0, pageSize).map((rec) => rec.recommendationId),
          );
          expect(body.matchedCount).toBe(expected.length);
          expect(body.nextCursor !== null).toBe(expected.length > pageSize);
          runs += 1;
          if (expected.length > 0) nonEmpty += 1;
          // Reads, exactly: one Query of the job's record (a bare name) and its list item,
          // whatever the page returns.
          const returned = Math.min(pageSize, expected.length);
          expect(response.reads).toMatchObject({
            requests: 1,
            itemsRead: 2,
            itemsReturned: returned,
          });
        },
      ),
      { numRuns: 200 },
    );
    // Random filters must not make the comparison vacuous.
    expect(nonEmpty / runs).toBeGreaterThan(0.3);
  });

  it('pages concatenate to the full sorted list, each recommendation once', async () => {
    let multiPage = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          jobAndFilters(),
          fc
            .constantFrom(...jobsWithRecommendations())
            .map((jobName) => [jobName, {}] as [string, Filters]),
        ),
        sortFieldArbitrary,
        orderArbitrary,
        fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 3 },
          { arbitrary: fc.integer({ min: 4, max: 60 }), weight: 1 },
        ),
        async ([jobName, filters], sortBy, order, limit) => {
          const expected = bruteForce(
            recommendationsByJob.get(jobName)!,
            filters,
            sortBy,
            order ?? defaultOrder(sortBy),
          );
          fc.pre(expected.length / limit <= 40);
          const base = [
            `sortBy=${sortBy}`,
            ...(order ? [`order=${order}`] : []),
            ...filterQuery(filters),
            `limit=${limit}`,
          ].join('&');
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const page: { recommendations: Recommendation[]; nextCursor: string | null } =
              await api.get(
                `/jobs/${jobName}/recommendations?${base}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
              );
            expect(page.recommendations.length).toBeLessThanOrEqual(limit);
            seen.push(...page.recommendations.map((rec) => rec.recommendationId));
            cursor = page.nextCursor;
          } while (cursor);
          expect(seen).toEqual(expected.map((rec) => rec.recommendationId));
          expect(new Set(seen).size).toBe(seen.length);
          if (expected.length > limit) multiPage += 1;
        },
      ),
      { numRuns: 100 },
    );
    expect(multiPage).toBeGreaterThan(15);
  });
});

describe('GET /models/{modelName}/recommendations against brute force', () => {
  it('finds the best recommendation across the model’s jobs for any filters', async () => {
    let found = 0;
    const models = modelsOfJobs();
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(...models)
          .chain((model) =>
            fc.tuple(
              fc.constant(model),
              filtersArbitrary(
                jobs
                  .filter((job) => job.model === model)
                  .flatMap((job) => recommendationsByJob.get(job.jobName)!),
              ),
            ),
          ),
        fc.constantFrom(
          'costPerInference' as const,
          'modelLatency' as const,
          'maxInvocations' as const,
        ),
        fc.boolean(),
        async ([model, filters], best, withFilters) => {
          const used = withFilters ? filters : {};
          const candidates = jobs
            .filter((job) => job.model === model)
            .flatMap((job) => recommendationsByJob.get(job.jobName)!)
            .filter((rec) => rec.metrics[best] !== null);
          const [winner] = bruteForce(
            candidates,
            used,
            best,
            best === 'maxInvocations' ? 'desc' : 'asc',
          );
          const query = [`best=${best}`, ...filterQuery(used)].join('&');
          const body: {
            recommendation: Recommendation | null;
            job: { jobName: string } | null;
            jobsConsidered: number;
          } = await api.get(`/models/${encodeURIComponent(model)}/recommendations?${query}`);
          expect(body.recommendation?.recommendationId ?? null).toBe(
            winner?.recommendationId ?? null,
          );
          expect(body.job?.jobName ?? null).toBe(winner?.jobName ?? null);
          expect(body.jobsConsidered).toBe(jobs.filter((job) => job.model === model).length);
          if (winner) found += 1;
        },
      ),
      { numRuns: 150 },
    );
    expect(found).toBeGreaterThan(50);
  });
});

describe('GET /jobs against brute force', () => {
  it('pages concatenate to every matching job newest first, each once', async () => {
    let multiPage = 0;
    const models = modelsOfJobs();
    const times = jobs
      .flatMap((job) => [job.creationTime, job.lastModifiedTime])
      .filter((t): t is string => t !== null);
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom(...JOB_STATUSES), { nil: undefined }),
        fc.option(fc.constantFrom(...models, 'no-such-model'), { nil: undefined, freq: 2 }),
        fc.option(
          fc.oneof(
            fc.constantFrom(...times),
            fc.constantFrom('2024-11-25T00:00:00.000Z', '2024-12-01T05:30:00.000Z'),
          ),
          { nil: undefined, freq: 2 },
        ),
        fc.oneof(
          { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 3 },
          { arbitrary: fc.integer({ min: 4, max: 12 }), weight: 1 },
        ),
        async (status, model, createdAfter, limit) => {
          const sortKey = (job: StoredJobFacts) =>
            model
              ? `${job.creationTime ?? ''}#${job.jobName}`
              : `${job.lastModifiedTime ?? ''}#${job.jobName}`;
          const expected = jobs
            .filter((job) => status === undefined || job.status === status)
            .filter((job) => model === undefined || job.model === model)
            .filter(
              (job) =>
                createdAfter === undefined ||
                (job.creationTime !== null && job.creationTime > createdAfter),
            )
            .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : -1))
            .map((job) => job.jobName);
          const base = [
            ...(status ? [`status=${status}`] : []),
            ...(model ? [`modelName=${encodeURIComponent(model)}`] : []),
            ...(createdAfter ? [`createdAfter=${createdAfter}`] : []),
            `limit=${limit}`,
          ].join('&');
          const merged = !model && !status;
          // status on a model's index, or createdAfter on a status index, is a FilterExpression.
          const filtered = model ? status !== undefined : createdAfter !== undefined;
          const seen: string[] = [];
          let read = 0;
          let cursor: string | null = null;
          let pages = 0;
          do {
            const response = await api.request(
              `/jobs?${base}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            );
            expect(response.status).toBe(200);
            const page = response.body as {
              jobs: Array<{ jobName: string }>;
              nextCursor: string | null;
            };
            expect(page.jobs.length).toBeLessThanOrEqual(limit);
            seen.push(...page.jobs.map((job) => job.jobName));
            read += response.reads!.itemsRead;
            // What a page can read beyond what it returns: the other partitions' unused chunks.
            expect(response.reads!.itemsRead).toBeLessThanOrEqual(
              response.reads!.itemsReturned +
                (merged ? 7 * limit : 0) +
                (filtered ? jobs.length : 0),
            );
            cursor = page.nextCursor;
            pages += 1;
          } while (cursor);
          expect(seen).toEqual(expected);
          expect(pages).toBeLessThanOrEqual(Math.floor(expected.length / limit) + 1);
          // Listings on a key alone read exactly what they return, over all pages.
          if (!merged && !filtered) expect(read).toBe(expected.length);
          if (expected.length > limit) multiPage += 1;
        },
      ),
      { numRuns: 120 },
    );
    expect(multiPage).toBeGreaterThan(15);
  });
});
