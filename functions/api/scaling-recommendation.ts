import {
  GetScalingConfigurationRecommendationCommand,
  type GetScalingConfigurationRecommendationCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { UnwatchedJobError, type AccountRegion } from '../../shared/accounts.js';
import type { SageMakerScaling, ScalingQuestion } from './capacity-plan.js';
import { ProblemError } from './problem.js';

const num = (value: number | undefined) => (typeof value === 'number' ? value : null);

/** SageMaker's answer, flattened to what the plan shows next to its own policy. */
export function scalingOf(
  output: GetScalingConfigurationRecommendationCommandOutput,
): SageMakerScaling {
  const dynamic = output.DynamicScalingConfiguration;
  const tracking = dynamic?.ScalingPolicies?.find(
    (policy) => policy.TargetTracking,
  )?.TargetTracking;
  return {
    targetCpuUtilizationPerCore: num(output.TargetCpuUtilizationPerCore),
    invocationsPerInstance: num(output.Metric?.InvocationsPerInstance),
    modelLatency: num(output.Metric?.ModelLatency),
    minCapacity: num(dynamic?.MinCapacity),
    maxCapacity: num(dynamic?.MaxCapacity),
    scaleInCooldown: num(dynamic?.ScaleInCooldown),
    scaleOutCooldown: num(dynamic?.ScaleOutCooldown),
    targetValue: num(tracking?.TargetValue),
    predefinedMetricType: tracking?.MetricSpecification?.Predefined?.PredefinedMetricType ?? null,
  };
}

interface SdkError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException']);

/**
 * What the caller is told when SageMaker does not answer: throttling and SageMaker's own
 * failures are a 503 (try again), a refusal a 502 naming SageMaker's error. Anything else
 * (a bug, a network failure) stays a 500.
 */
export function problemOfSageMakerError(error: unknown, question: ScalingQuestion): unknown {
  if (error instanceof UnwatchedJobError) {
    return new ProblemError(
      409,
      `${error.message}, so it cannot ask SageMaker about job ${question.jobName}.`,
    );
  }
  if (typeof error !== 'object' || error === null) return error;
  const sdk = error as SdkError;
  const code = sdk.name ?? 'Error';
  const asked = `GetScalingConfigurationRecommendation for recommendation ${question.recommendationId} of job ${question.jobName} (${question.accountId}, ${question.region})`;
  if (sdk.$retryable?.throttling || THROTTLING.has(code)) {
    return new ProblemError(503, `SageMaker throttled ${asked} (${code}); retry in a few seconds.`);
  }
  if (sdk.$metadata?.httpStatusCode === undefined) return error;
  if (sdk.$fault === 'server') {
    return new ProblemError(
      503,
      `SageMaker failed to answer ${asked} (${code}: ${sdk.message ?? ''}); retry later.`,
    );
  }
  return new ProblemError(502, `SageMaker refused ${asked}: ${code}: ${sdk.message ?? ''}`);
}

/** GetScalingConfigurationRecommendation through the client of the job's account and region. */
export const scalingRecommendationVia =
  (clientFor: (where: AccountRegion) => SageMakerClient) =>
  async (question: ScalingQuestion): Promise<SageMakerScaling> => {
    try {
      const output = await clientFor(question).send(
        new GetScalingConfigurationRecommendationCommand({
          InferenceRecommendationsJobName: question.jobName,
          RecommendationId: question.recommendationId,
          ScalingPolicyObjective: {
            MinInvocationsPerMinute: question.minInvocationsPerMinute,
            MaxInvocationsPerMinute: question.maxInvocationsPerMinute,
          },
        }),
      );
      return scalingOf(output);
    } catch (error) {
      throw problemOfSageMakerError(error, question);
    }
  };
