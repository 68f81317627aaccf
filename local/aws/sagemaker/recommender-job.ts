import { createHash } from 'node:crypto';
import type { SimulatedJob, WireObject } from './sagemaker-simulator.js';

/**
 * Jobs made by CreateInferenceRecommendationsJob in the simulator. Results are derived from the
 * request alone (model, instance types, job type), so two runs of one request benchmark the same
 * configurations with comparable metrics; a variation seeded by the job name gives each run the
 * spread real runs show.
 *
 * Tags drive what a demo or a test needs (the convention the README documents):
 * - `irwatch:simulate` = `fail`: the job FAILS, most of its benchmarks failed;
 * - `irwatch:simulate` = `fail-benchmarks`: some benchmarks fail, the job still COMPLETES;
 * - `irwatch:simulate-seconds` = N: the job takes N seconds from creation to its end.
 */
export const SIMULATE_TAG = 'irwatch:simulate';
export const SIMULATE_SECONDS_TAG = 'irwatch:simulate-seconds';

export interface CreatedJobOptions {
  jobArn: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** From creation to the terminal state, unless the request's tag says otherwise. */
  durationMs: number;
}

const DEFAULT_INSTANCE_TYPES = [
  'ml.c5.large',
  'ml.c5.xlarge',
  'ml.m5.large',
  'ml.m5.xlarge',
  'ml.c6i.xlarge',
  'ml.g4dn.xlarge',
  'ml.r5.large',
  'ml.inf1.xlarge',
];

/** On-demand price per hour of the `large` size (`xlarge` for accelerated families), USD. */
const FAMILY_PRICE: Record<string, number> = {
  t2: 0.056,
  m4: 0.1,
  m5: 0.115,
  m5d: 0.136,
  m6i: 0.115,
  m6g: 0.092,
  m7i: 0.121,
  c4: 0.1,
  c5: 0.102,
  c5d: 0.117,
  c6i: 0.102,
  c6g: 0.082,
  c7g: 0.087,
  c7i: 0.107,
  r5: 0.151,
  r5d: 0.173,
  r6i: 0.151,
  r6g: 0.121,
  g4dn: 0.736,
  g5: 1.408,
  g6: 1.167,
  g6e: 2.336,
  inf1: 0.297,
  inf2: 0.99,
  p3: 3.825,
};
const ACCELERATED = /^(g\d|p\d|inf\d|trn\d|dl\d)/;

/** How many `large` (or accelerated `xlarge`) units a size is. */
function sizeUnits(size: string): number {
  if (size === 'medium') return 0.5;
  if (size === 'large') return 1;
  if (size === 'xlarge') return 2;
  const multiple = /^(\d+)xlarge$/.exec(size);
  return multiple?.[1] ? Number(multiple[1]) * 2 : 1;
}

function hashHex(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** A number in [0, 1) fixed by its parts. */
function unit(...parts: unknown[]): number {
  return parseInt(hashHex(...parts).slice(0, 8), 16) / 0x1_0000_0000;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function shortId(...parts: unknown[]): string {
  const hex = hashHex(...parts);
  let id = '';
  for (let i = 0; i < 8; i++) id += ID_ALPHABET[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 36];
  return id;
}

function isRecord(value: unknown): value is WireObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tagValue(input: WireObject, key: string): string | undefined {
  const tags = Array.isArray(input.Tags) ? input.Tags : [];
  for (const tag of tags) if (isRecord(tag) && tag.Key === key) return String(tag.Value);
  return undefined;
}

export function simulatedDurationMs(input: WireObject, fallbackMs: number): number {
  const seconds = Number(tagValue(input, SIMULATE_SECONDS_TAG));
  return Number.isFinite(seconds) && seconds >= 1 ? seconds * 1000 : fallbackMs;
}

interface Benchmark {
  endpointConfiguration: WireObject;
  environment: Array<{ Key: string; ValueType: string; Value: string }>;
  inferenceSpecificationName?: string;
  units: number;
  pricePerHour: number;
  accelerated: boolean;
  serverlessMemory?: number;
}

function instanceBenchmark(instanceType: string): Omit<Benchmark, 'environment'> {
  const [, family = '', size = 'large'] = instanceType.split('.');
  const accelerated = ACCELERATED.test(family);
  const units = sizeUnits(size) / (accelerated ? 2 : 1);
  const price = FAMILY_PRICE[family] ?? (accelerated ? 1 : 0.12);
  return {
    endpointConfiguration: { InstanceType: instanceType, InitialInstanceCount: 1 },
    units,
    pricePerHour: Math.round(price * units * 1000) / 1000,
    accelerated,
  };
}

/** Every combination of the categorical ranges, at most `limit`. */
function environmentCombinations(
  ranges: unknown,
  limit: number,
): Array<Array<{ Key: string; ValueType: string; Value: string }>> {
  const categorical =
    isRecord(ranges) && Array.isArray(ranges.CategoricalParameterRanges)
      ? ranges.CategoricalParameterRanges.filter(isRecord)
      : [];
  let combos: Array<Array<{ Key: string; ValueType: string; Value: string }>> = [[]];
  for (const range of categorical) {
    const values = Array.isArray(range.Value) ? range.Value.map(String) : [];
    if (values.length === 0) continue;
    combos = combos.flatMap((combo) =>
      values.map((value) => [
        ...combo,
        { Key: String(range.Name), ValueType: 'string', Value: value },
      ]),
    );
    if (combos.length > limit) combos = combos.slice(0, limit);
  }
  return combos;
}

function benchmarksOf(input: WireObject, modelKey: string): Benchmark[] {
  const config = isRecord(input.InputConfig) ? input.InputConfig : {};
  const limitConfig = isRecord(config.ResourceLimit) ? config.ResourceLimit : {};
  const maxTests =
    typeof limitConfig.MaxNumberOfTests === 'number' ? limitConfig.MaxNumberOfTests : 12;
  const endpoints = Array.isArray(config.EndpointConfigurations)
    ? config.EndpointConfigurations.filter(isRecord)
    : [];
  const benchmarks: Benchmark[] = [];
  if (endpoints.length > 0) {
    for (const endpoint of endpoints) {
      let base: Omit<Benchmark, 'environment'>;
      if (isRecord(endpoint.ServerlessConfig)) {
        const memory = Number(endpoint.ServerlessConfig.MemorySizeInMB);
        const serverless: WireObject = {
          MemorySizeInMB: memory,
          MaxConcurrency: Number(endpoint.ServerlessConfig.MaxConcurrency),
        };
        if (endpoint.ServerlessConfig.ProvisionedConcurrency !== undefined) {
          serverless.ProvisionedConcurrency = endpoint.ServerlessConfig.ProvisionedConcurrency;
        }
        base = {
          endpointConfiguration: { ServerlessConfig: serverless },
          units: memory / 2048,
          pricePerHour: Math.round((memory / 1024) * 0.1043 * 10_000) / 10_000,
          accelerated: false,
          serverlessMemory: memory,
        };
      } else {
        base = instanceBenchmark(String(endpoint.InstanceType));
      }
      for (const environment of environmentCombinations(
        endpoint.EnvironmentParameterRanges,
        maxTests,
      )) {
        const benchmark: Benchmark = { ...base, environment };
        if (typeof endpoint.InferenceSpecificationName === 'string') {
          benchmark.inferenceSpecificationName = endpoint.InferenceSpecificationName;
        }
        benchmarks.push(benchmark);
      }
    }
    return benchmarks.slice(0, maxTests);
  }
  // A Default job picks the instance types itself: those the container supports, or a
  // model-dependent handful of general-purpose ones.
  const container = isRecord(config.ContainerConfig) ? config.ContainerConfig : {};
  const supported = Array.isArray(container.SupportedInstanceTypes)
    ? container.SupportedInstanceTypes.map(String)
    : [];
  const types =
    supported.length > 0
      ? supported
      : [...DEFAULT_INSTANCE_TYPES]
          .sort((a, b) => unit(modelKey, a) - unit(modelKey, b))
          .slice(0, 4 + Math.floor(unit(modelKey, 'count') * 3));
  for (const type of types.slice(0, maxTests)) {
    const base = instanceBenchmark(type);
    const threads = Math.max(1, Math.round(base.units * 2));
    benchmarks.push({
      ...base,
      environment: [{ Key: 'OMP_NUM_THREADS', ValueType: 'string', Value: String(threads) }],
    });
  }
  return benchmarks;
}

const FAILURE_REASONS = [
  (type: string) =>
    `ResourceLimitExceeded: The account-level service limit '${type} for endpoint usage' is 0 Instances, with current utilization of 0 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.`,
  () =>
    'Benchmark failed: 100% of invocations returned errors. ModelError: Received server error (500) from primary with message "simulated model error".',
  (_type: string, variant: string) =>
    `Endpoint creation failed: The primary container for production variant ${variant} did not pass the ping health check. Please check CloudWatch logs for this endpoint.`,
];

/** Builds the whole life of a created job: its final describe, its steps and its timeline. */
export function createdJob(input: WireObject, options: CreatedJobOptions): SimulatedJob {
  const jobName = String(input.JobName);
  const jobType = String(input.JobType);
  const config = isRecord(input.InputConfig) ? input.InputConfig : {};
  const modelKey = String(config.ModelPackageVersionArn ?? config.ModelName ?? '');
  const simulate = tagValue(input, SIMULATE_TAG);
  const durationMs = simulatedDurationMs(input, options.durationMs);

  const created = options.createdAt;
  const inProgressAt = created + Math.round(durationMs * 0.1);
  const endAt = created + durationMs;
  const benchmarks = benchmarksOf(input, modelKey);
  const slot = (endAt - inProgressAt) / Math.max(1, benchmarks.length);

  // Per model: how fast one `large` unit serves it; per run: a few percent of noise.
  const modelLatency = 3 + unit(modelKey, 'latency') * 40;
  const modelThroughput = 600 + unit(modelKey, 'throughput') * 2400;
  const failEvery = simulate === 'fail' ? 1 : simulate === 'fail-benchmarks' ? 3 : 0;

  const steps: WireObject[] = [];
  const recommendations: WireObject[] = [];
  benchmarks.forEach((benchmark, index) => {
    const configKey = [benchmark.endpointConfiguration, benchmark.environment];
    const endpointName = `sm-epc-${hashHex(jobName, configKey).slice(0, 32)}`;
    const variantName = `sm-epv-${hashHex(jobName, configKey, 'variant').slice(0, 16)}`;
    const startMs = Math.round(inProgressAt + index * slot + slot * 0.05);
    const endMs = Math.round(inProgressAt + (index + 1) * slot - slot * 0.05);
    const spread = (what: string) => 1 + (unit(jobName, configKey, what) - 0.5) * 0.12;
    const threads = Number(benchmark.environment.find((e) => e.Key === 'OMP_NUM_THREADS')?.Value);
    const threadFit = Number.isFinite(threads) ? Math.min(1, threads / (benchmark.units * 2)) : 1;
    const speedup = benchmark.accelerated ? 4 : 1;
    const serverless = benchmark.serverlessMemory !== undefined;

    const maxInvocations = Math.max(
      1,
      Math.round(
        (modelThroughput * benchmark.units * speedup * (0.8 + 0.2 * threadFit) * spread('tps')) /
          (serverless ? 6 : 1),
      ),
    );
    const latency = Math.max(
      1,
      Math.round(
        (modelLatency / Math.sqrt(benchmark.units * speedup)) *
          spread('latency') *
          (serverless ? 8 : 1),
      ),
    );
    const metrics: WireObject = {
      CostPerHour: benchmark.pricePerHour,
      CostPerInference: benchmark.pricePerHour / (maxInvocations * 60),
      MaxInvocations: maxInvocations,
      ModelLatency: latency,
    };
    if (serverless) {
      metrics.ModelSetupTime = Math.round(6000 + unit(jobName, configKey, 'setup') * 6000);
    } else {
      metrics.CpuUtilization =
        Math.round(benchmark.units * 2 * (70 + 25 * spread('cpu') - 25) * 10) / 10;
      metrics.MemoryUtilization =
        Math.round((5 + unit(modelKey, 'memory') * 25) * spread('mem') * 10) / 10;
    }
    const endpointConfiguration: WireObject = {
      EndpointName: endpointName,
      VariantName: variantName,
      ...benchmark.endpointConfiguration,
    };
    // The model allows no empty EnvironmentParameters list: leave it out instead.
    const modelConfiguration: WireObject =
      benchmark.environment.length > 0 ? { EnvironmentParameters: benchmark.environment } : {};
    if (benchmark.inferenceSpecificationName) {
      modelConfiguration.InferenceSpecificationName = benchmark.inferenceSpecificationName;
    }
    const fails = failEvery > 0 && (failEvery === 1 ? index % 4 !== 3 : index % failEvery === 1);
    if (fails) {
      const reason = FAILURE_REASONS[index % FAILURE_REASONS.length]!(
        String(benchmark.endpointConfiguration.InstanceType ?? 'serverless'),
        variantName,
      );
      steps.push({
        StepType: 'BENCHMARK',
        JobName: jobName,
        Status: 'FAILED',
        InferenceBenchmark: {
          EndpointConfiguration: endpointConfiguration,
          ModelConfiguration: modelConfiguration,
          FailureReason: reason,
          InvocationStartTime: startMs / 1000,
          InvocationEndTime: endMs / 1000,
        },
      });
      return;
    }
    steps.push({
      StepType: 'BENCHMARK',
      JobName: jobName,
      Status: 'COMPLETED',
      InferenceBenchmark: {
        Metrics: metrics,
        EndpointMetrics: { MaxInvocations: maxInvocations, ModelLatency: latency },
        EndpointConfiguration: endpointConfiguration,
        ModelConfiguration: modelConfiguration,
        InvocationStartTime: startMs / 1000,
        InvocationEndTime: endMs / 1000,
      },
    });
    recommendations.push({
      RecommendationId: `${jobName}/${shortId(jobName, configKey)}`,
      Metrics: metrics,
      EndpointConfiguration: endpointConfiguration,
      ModelConfiguration: modelConfiguration,
      InvocationStartTime: startMs / 1000,
      InvocationEndTime: endMs / 1000,
    });
  });

  const failed = steps.filter((s) => s.Status === 'FAILED').length;
  const jobFails = simulate === 'fail' || (benchmarks.length > 0 && failed === benchmarks.length);
  const describe: WireObject = {
    JobName: jobName,
    JobType: jobType,
    JobArn: options.jobArn,
    RoleArn: input.RoleArn,
    Status: jobFails ? 'FAILED' : 'COMPLETED',
    CreationTime: created / 1000,
    LastModifiedTime: endAt / 1000,
    CompletionTime: endAt / 1000,
    InputConfig: config,
  };
  if (typeof input.JobDescription === 'string') describe.JobDescription = input.JobDescription;
  if (isRecord(input.StoppingConditions)) describe.StoppingConditions = input.StoppingConditions;
  if (jobFails) {
    describe.FailureReason = `Inference Recommender job failed: ${failed} of ${benchmarks.length} benchmarks failed, which is more than the allowed failure ratio for a ${jobType} job. Review the FailureReason of each benchmark with ListInferenceRecommendationsJobSteps.`;
  } else {
    describe.InferenceRecommendations = recommendations;
  }
  return {
    describe,
    steps,
    liveSteps: true,
    timeline: [
      { status: 'PENDING', at: created },
      { status: 'IN_PROGRESS', at: inProgressAt },
      { status: jobFails ? 'FAILED' : 'COMPLETED', at: endAt },
    ],
  };
}

/**
 * The job stopped at `stopAt`: STOPPING at once, STOPPED a moment later, with the benchmarks that
 * had finished by then and the others STOPPED.
 */
export function stoppedJob(
  job: SimulatedJob,
  stopAt: number,
  stoppedAfterMs: number,
): SimulatedJob {
  const timeline = (job.timeline ?? []).filter((entry) => entry.at < stopAt);
  timeline.push(
    { status: 'STOPPING', at: stopAt },
    { status: 'STOPPED', at: stopAt + stoppedAfterMs },
  );
  const finishedBy = (step: WireObject) => {
    const benchmark = isRecord(step.InferenceBenchmark) ? step.InferenceBenchmark : {};
    return Number(benchmark.InvocationEndTime) * 1000 <= stopAt;
  };
  const steps = (job.steps ?? []).map((step) => {
    if (finishedBy(step)) return step;
    const benchmark = isRecord(step.InferenceBenchmark) ? step.InferenceBenchmark : {};
    const cut: WireObject = { EndpointConfiguration: benchmark.EndpointConfiguration };
    if (benchmark.ModelConfiguration !== undefined)
      cut.ModelConfiguration = benchmark.ModelConfiguration;
    return { ...step, Status: 'STOPPED', InferenceBenchmark: cut };
  });
  const finishedIds = new Set(
    steps
      .filter((s) => s.Status === 'COMPLETED')
      .map((s) => JSON.stringify((s.InferenceBenchmark as WireObject).EndpointConfiguration)),
  );
  const describe: WireObject = { ...job.describe, Status: 'STOPPED' };
  delete describe.FailureReason;
  const recommendations = Array.isArray(job.describe.InferenceRecommendations)
    ? job.describe.InferenceRecommendations.filter(
        (r) => isRecord(r) && finishedIds.has(JSON.stringify(r.EndpointConfiguration)),
      )
    : [];
  describe.InferenceRecommendations = recommendations;
  const stopped: SimulatedJob = { describe, steps, timeline };
  if (job.liveSteps) stopped.liveSteps = true;
  return stopped;
}
