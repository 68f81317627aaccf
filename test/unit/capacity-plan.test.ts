import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOURS_PER_MONTH,
  planCapacity,
  type PlanCandidate,
  type TrafficObjective,
} from '../../functions/api/capacity-plan.js';
import {
  deploymentNotes,
  environmentOf,
  variantConfigurationOf,
} from '../../functions/api/deployment.js';
import type { Recommendation } from '../../shared/model/types.js';

/** Properties of the plan over arbitrary recommendations and traffic. */

const RUNS = 500;

function recommendation(
  id: string,
  overrides: Partial<Omit<Recommendation, 'metrics'>> & {
    metrics?: Partial<Recommendation['metrics']>;
  },
): Recommendation {
  const { metrics, ...rest } = overrides;
  return {
    recommendationId: `plan-job/${id}`,
    recommendationIdDerived: false,
    jobName: 'plan-job',
    accountId: '123456789012',
    region: 'us-east-1',
    endpointType: 'RealTime',
    endpointName: null,
    variantName: null,
    instanceType: 'ml.c5.xlarge',
    initialInstanceCount: 1,
    serverless: null,
    metrics: {
      costPerHour: 0.204,
      costPerInference: 1e-6,
      maxInvocations: 1000,
      modelLatency: 50,
      cpuUtilization: null,
      memoryUtilization: null,
      modelSetupTime: null,
      ...metrics,
    },
    derived: { costPerMillionInferences: null, invocationsPerSecond: null, paretoOptimal: false },
    environmentParameters: [],
    modelConfiguration: null,
    invocationStartTime: null,
    invocationEndTime: null,
    ...rest,
  };
}

const objective = (overrides: Partial<TrafficObjective> = {}): TrafficObjective => ({
  peakInvocationsPerMinute: 250,
  baselineInvocationsPerMinute: 80,
  peakHoursPerDay: 10,
  maxModelLatency: undefined,
  targetUtilization: 0.7,
  minInstances: 1,
  endpointType: undefined,
  latency: 'flag',
  ...overrides,
});

const realTimeArb = fc
  .record({
    id: fc.stringMatching(/^[a-z0-9]{8}$/),
    maxInvocations: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
    costPerHour: fc.option(fc.double({ min: 0.01, max: 100, noNaN: true }), { nil: null }),
    modelLatency: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
  })
  .map(({ id, ...metrics }) => recommendation(id, { metrics }));

const serverlessArb = fc
  .record({
    id: fc.stringMatching(/^[a-z0-9]{8}$/),
    maxInvocations: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
    costPerInference: fc.option(fc.double({ min: 1e-8, max: 1e-2, noNaN: true }), { nil: null }),
    modelLatency: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
    memory: fc.constantFrom(1024, 2048, 6144),
    concurrency: fc.integer({ min: 1, max: 200 }),
  })
  .map(({ id, memory, concurrency, ...metrics }) =>
    recommendation(id, {
      endpointType: 'Serverless',
      instanceType: null,
      initialInstanceCount: null,
      serverless: {
        memorySizeInMB: memory,
        maxConcurrency: concurrency,
        provisionedConcurrency: null,
      },
      metrics,
    }),
  );

const candidatesArb = fc
  .array(fc.oneof(realTimeArb, serverlessArb), { minLength: 1, maxLength: 12 })
  .map((recs) =>
    recs
      .filter(
        (rec, index) =>
          recs.findIndex((other) => other.recommendationId === rec.recommendationId) === index,
      )
      .map((rec): PlanCandidate => ({ recommendation: rec, modelName: 'my-model' })),
  );

const objectiveArb = fc
  .record({
    peak: fc.double({ min: 0.01, max: 1e6, noNaN: true }),
    baselineShare: fc.double({ min: 0, max: 1, noNaN: true }),
    peakHoursPerDay: fc.double({ min: 0.1, max: 24, noNaN: true }),
    targetUtilization: fc.double({ min: 0.1, max: 1, noNaN: true }),
    minInstances: fc.integer({ min: 1, max: 20 }),
    maxModelLatency: fc.option(fc.integer({ min: 1, max: 20_000 }), { nil: undefined }),
  })
  .map(({ peak, baselineShare, ...rest }) =>
    objective({
      peakInvocationsPerMinute: peak,
      baselineInvocationsPerMinute: peak * baselineShare,
      ...rest,
    }),
  );

/** Equal to 12 significant digits: floating-point sums of different order differ in the last ones. */
const expectNear = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));

const byId = (plan: ReturnType<typeof planCapacity>) =>
  new Map(plan.entries.map((entry) => [entry.recommendationId, entry]));

describe('planCapacity', () => {
  it('never needs fewer instances, nor costs less, for more traffic', () => {
    fc.assert(
      fc.property(
        candidatesArb,
        objectiveArb,
        fc.double({ min: 1, max: 10, noNaN: true }),
        (candidates, traffic, factor) => {
          const more = {
            ...traffic,
            peakInvocationsPerMinute: traffic.peakInvocationsPerMinute * factor,
            baselineInvocationsPerMinute: traffic.baselineInvocationsPerMinute * factor,
          };
          const before = byId(planCapacity(candidates, traffic));
          for (const after of planCapacity(candidates, more).entries) {
            const earlier = before.get(after.recommendationId)!;
            if (after.instancesAtPeak !== null) {
              expect(after.instancesAtPeak).toBeGreaterThanOrEqual(earlier.instancesAtPeak!);
              expect(after.instancesAtBaseline).toBeGreaterThanOrEqual(
                earlier.instancesAtBaseline!,
              );
            }
            if (after.monthlyCost !== null) {
              expect(after.monthlyCost).toBeGreaterThanOrEqual(earlier.monthlyCost! * (1 - 1e-12));
            }
            // What cannot serve some traffic cannot serve more of it.
            if (!earlier.servable) expect(after.servable).toBe(false);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('serves the traffic with every instance below the target utilization', () => {
    fc.assert(
      fc.property(candidatesArb, objectiveArb, (candidates, traffic) => {
        for (const entry of planCapacity(candidates, traffic).entries) {
          if (entry.instancesAtPeak === null) continue;
          const planned = entry.maxInvocations! * traffic.targetUtilization;
          expect(entry.instancesAtPeak * planned).toBeGreaterThanOrEqual(
            traffic.peakInvocationsPerMinute * (1 - 1e-9),
          );
          expect(entry.instancesAtBaseline! * planned).toBeGreaterThanOrEqual(
            traffic.baselineInvocationsPerMinute * (1 - 1e-9),
          );
          // And not one instance more than that needs (or than minInstances asks).
          expect(
            entry.instancesAtPeak === traffic.minInstances ||
              (entry.instancesAtPeak - 1) * planned < traffic.peakInvocationsPerMinute,
          ).toBe(true);
          expect(entry.instancesAtBaseline).toBeGreaterThanOrEqual(traffic.minInstances);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('costs instances × price × hours, and serverless cost per inference × inferences', () => {
    fc.assert(
      fc.property(candidatesArb, objectiveArb, (candidates, traffic) => {
        const plan = planCapacity(candidates, traffic);
        const peakHours = (HOURS_PER_MONTH * traffic.peakHoursPerDay) / 24;
        const inferences =
          60 *
          (traffic.peakInvocationsPerMinute * peakHours +
            traffic.baselineInvocationsPerMinute * (HOURS_PER_MONTH - peakHours));
        expect(plan.hoursPerMonth).toBe(HOURS_PER_MONTH);
        expectNear(plan.inferencesPerMonth, inferences);
        for (const entry of plan.entries) {
          if (entry.monthlyCost === null) continue;
          const expected =
            entry.endpointType === 'RealTime'
              ? entry.costPerHour! *
                (entry.instancesAtPeak! * peakHours +
                  entry.instancesAtBaseline! * (HOURS_PER_MONTH - peakHours))
              : entry.costPerInference! * inferences;
          expectNear(entry.monthlyCost, expected);
          expectNear(entry.costPerMillionInferences! * inferences, entry.monthlyCost * 1e6);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('at flat traffic, costs exactly instances × price × 730 hours', () => {
    const plan = planCapacity(
      [{ recommendation: recommendation('flat0000', {}), modelName: 'm' }],
      objective({ peakInvocationsPerMinute: 1500, baselineInvocationsPerMinute: 1500 }),
    );
    const [entry] = plan.entries;
    // 1500 / (1000 × 0.7) = 2.14…: 3 instances all month.
    expect(entry).toMatchObject({ instancesAtPeak: 3, instancesAtBaseline: 3 });
    expect(entry!.monthlyCost).toBeCloseTo(3 * 0.204 * 730, 9);
  });

  it('ranks by monthly cost, latency-breaking entries after, unservable ones last', () => {
    fc.assert(
      fc.property(candidatesArb, objectiveArb, (candidates, traffic) => {
        const { entries } = planCapacity(candidates, traffic);
        const group = (entry: (typeof entries)[number]) =>
          !entry.servable
            ? 3
            : entry.latency === 'exceeded'
              ? 2
              : entry.latency === 'unknown'
                ? 1
                : 0;
        entries.forEach((entry, index) => {
          expect(entry.rank).toBe(index + 1);
          const next = entries[index + 1];
          if (!next) return;
          expect(group(entry)).toBeLessThanOrEqual(group(next));
          if (group(entry) === group(next) && entry.monthlyCost !== null) {
            expect(entry.monthlyCost).toBeLessThanOrEqual(next.monthlyCost ?? Infinity);
          }
        });
        for (const entry of entries) {
          expect(entry.servable).toBe(entry.reason === null);
          expect(entry.servable).toBe(entry.monthlyCost !== null);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('flags or excludes entries over the latency target, as asked', () => {
    fc.assert(
      fc.property(
        candidatesArb,
        objectiveArb,
        fc.integer({ min: 1, max: 20_000 }),
        (candidates, traffic, target) => {
          const flagged = planCapacity(candidates, { ...traffic, maxModelLatency: target });
          const excluded = planCapacity(candidates, {
            ...traffic,
            maxModelLatency: target,
            latency: 'exclude',
          });
          for (const entry of flagged.entries) {
            const latency = entry.modelLatency;
            expect(entry.latency).toBe(
              latency === null ? 'unknown' : latency <= target ? 'met' : 'exceeded',
            );
          }
          const over = flagged.entries.filter((entry) => entry.latency === 'exceeded');
          expect(excluded.excludedForLatency).toBe(over.length);
          expect(excluded.entries.some((entry) => entry.latency === 'exceeded')).toBe(false);
          expect(excluded.entries.length + over.length).toBe(flagged.entries.length);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('keeps only the asked endpoint type', () => {
    fc.assert(
      fc.property(
        candidatesArb,
        objectiveArb,
        fc.constantFrom('RealTime', 'Serverless'),
        (candidates, traffic, endpointType) => {
          const { entries } = planCapacity(candidates, { ...traffic, endpointType });
          expect(entries.every((entry) => entry.endpointType === endpointType)).toBe(true);
          expect(entries.length).toBe(
            candidates.filter((c) => c.recommendation.endpointType === endpointType).length,
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('works the 80/250 per minute, 10 h peak example', () => {
    const plan = planCapacity(
      [
        { recommendation: recommendation('c5xlarge', {}), modelName: 'my-model' },
        {
          recommendation: recommendation('g5xlarge', {
            instanceType: 'ml.g5.xlarge',
            metrics: { costPerHour: 1.408, maxInvocations: 300, modelLatency: 2500 },
          }),
          modelName: 'my-model',
        },
        {
          recommendation: recommendation('serverls', {
            endpointType: 'Serverless',
            instanceType: null,
            serverless: { memorySizeInMB: 2048, maxConcurrency: 5, provisionedConcurrency: null },
            metrics: { costPerInference: 8.48e-6, maxInvocations: 300 },
          }),
          modelName: 'my-model',
        },
      ],
      objective({ maxModelLatency: 2000 }),
    );
    expect(plan.peakHoursPerMonth).toBeCloseTo(304.1667, 3);
    expect(plan.inferencesPerMonth).toBeCloseTo(60 * (250 * 304.16667 + 80 * 425.83333), 0);
    const [first, second, third] = plan.entries;
    // c5.xlarge: 700 per minute planned per instance: 1 instance all month.
    expect(first).toMatchObject({
      recommendationId: 'plan-job/c5xlarge',
      instancesAtPeak: 1,
      instancesAtBaseline: 1,
      latency: 'met',
    });
    expect(first!.monthlyCost).toBeCloseTo(0.204 * 730, 9);
    expect(first!.deployment!.putScalingPolicy!.TargetTrackingScalingPolicyConfiguration).toEqual({
      TargetValue: 700,
      PredefinedMetricSpecification: {
        PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance',
      },
    });
    // Serverless: 210 planned per minute < 250 at the peak: it cannot serve it.
    expect(third).toMatchObject({ recommendationId: 'plan-job/serverls', servable: false });
    expect(third!.reason).toMatch(/MaxConcurrency 5/);
    // g5.xlarge: 210 per instance planned: 2 at the peak, 1 at the baseline, over 2 s.
    expect(second).toMatchObject({
      instancesAtPeak: 2,
      instancesAtBaseline: 1,
      latency: 'exceeded',
    });
    expect(second!.monthlyCost).toBeCloseTo(1.408 * (2 * 304.16667 + 425.83333), 3);
    expect(second!.deployment!.registerScalableTarget).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 2,
      ResourceId: 'endpoint/plan-job/variant/AllTraffic',
    });
  });
});

describe('deployment advice (the plan and GET /jobs/{job}/recommendations/{id} share it)', () => {
  it('turns a configuration into ProductionVariant fields, or null when SageMaker left it incomplete', () => {
    expect(variantConfigurationOf(recommendation('a', { initialInstanceCount: 2 }))).toEqual({
      InstanceType: 'ml.c5.xlarge',
      InitialInstanceCount: 2,
    });
    // The plan starts with the instances its peak needs, not the ones benchmarked.
    expect(variantConfigurationOf(recommendation('a', {}), 5)).toMatchObject({
      InitialInstanceCount: 5,
    });
    expect(variantConfigurationOf(recommendation('a', { instanceType: null }))).toBeNull();
    const serverless = (config: Recommendation['serverless']) =>
      recommendation('s', { endpointType: 'Serverless', instanceType: null, serverless: config });
    expect(
      variantConfigurationOf(
        serverless({ memorySizeInMB: 2048, maxConcurrency: 5, provisionedConcurrency: 2 }),
      ),
    ).toEqual({
      ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5, ProvisionedConcurrency: 2 },
    });
    expect(
      variantConfigurationOf(
        serverless({ memorySizeInMB: 2048, maxConcurrency: null, provisionedConcurrency: null }),
      ),
    ).toBeNull();
  });

  it('says what to do first: a model package to make a Model of, an environment to set', () => {
    const plain = recommendation('a', {});
    expect(deploymentNotes(plain, { modelName: 'm', modelPackageVersionArn: null })).toEqual([]);
    const arn = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/p/1';
    const [packageNote] = deploymentNotes(plain, { modelName: null, modelPackageVersionArn: arn });
    expect(packageNote).toContain(`model package ${arn}`);
    const withEnvironment = recommendation('e', {
      environmentParameters: [{ key: 'OMP_NUM_THREADS', value: '2', valueType: 'String' }],
    });
    expect(environmentOf(withEnvironment)).toEqual({ OMP_NUM_THREADS: '2' });
    expect(
      deploymentNotes(withEnvironment, { modelName: 'm', modelPackageVersionArn: null }),
    ).toEqual([expect.stringContaining('PrimaryContainer.Environment')]);
  });
});
