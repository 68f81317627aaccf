import type { InferenceRecommendation } from '@aws-sdk/client-sagemaker';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  camelize,
  finite,
  isoTime,
  normalizeJob,
  normalizeRecommendations,
} from '../../shared/model/normalize.js';
import { bestOf, paretoOptimalIds } from '../../shared/model/ranking.js';

const JOB = { jobName: 'job', accountId: '111122223333', region: 'us-east-1' };

const rec = (
  id: string | undefined,
  metrics: InferenceRecommendation['Metrics'],
  endpoint: Partial<NonNullable<InferenceRecommendation['EndpointConfiguration']>> = {
    InstanceType: 'ml.c5.large',
    InitialInstanceCount: 1,
  },
): InferenceRecommendation => ({
  RecommendationId: id,
  Metrics: metrics,
  EndpointConfiguration: { EndpointName: 'ep', VariantName: 'v', ...endpoint },
  ModelConfiguration: {
    EnvironmentParameters: [{ Key: 'OMP_NUM_THREADS', ValueType: 'string', Value: '2' }],
  },
});

describe('finite and isoTime', () => {
  it('turns NaN, Infinity and non-numbers into null but keeps 0 and large values', () => {
    expect(finite(Number.NaN)).toBeNull();
    expect(finite(Number.POSITIVE_INFINITY)).toBeNull();
    expect(finite(Number.NEGATIVE_INFINITY)).toBeNull();
    expect(finite('12')).toBeNull();
    expect(finite(undefined)).toBeNull();
    expect(finite(0)).toBe(0);
    expect(finite(187.5)).toBe(187.5);
  });

  it('writes times as ISO 8601 UTC', () => {
    expect(isoTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)))).toBe('2026-01-02T03:04:05.006Z');
    expect(isoTime(new Date(Number.NaN))).toBeNull();
    expect(isoTime(undefined)).toBeNull();
  });
});

describe('camelize', () => {
  it('camel-cases keys deeply, turns dates into ISO strings and non-finite numbers into null', () => {
    expect(
      camelize({
        TrafficPattern: {
          TrafficType: 'PHASES',
          Phases: [{ InitialNumberOfUsers: 1, SpawnRate: Number.NaN }],
        },
        VpcConfig: { SecurityGroupIds: ['sg-1'] },
        When: new Date(0),
        Gone: undefined,
      }),
    ).toEqual({
      trafficPattern: {
        trafficType: 'PHASES',
        phases: [{ initialNumberOfUsers: 1, spawnRate: null }],
      },
      vpcConfig: { securityGroupIds: ['sg-1'] },
      when: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('camelize with hostile keys', () => {
  it('keeps a __proto__ key as data', () => {
    const camel = camelize(JSON.parse('{"__proto__": {"polluted": true}, "A": 1}')) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(camel)).toBe(Object.prototype);
    expect(Object.keys(camel)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('normalizeRecommendations', () => {
  it('marks serverless recommendations and keeps CPU above 100', () => {
    const [serverless, realTime] = normalizeRecommendations(JOB, [
      rec(
        'job/aaaaaaaa',
        { CostPerHour: 0.2, CpuUtilization: 187.5 },
        {
          ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
        },
      ),
      rec('job/bbbbbbbb', { CostPerHour: 0.3, CpuUtilization: 250 }),
    ]);
    expect(serverless).toMatchObject({
      endpointType: 'Serverless',
      instanceType: null,
      initialInstanceCount: null,
      serverless: { memorySizeInMB: 2048, maxConcurrency: 5, provisionedConcurrency: null },
    });
    expect(serverless?.metrics.cpuUtilization).toBe(187.5);
    expect(realTime).toMatchObject({
      endpointType: 'RealTime',
      instanceType: 'ml.c5.large',
      serverless: null,
    });
    expect(realTime?.metrics.cpuUtilization).toBe(250);
  });

  it('derives cost per million inferences and invocations per second, null when unknown', () => {
    const [a, b] = normalizeRecommendations(JOB, [
      rec('job/a', { CostPerInference: 0.000002, MaxInvocations: 600 }),
      rec('job/b', { CostPerInference: Number.NaN }),
    ]);
    expect(a?.derived.costPerMillionInferences).toBeCloseTo(2, 10);
    expect(a?.derived.invocationsPerSecond).toBe(10);
    expect(b?.derived).toEqual({
      costPerMillionInferences: null,
      invocationsPerSecond: null,
      paretoOptimal: false,
    });
    expect(b?.metrics.maxInvocations).toBeNull();
  });

  it('derives a stable id from the configuration when SageMaker gives none, in any order', () => {
    const input = [
      rec(undefined, { CostPerHour: 1 }, { InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 1 }),
      rec(
        undefined,
        { CostPerHour: 2 },
        { InstanceType: 'ml.g5.2xlarge', InitialInstanceCount: 1 },
      ),
      rec(undefined, { CostPerHour: 3 }, { InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 2 }),
      rec(
        undefined,
        { CostPerHour: 4 },
        { ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
      ),
    ];
    const first = normalizeRecommendations(JOB, input);
    expect(first[0]?.recommendationId).toMatch(/^job\/[0-9a-f]{8}$/);
    expect(first[0]?.recommendationIdDerived).toBe(true);
    expect(new Set(first.map((r) => r.recommendationId)).size).toBe(input.length);
    const idOfCost = new Map(first.map((r) => [r.metrics.costPerHour, r.recommendationId]));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(input, { minLength: input.length, maxLength: input.length }),
        (shuffled) => {
          for (const r of normalizeRecommendations(JOB, shuffled)) {
            expect(r.recommendationId).toBe(idOfCost.get(r.metrics.costPerHour));
          }
        },
      ),
    );
  });
});

describe('pareto and best', () => {
  // A metric SageMaker did not measure (stored as null) may be any of the three.
  const unknownOr = <T>(known: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 5, arbitrary: known }, { weight: 1, arbitrary: fc.constant(Number.NaN) });
  const metricsOf = (
    cost: fc.Arbitrary<number>,
    latency: fc.Arbitrary<number>,
    invocations: fc.Arbitrary<number>,
  ) =>
    fc.record({
      CostPerInference: unknownOr(cost),
      ModelLatency: unknownOr(latency),
      MaxInvocations: unknownOr(invocations),
    });
  // Lists drawn from two values per metric are full of exact ties, on the front too; lists drawn
  // from wide ranges have few.
  const metricsListArb = fc.oneof(
    fc.array(
      metricsOf(fc.constantFrom(0.1, 0.2), fc.constantFrom(5, 10), fc.constantFrom(100, 200)),
      { minLength: 1, maxLength: 12 },
    ),
    fc.array(
      metricsOf(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 10_000 }),
      ),
      { minLength: 1, maxLength: 30 },
    ),
  );

  it('is exactly the set of recommendations no other one dominates (brute force)', () => {
    fc.assert(
      fc.property(metricsListArb, (metrics) => {
        const recs = normalizeRecommendations(
          JOB,
          metrics.map((m, i) => rec(`job/${String(i).padStart(8, '0')}`, m)),
        );
        const allKnown = (r: (typeof recs)[number]) =>
          r.metrics.costPerInference !== null &&
          r.metrics.modelLatency !== null &&
          r.metrics.maxInvocations !== null;
        const known = recs.filter(allKnown);
        for (const r of recs) {
          const dominated = known.some(
            (o) =>
              o !== r &&
              o.metrics.costPerInference! <= r.metrics.costPerInference! &&
              o.metrics.modelLatency! <= r.metrics.modelLatency! &&
              o.metrics.maxInvocations! >= r.metrics.maxInvocations! &&
              (o.metrics.costPerInference! < r.metrics.costPerInference! ||
                o.metrics.modelLatency! < r.metrics.modelLatency! ||
                o.metrics.maxInvocations! > r.metrics.maxInvocations!),
          );
          // Only a recommendation with all three metrics is on the front; ties dominate nothing.
          const expected = allKnown(r) && !dominated;
          expect(r.derived.paretoOptimal).toBe(expected);
        }
        expect(paretoOptimalIds(recs).size).toBe(
          recs.filter((r) => r.derived.paretoOptimal).length,
        );
      }),
    );
  });

  it('picks the best per metric independent of the order SageMaker returned', () => {
    fc.assert(
      fc.property(
        metricsListArb.chain((metrics) =>
          fc.tuple(
            fc.constant(metrics),
            fc.shuffledSubarray([...metrics.keys()], {
              minLength: metrics.length,
              maxLength: metrics.length,
            }),
          ),
        ),
        ([metrics, order]) => {
          const input = metrics.map((m, i) => rec(`job/${String(i).padStart(8, '0')}`, m));
          const shuffled = order.map((index) => input[index]!);
          expect(bestOf(normalizeRecommendations(JOB, shuffled))).toEqual(
            bestOf(normalizeRecommendations(JOB, input)),
          );
          const best = bestOf(normalizeRecommendations(JOB, input));
          const costs = metrics.map((m) => m.CostPerInference).filter((c) => !Number.isNaN(c));
          expect(best.lowestCostPerInference?.value ?? null).toBe(
            costs.length ? Math.min(...costs) : null,
          );
          const invocations = metrics
            .map((m) => m.MaxInvocations)
            .filter((value) => !Number.isNaN(value));
          expect(best.highestMaxInvocations?.value ?? null).toBe(
            invocations.length ? Math.max(...invocations) : null,
          );
        },
      ),
    );
  });
});

describe('normalizeJob with a malformed response', () => {
  it('fills nulls, falls back to the event for name and status, and stores no NaN', () => {
    const malformed = {
      Status: 'SOMETHING_NEW',
      CreationTime: 'not a date',
      InputConfig: { JobDurationInSeconds: Number.NaN },
      InferenceRecommendations: [null, { Metrics: { CostPerHour: Number.POSITIVE_INFINITY } }],
    } as unknown as Parameters<typeof normalizeJob>[0];
    const { job, recommendations } = normalizeJob(malformed, [], {
      ...JOB,
      status: 'PENDING',
    });
    expect(job).toMatchObject({
      jobName: 'job',
      status: 'PENDING',
      creationTime: null,
      jobType: null,
      inputConfig: { jobDurationInSeconds: null },
      recommendationCount: 2,
    });
    expect(JSON.stringify({ job, recommendations })).not.toMatch(/NaN|Infinity/);
    expect(recommendations[1]?.metrics.costPerHour).toBeNull();
  });
});
