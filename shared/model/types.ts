import type { Best, JobStatus } from '../events.js';
import type { Progress } from './progress.js';

/** The normalized shapes irwatch stores and serves (camelCase, nulls for missing values). */

export type EndpointType = 'RealTime' | 'Serverless';

export interface ServerlessSettings {
  memorySizeInMB: number | null;
  maxConcurrency: number | null;
  provisionedConcurrency: number | null;
}

export interface Metrics {
  costPerHour: number | null;
  costPerInference: number | null;
  /** Invocations per minute, as SageMaker reports it. */
  maxInvocations: number | null;
  /** Milliseconds, as SageMaker reports it. */
  modelLatency: number | null;
  /** Percent of one vCPU summed over the host: above 100 on multi-CPU hosts, never clamped. */
  cpuUtilization: number | null;
  memoryUtilization: number | null;
  modelSetupTime: number | null;
}

export const METRIC_NAMES = [
  'costPerHour',
  'costPerInference',
  'maxInvocations',
  'modelLatency',
  'cpuUtilization',
  'memoryUtilization',
  'modelSetupTime',
] as const satisfies ReadonlyArray<keyof Metrics>;

export interface Derived {
  costPerMillionInferences: number | null;
  invocationsPerSecond: number | null;
  paretoOptimal: boolean;
}

export const DERIVED_METRIC_NAMES = ['costPerMillionInferences', 'invocationsPerSecond'] as const;

/** The metrics where more is better: sorted descending by default, all others ascending. */
export const HIGHER_IS_BETTER_METRICS = ['maxInvocations', 'invocationsPerSecond'] as const;

export interface EnvironmentParameter {
  key: string | null;
  valueType: string | null;
  value: string | null;
}

export interface ModelConfiguration {
  inferenceSpecificationName: string | null;
  compilationJobName: string | null;
}

/** The endpoint shape shared by recommendations and benchmark steps. */
export interface EndpointSettings {
  endpointType: EndpointType;
  endpointName: string | null;
  variantName: string | null;
  instanceType: string | null;
  initialInstanceCount: number | null;
  serverless: ServerlessSettings | null;
}

export interface Recommendation extends EndpointSettings {
  recommendationId: string;
  /** True when SageMaker gave no RecommendationId and irwatch derived it from the configuration. */
  recommendationIdDerived: boolean;
  jobName: string;
  accountId: string;
  region: string;
  metrics: Metrics;
  derived: Derived;
  environmentParameters: EnvironmentParameter[];
  modelConfiguration: ModelConfiguration | null;
  invocationStartTime: string | null;
  invocationEndTime: string | null;
  /** Names the parts cut to fit DynamoDB's item size limit; absent when nothing was cut. */
  trimmed?: string[];
}

export interface BenchmarkStep extends EndpointSettings {
  jobName: string;
  accountId: string;
  region: string;
  stepIndex: number;
  stepType: string | null;
  status: string | null;
  failureReason: string | null;
  metrics: Metrics;
  endpointMetrics: { maxInvocations: number | null; modelLatency: number | null } | null;
  environmentParameters: EnvironmentParameter[];
  modelConfiguration: ModelConfiguration | null;
  invocationStartTime: string | null;
  invocationEndTime: string | null;
  trimmed?: string[];
}

export interface EndpointPerformance {
  jobName: string;
  accountId: string;
  region: string;
  endpointName: string;
  maxInvocations: number | null;
  modelLatency: number | null;
}

/**
 * An endpoint the job benchmarked (InputConfig.Endpoints), as ingest found it once the job ended:
 * DescribeEndpoint, then DescribeEndpointConfig, in the job's account and region.
 */
export interface ExistingEndpoint {
  endpointName: string;
  /** Per instance per minute, and milliseconds, as the job measured it (EndpointPerformances). */
  maxInvocations: number | null;
  modelLatency: number | null;
  /** False when SageMaker no longer knew the endpoint (or its configuration) at ingest. */
  found: boolean;
  endpointConfigName: string | null;
  variants: ExistingEndpointVariant[];
  /** Why its configuration is unknown, when it is. */
  note: string | null;
}

export interface ExistingEndpointVariant {
  variantName: string;
  instanceType: string | null;
  /** CurrentInstanceCount, else the configuration's InitialInstanceCount. */
  instanceCount: number | null;
  serverless: { memorySizeInMB: number; maxConcurrency: number } | null;
}

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Job {
  jobName: string;
  /** Where the job lives: with its name, what identifies it (names are unique per account and region). */
  accountId: string;
  region: string;
  jobArn: string | null;
  jobType: 'Default' | 'Advanced' | null;
  jobDescription: string | null;
  status: JobStatus;
  roleArn: string | null;
  creationTime: string | null;
  completionTime: string | null;
  lastModifiedTime: string | null;
  failureReason: string | null;
  modelName: string | null;
  modelPackageVersionArn: string | null;
  /** InputConfig, camelCased as SageMaker returned it (traffic pattern, limits, endpoints, VPC...). */
  inputConfig: { [key: string]: JsonValue } | null;
  stoppingConditions: { [key: string]: JsonValue } | null;
  recommendationCount: number;
  benchmarkCount: number;
  failedBenchmarkCount: number;
  endpointPerformanceCount: number;
  best: Best;
  /** Set by ingest once the job ended (from its final steps); a refresh sets it while it runs. */
  progress?: Progress;
  /** stepFingerprint of each step, in step order, set alongside progress. */
  stepFingerprints?: string[];
  /** Set by ingest once the job ended, when it benchmarked existing endpoints. */
  existingEndpoints?: ExistingEndpoint[];
  trimmed?: string[];
}

/** Everything one Describe (and its steps) normalizes to. */
export interface JobSnapshot {
  job: Job;
  recommendations: Recommendation[];
  steps: BenchmarkStep[];
  performances: EndpointPerformance[];
}
