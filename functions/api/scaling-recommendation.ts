import type {
  GetScalingConfigurationRecommendationRequest,
  GetScalingConfigurationRecommendationResponse,
} from '@aws-sdk/client-sagemaker';
import type { SageMakerCall } from '../../shared/account-requests.js';
import { UnwatchedJobError, type AccountRegion } from '../../shared/accounts.js';
import { AwsRequestError } from '../../shared/aws-request.js';
import type { SageMakerScaling, ScalingQuestion } from './capacity-plan.js';
import { ProblemError } from './problem.js';

const num = (value: number | undefined) => (typeof value === 'number' ? value : null);

/** SageMaker's answer, flattened to what the plan shows next to its own policy. */
export function scalingOf(output: GetScalingConfigurationRecommendationResponse): SageMakerScaling {
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
  if (!(error instanceof AwsRequestError)) return error;
  const code = error.code ?? 'Error';
  const asked = `GetScalingConfigurationRecommendation for recommendation ${question.recommendationId} of job ${question.jobName} (${question.accountId}, ${question.region})`;
  if (error.throttling) {
    return new ProblemError(503, `SageMaker throttled ${asked} (${code}); retry in a few seconds.`);
  }
  if (error.status === undefined) return error;
  if (error.status >= 500) {
    return new ProblemError(
      503,
      `SageMaker failed to answer ${asked} (${code}: ${error.awsMessage ?? ''}); retry later.`,
    );
  }
  return new ProblemError(502, `SageMaker refused ${asked}: ${code}: ${error.awsMessage ?? ''}`);
}

/** GetScalingConfigurationRecommendation, signed for the job's account and region. */
export const scalingRecommendationVia =
  (sageMakerOf: (where: AccountRegion) => SageMakerCall) =>
  async (question: ScalingQuestion): Promise<SageMakerScaling> => {
    const input: GetScalingConfigurationRecommendationRequest = {
      InferenceRecommendationsJobName: question.jobName,
      RecommendationId: question.recommendationId,
      ScalingPolicyObjective: {
        MinInvocationsPerMinute: question.minInvocationsPerMinute,
        MaxInvocationsPerMinute: question.maxInvocationsPerMinute,
      },
    };
    try {
      const output = await sageMakerOf(question)<GetScalingConfigurationRecommendationResponse>(
        'GetScalingConfigurationRecommendation',
        input,
      );
      return scalingOf(output);
    } catch (error) {
      throw problemOfSageMakerError(error, question);
    }
  };
