import { afterEach, describe, expect, it } from 'vitest';
import type { PlanEntry, ScalingSideBySide } from '../../functions/api/capacity-plan.js';
import { RESPONSES } from '../../functions/api/responses.js';
import { useApiWorld } from '../support/api.js';

/**
 * GET …/plan?source=sagemaker: the real api handler asks the SageMaker simulator, through the
 * real SDK client signed as the api role (its IAM policy evaluated on the call), for
 * GetScalingConfigurationRecommendation, and shows the answer next to its own policy.
 */

const api = useApiWorld();

const EXAMPLE =
  'peakInvocationsPerMinute=250&baselineInvocationsPerMinute=80&peakHoursPerDay=10&maxModelLatency=2000';

interface PlanBody {
  entries: PlanEntry[];
  objective: { source: string };
  sagemaker: ScalingSideBySide | null;
}

interface ProblemBody {
  status: number;
  detail: string;
}

const asked = () =>
  api.simulator.calls.filter((call) => call.operation === 'GetScalingConfigurationRecommendation');

afterEach(() => api.simulator.setFaults(undefined));

describe('plan with source=sagemaker', () => {
  it('asks SageMaker about the first-ranked real-time entry at the same traffic', async () => {
    const before = asked().length;
    const plan = await api.get<PlanBody>(
      `/jobs/resnet-serverless/plan?${EXAMPLE}&source=sagemaker`,
    );
    expect(RESPONSES.jobPlan.safeParse(plan).success).toBe(true);
    expect(plan.objective.source).toBe('sagemaker');
    const c5 = plan.entries.find((entry) => entry.endpointType === 'RealTime')!;
    expect(c5.instanceType).toBe('ml.c5.xlarge');
    const calls = asked().slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input).toEqual({
      InferenceRecommendationsJobName: 'resnet-serverless',
      RecommendationId: c5.recommendationId,
      ScalingPolicyObjective: { MinInvocationsPerMinute: 80, MaxInvocationsPerMinute: 250 },
    });
    // irwatch plans 70% of the 610 measured; SageMaker aims at 50% CPU per core: 305.
    expect(plan.sagemaker).toEqual({
      recommendationId: c5.recommendationId,
      jobName: 'resnet-serverless',
      rank: c5.rank,
      scalingPolicyObjective: { minInvocationsPerMinute: 80, maxInvocationsPerMinute: 250 },
      irwatch: { minCapacity: 1, maxCapacity: 1, targetValue: 427 },
      sagemaker: expect.objectContaining({
        targetCpuUtilizationPerCore: 50,
        invocationsPerInstance: 305,
        minCapacity: 1,
        maxCapacity: 1,
        targetValue: 305,
        predefinedMetricType: 'SageMakerVariantInvocationsPerInstance',
      }),
    });
  });

  it('does not call SageMaker without source=sagemaker', async () => {
    const before = asked().length;
    const plan = await api.get<PlanBody>(`/jobs/resnet-serverless/plan?${EXAMPLE}`);
    expect(plan.sagemaker).toBeNull();
    expect(plan.objective.source).toBe('irwatch');
    expect(asked().length).toBe(before);
  });

  it('asks about the model’s newest run of the chosen configuration', async () => {
    const model = encodeURIComponent(
      'arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3',
    );
    const plan = await api.get<PlanBody>(`/models/${model}/plan?${EXAMPLE}&source=sagemaker`);
    expect(RESPONSES.modelPlan.safeParse(plan).success).toBe(true);
    expect(plan.sagemaker?.recommendationId).toBe(plan.entries[0]!.recommendationId);
    expect(plan.sagemaker?.jobName).toBe(plan.entries[0]!.jobName);
  });

  it('is a 409 when no real-time entry serves the traffic (serverless has no policy)', async () => {
    const before = asked().length;
    const response = await api.request(
      `/jobs/resnet-serverless/plan?${EXAMPLE}&endpointType=Serverless&source=sagemaker`,
    );
    expect(response.status).toBe(409);
    expect((response.body as ProblemBody).detail).toMatch(/real-time entry/);
    expect(asked().length).toBe(before);
  });

  it('is a 409 naming the status when the job is not COMPLETED, before any call', async () => {
    const before = asked().length;
    const response = await api.request(
      '/jobs/tabular-stopped/plan?peakInvocationsPerMinute=10&source=sagemaker',
    );
    expect(response.status).toBe(409);
    expect((response.body as ProblemBody).detail).toMatch(/STOPPED.*COMPLETED jobs only/);
    expect(asked().length).toBe(before);
  });

  it('is a 503 when SageMaker throttles, a 502 naming its error when it refuses', async () => {
    api.simulator.setFaults((call) =>
      call.operation === 'GetScalingConfigurationRecommendation' ? 'throttle' : undefined,
    );
    const throttled = await api.request(`/jobs/resnet-serverless/plan?${EXAMPLE}&source=sagemaker`);
    expect(throttled.status).toBe(503);
    expect(throttled.headers['content-type']).toBe('application/problem+json');
    expect((throttled.body as ProblemBody).detail).toMatch(/throttled.*ThrottlingException/);

    api.simulator.setFaults((call) =>
      call.operation === 'GetScalingConfigurationRecommendation' ? 'unavailable' : undefined,
    );
    const unavailable = await api.request(
      `/jobs/resnet-serverless/plan?${EXAMPLE}&source=sagemaker`,
    );
    expect(unavailable.status).toBe(503);
    expect((unavailable.body as ProblemBody).detail).toMatch(
      /failed to answer.*ServiceUnavailable/,
    );

    api.simulator.setFaults(undefined);
    // Deleted from SageMaker since irwatch recorded it.
    expect(api.simulator.removeJob('xgboost-churn-default')).toBe(true);
    const refused = await api.request(
      `/jobs/xgboost-churn-default/plan?${EXAMPLE}&source=sagemaker`,
    );
    expect(refused.status).toBe(502);
    expect((refused.body as ProblemBody).detail).toMatch(
      /SageMaker refused GetScalingConfigurationRecommendation .* xgboost-churn-default .*ResourceNotFound/,
    );
  });
});

describe('savings against the endpoint the job benchmarked', () => {
  const PEAK_HOURS = (730 * 10) / 24;

  it('plans today’s endpoint at the same traffic and gives each entry its monthly saving', async () => {
    const plan = await api.get<
      PlanBody & {
        existingEndpoints: Array<Record<string, unknown>>;
        savingsAgainst: string | null;
        assumptions: string[];
      }
    >(
      '/jobs/llama-existing-endpoints/plan?peakInvocationsPerMinute=250&baselineInvocationsPerMinute=80&peakHoursPerDay=10&maxModelLatency=3000',
    );
    expect(RESPONSES.jobPlan.safeParse(plan).success).toBe(true);
    const [prod, canary] = plan.existingEndpoints;
    // Ingest read it with DescribeEndpoint + DescribeEndpointConfig when the job was recorded:
    // 3 ml.g5.2xlarge now; the job measured 96 per minute per instance at 3,850 ms.
    expect(prod).toMatchObject({
      endpointName: 'llama-2-7b-chat-prod',
      found: true,
      instanceType: 'ml.g5.2xlarge',
      instanceCount: 3,
      maxInvocations: 96,
      latency: 'exceeded',
      // 96 × 0.7 = 67.2 per instance: ⌈250 / 67.2⌉ = 4 at the peak, ⌈80 / 67.2⌉ = 2 outside it.
      instancesAtPeak: 4,
      instancesAtBaseline: 2,
      reason: null,
    });
    // Priced with the cost per hour the job measured for ml.g5.2xlarge.
    const g5 = plan.entries.find((entry) => entry.instanceType === 'ml.g5.2xlarge')!;
    expect(prod!.costPerHour).toBe(g5.costPerHour);
    const todayCost = g5.costPerHour! * (4 * PEAK_HOURS + 2 * (730 - PEAK_HOURS));
    expect(prod!.monthlyCost).toBeCloseTo(todayCost, 6);
    // Deleted before the job was recorded: named, its configuration and cost unknown.
    expect(canary).toMatchObject({
      endpointName: 'llama-2-7b-chat-canary',
      found: false,
      instanceType: null,
      monthlyCost: null,
      reason: expect.stringMatching(/deleted since the job ran/),
    });
    expect(plan.savingsAgainst).toBe('llama-2-7b-chat-prod');
    for (const entry of plan.entries) {
      expect(entry.monthlySaving, entry.recommendationId).toBeCloseTo(
        todayCost - entry.monthlyCost!,
        6,
      );
    }
    expect(plan.assumptions.join(' ')).toMatch(/monthlySaving is llama-2-7b-chat-prod/);
  });

  it('gives no saving when no benchmarked endpoint has a known cost', async () => {
    const plan = await api.get<
      PlanBody & { existingEndpoints: unknown[]; savingsAgainst: string | null }
    >('/jobs/resnet-serverless/plan?peakInvocationsPerMinute=250');
    expect(plan.existingEndpoints).toEqual([]);
    expect(plan.savingsAgainst).toBeNull();
    expect(plan.entries.every((entry) => entry.monthlySaving === null)).toBe(true);
  });
});
