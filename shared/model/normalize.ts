import { createHash } from 'node:crypto';
import type {
  DescribeInferenceRecommendationsJobResponse,
  EndpointOutputConfiguration,
  InferenceRecommendation,
  InferenceRecommendationsJobStep,
  ModelConfiguration as SdkModelConfiguration,
  RecommendationMetrics,
} from '@aws-sdk/client-sagemaker';
import type { JobKey } from '../accounts.js';
import { JOB_STATUSES, type JobStatus } from '../events.js';
import { bestOf, paretoOptimalIds } from './ranking.js';
import type {
  BenchmarkStep,
  EndpointPerformance,
  EndpointSettings,
  EnvironmentParameter,
  Job,
  JobSnapshot,
  JsonValue,
  Metrics,
  ModelConfiguration,
  Recommendation,
} from './types.js';

/** A finite number, else null: DynamoDB cannot store NaN or Infinity, and a missing metric is not 0. */
export const finite = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** ISO 8601 in UTC, or null. */
export function isoTime(value: unknown): string | null {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'string' || typeof value === 'number'
        ? new Date(typeof value === 'number' ? value * 1000 : value)
        : undefined;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

const lowerFirst = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);

/** Deep camelCase copy for the parts irwatch stores as SageMaker gave them (InputConfig...). */
export function camelize(value: unknown): JsonValue | undefined {
  if (value === null) return null;
  if (value instanceof Date) return isoTime(value);
  if (typeof value === 'number') return finite(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    return value
      .map((item) => camelize(item))
      .filter((item): item is JsonValue => item !== undefined);
  }
  if (typeof value === 'object') {
    const result: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      const camel = camelize(item);
      // Defined, not assigned: a "__proto__" key stays data instead of changing the prototype.
      if (camel !== undefined) {
        Object.defineProperty(result, lowerFirst(key), {
          value: camel,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return result;
  }
  return undefined;
}

const asObject = (value: unknown): { [key: string]: JsonValue } | null => {
  const camel = camelize(value);
  return camel !== null && typeof camel === 'object' && !Array.isArray(camel) ? camel : null;
};

export function normalizeMetrics(metrics: RecommendationMetrics | undefined): Metrics {
  return {
    costPerHour: finite(metrics?.CostPerHour),
    costPerInference: finite(metrics?.CostPerInference),
    maxInvocations: finite(metrics?.MaxInvocations),
    modelLatency: finite(metrics?.ModelLatency),
    cpuUtilization: finite(metrics?.CpuUtilization),
    memoryUtilization: finite(metrics?.MemoryUtilization),
    modelSetupTime: finite(metrics?.ModelSetupTime),
  };
}

function normalizeEndpoint(endpoint: EndpointOutputConfiguration | undefined): EndpointSettings {
  const serverless = endpoint?.ServerlessConfig;
  const isServerless = serverless !== undefined && serverless !== null && !endpoint?.InstanceType;
  return {
    endpointType: isServerless ? 'Serverless' : 'RealTime',
    endpointName: text(endpoint?.EndpointName),
    variantName: text(endpoint?.VariantName),
    instanceType: isServerless ? null : text(endpoint?.InstanceType),
    initialInstanceCount: isServerless ? null : finite(endpoint?.InitialInstanceCount),
    serverless: isServerless
      ? {
          memorySizeInMB: finite(serverless.MemorySizeInMB),
          maxConcurrency: finite(serverless.MaxConcurrency),
          provisionedConcurrency: finite(serverless.ProvisionedConcurrency),
        }
      : null,
  };
}

function normalizeEnvironment(model: SdkModelConfiguration | undefined): EnvironmentParameter[] {
  const parameters = Array.isArray(model?.EnvironmentParameters) ? model.EnvironmentParameters : [];
  return parameters.map((parameter) => ({
    key: text(parameter?.Key),
    valueType: text(parameter?.ValueType),
    value: text(parameter?.Value),
  }));
}

function normalizeModelConfiguration(
  model: SdkModelConfiguration | undefined,
): ModelConfiguration | null {
  if (!model) return null;
  return {
    inferenceSpecificationName: text(model.InferenceSpecificationName),
    compilationJobName: text(model.CompilationJobName),
  };
}

/**
 * Recommendation order is not a ranking and changes between runs, so identity is the
 * RecommendationId; without one, a hash of the configuration that produced it.
 */
export function deriveRecommendationId(
  jobName: string,
  endpoint: EndpointSettings,
  environment: EnvironmentParameter[],
  model: ModelConfiguration | null,
): string {
  const identity = JSON.stringify([
    endpoint.endpointType,
    endpoint.instanceType,
    endpoint.initialInstanceCount,
    endpoint.serverless,
    [...environment].sort((a, b) => String(a.key).localeCompare(String(b.key))),
    model,
  ]);
  return `${jobName}/${createHash('sha256').update(identity).digest('hex').slice(0, 8)}`;
}

export function normalizeRecommendation(
  key: JobKey,
  input: InferenceRecommendation,
): Omit<Recommendation, 'derived'> & { derived: Omit<Recommendation['derived'], 'paretoOptimal'> } {
  const endpoint = normalizeEndpoint(input?.EndpointConfiguration);
  const environmentParameters = normalizeEnvironment(input?.ModelConfiguration);
  const modelConfiguration = normalizeModelConfiguration(input?.ModelConfiguration);
  const metrics = normalizeMetrics(input?.Metrics);
  const givenId = text(input?.RecommendationId);
  return {
    recommendationId:
      givenId ||
      deriveRecommendationId(key.jobName, endpoint, environmentParameters, modelConfiguration),
    recommendationIdDerived: !givenId,
    jobName: key.jobName,
    accountId: key.accountId,
    region: key.region,
    ...endpoint,
    metrics,
    derived: {
      costPerMillionInferences:
        metrics.costPerInference === null ? null : finite(metrics.costPerInference * 1_000_000),
      invocationsPerSecond: metrics.maxInvocations === null ? null : metrics.maxInvocations / 60,
    },
    environmentParameters,
    modelConfiguration,
    invocationStartTime: isoTime(input?.InvocationStartTime),
    invocationEndTime: isoTime(input?.InvocationEndTime),
  };
}

export function normalizeRecommendations(
  key: JobKey,
  inputs: readonly InferenceRecommendation[] | undefined,
): Recommendation[] {
  const seen = new Map<string, number>();
  const partial = (Array.isArray(inputs) ? inputs : []).map((input) => {
    const rec = normalizeRecommendation(key, input);
    // Two identical configurations without ids would collide; keep both, deterministically.
    const count = seen.get(rec.recommendationId) ?? 0;
    seen.set(rec.recommendationId, count + 1);
    return count === 0 ? rec : { ...rec, recommendationId: `${rec.recommendationId}-${count + 1}` };
  });
  const optimal = paretoOptimalIds(partial);
  return partial.map((rec) => ({
    ...rec,
    derived: { ...rec.derived, paretoOptimal: optimal.has(rec.recommendationId) },
  }));
}

export function normalizeStep(
  key: JobKey,
  step: InferenceRecommendationsJobStep,
  stepIndex: number,
): BenchmarkStep {
  const benchmark = step?.InferenceBenchmark;
  const endpointMetrics = benchmark?.EndpointMetrics;
  return {
    jobName: key.jobName,
    accountId: key.accountId,
    region: key.region,
    stepIndex,
    stepType: text(step?.StepType),
    status: text(step?.Status),
    failureReason: text(benchmark?.FailureReason),
    ...normalizeEndpoint(benchmark?.EndpointConfiguration),
    metrics: normalizeMetrics(benchmark?.Metrics),
    endpointMetrics: endpointMetrics
      ? {
          maxInvocations: finite(endpointMetrics.MaxInvocations),
          modelLatency: finite(endpointMetrics.ModelLatency),
        }
      : null,
    environmentParameters: normalizeEnvironment(benchmark?.ModelConfiguration),
    modelConfiguration: normalizeModelConfiguration(benchmark?.ModelConfiguration),
    invocationStartTime: isoTime(benchmark?.InvocationStartTime),
    invocationEndTime: isoTime(benchmark?.InvocationEndTime),
  };
}

const isJobStatus = (value: unknown): value is JobStatus =>
  typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);

/**
 * Normalizes one DescribeInferenceRecommendationsJob response (and, for finished jobs, its
 * benchmark steps). `fallback` holds what the state-change event carried: the job's key (the
 * account and region asked, the name as the event spelled it), and the status a malformed
 * response lacks.
 */
export function normalizeJob(
  response: DescribeInferenceRecommendationsJobResponse,
  steps: readonly InferenceRecommendationsJobStep[],
  fallback: JobKey & { status: JobStatus },
): JobSnapshot {
  const key: JobKey = {
    jobName: fallback.jobName,
    accountId: fallback.accountId,
    region: fallback.region,
  };
  const { jobName, accountId, region } = key;
  const recommendations = normalizeRecommendations(key, response?.InferenceRecommendations);
  const normalizedSteps = (Array.isArray(steps) ? steps : []).map((step, index) =>
    normalizeStep(key, step, index),
  );
  const performances: EndpointPerformance[] = [];
  for (const performance of Array.isArray(response?.EndpointPerformances)
    ? response.EndpointPerformances
    : []) {
    const endpointName = text(performance?.EndpointInfo?.EndpointName);
    if (!endpointName) continue;
    performances.push({
      jobName,
      accountId,
      region,
      endpointName,
      maxInvocations: finite(performance?.Metrics?.MaxInvocations),
      modelLatency: finite(performance?.Metrics?.ModelLatency),
    });
  }
  const input = response?.InputConfig;
  const jobType = response?.JobType;
  const job: Job = {
    jobName,
    accountId,
    region,
    jobArn: text(response?.JobArn),
    jobType: jobType === 'Default' || jobType === 'Advanced' ? jobType : null,
    jobDescription: text(response?.JobDescription),
    status: isJobStatus(response?.Status) ? response.Status : fallback.status,
    roleArn: text(response?.RoleArn),
    creationTime: isoTime(response?.CreationTime),
    completionTime: isoTime(response?.CompletionTime),
    lastModifiedTime: isoTime(response?.LastModifiedTime),
    failureReason: text(response?.FailureReason),
    modelName: text(input?.ModelName),
    modelPackageVersionArn: text(input?.ModelPackageVersionArn),
    inputConfig: asObject(input),
    stoppingConditions: asObject(response?.StoppingConditions),
    recommendationCount: recommendations.length,
    benchmarkCount: normalizedSteps.length,
    failedBenchmarkCount: normalizedSteps.filter((step) => step.status === 'FAILED').length,
    endpointPerformanceCount: performances.length,
    best: bestOf(recommendations),
  };
  return { job, recommendations, steps: normalizedSteps, performances };
}
