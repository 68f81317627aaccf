#!/usr/bin/env node
// Writes events/sagemaker/jobs/large-sweep-250/{describe,steps}.json: an Advanced Inference
// Recommender job with exactly 250 recommendations (plus 6 failed benchmarks), in the wire shape
// of DescribeInferenceRecommendationsJob and ListInferenceRecommendationsJobSteps (awsJson1.1:
// PascalCase keys, epoch-second timestamps). Deterministic: a seeded PRNG, no dependencies, no
// clock. Every metric, id, time and failure text is invented. Run: node events/sagemaker/generate-large-sweep.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const JOB = 'large-sweep-250';
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SageMakerInferenceRecommender`;
const RECOMMENDATIONS = 250;
const FAILED = 6;
const PARALLEL = 20;
const CREATED = Date.parse('2024-11-27T06:00:09.731Z') / 1000;
const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'jobs', JOB);

// mulberry32: small, fast, good enough for sample data, and identical on every Node version.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(0x1a2b3c4d);
const between = (lo, hi) => lo + (hi - lo) * rand();
const jitter = (x, pct) => x * between(1 - pct, 1 + pct);
const pick = (list) => list[Math.floor(rand() * list.length)];
const r3 = (x) => Math.round(x * 1000) / 1000;
const r1 = (x) => Math.round(x * 10) / 10;
// RecommendationMetrics' float members are 32-bit floats in the service model; the wire carries
// them widened to double (e.g. 0.204 arrives as 0.20399999618530273).
const f32 = (x) => Math.fround(x);
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const token = (n) => Array.from({ length: n }, () => pick(ALNUM)).join('');
const hexToken = (n) => Array.from({ length: n }, () => pick('0123456789abcdef')).join('');

// At most 10 EndpointConfigurations per job (API reference), so 10 instance types, every family.
// price: invented on-demand USD/hour per instance; perVcpu: invocations/minute one busy vCPU
// sustains; lat1: single-thread latency in ms; gpu: base invocations/minute and latency on the GPU.
const INSTANCES = [
  { type: 'ml.c5.xlarge', vcpu: 4, memGiB: 8, price: 0.204, perVcpu: 260, lat1: 44 },
  { type: 'ml.c5.2xlarge', vcpu: 8, memGiB: 16, price: 0.408, perVcpu: 255, lat1: 44 },
  { type: 'ml.c6i.xlarge', vcpu: 4, memGiB: 8, price: 0.204, perVcpu: 300, lat1: 39 },
  { type: 'ml.c6i.2xlarge', vcpu: 8, memGiB: 16, price: 0.408, perVcpu: 296, lat1: 39 },
  { type: 'ml.m5.xlarge', vcpu: 4, memGiB: 16, price: 0.23, perVcpu: 240, lat1: 49 },
  { type: 'ml.m6i.2xlarge', vcpu: 8, memGiB: 32, price: 0.461, perVcpu: 280, lat1: 42 },
  { type: 'ml.r5.xlarge', vcpu: 4, memGiB: 32, price: 0.302, perVcpu: 228, lat1: 52 },
  { type: 'ml.r5.2xlarge', vcpu: 8, memGiB: 64, price: 0.605, perVcpu: 225, lat1: 52 },
  { type: 'ml.g4dn.xlarge', vcpu: 4, memGiB: 16, price: 0.736, gpu: { inv: 4200, lat: 9 } },
  { type: 'ml.g5.xlarge', vcpu: 4, memGiB: 16, price: 1.408, gpu: { inv: 7600, lat: 5 } },
];
const THREADS = ['1', '2', '4', '8'];
const WORKERS = ['1', '2', '4'];
const threadsFor = (it) => THREADS.filter((v) => Number(v) <= it.vcpu);

// Every (instance type, OMP_NUM_THREADS, SAGEMAKER_MODEL_SERVER_WORKERS, instance count) candidate.
const candidates = [];
for (const it of INSTANCES) {
  for (const threads of threadsFor(it)) {
    for (const workers of WORKERS) {
      for (let count = 1; count <= 4; count++) candidates.push({ it, threads, workers, count });
    }
  }
}
// Fisher-Yates with the seeded PRNG, then make sure every instance type appears at least once.
for (let i = candidates.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
}
// Six benchmarks fail, each for a reason that fits its configuration (invented texts shaped like
// SageMaker's own messages).
const FAILURES = [
  {
    when: (c) => c.it.type === 'ml.c5.xlarge' && c.workers === '4',
    reason: (c) =>
      `Benchmark failed: the model container on ${c.it.type} ran out of memory while starting ${c.workers} model server workers (OOMKilled). Check the CloudWatch log group /aws/sagemaker/Endpoints/${c.endpointName} for details.`,
    invoked: false,
  },
  {
    when: (c) => c.it.type === 'ml.g5.xlarge' && c.count === 4,
    reason: (c) =>
      `ResourceLimitExceeded: The account-level service limit '${c.it.type} for endpoint usage' is 3 Instances, with current utilization of 0 Instances and a request delta of ${c.count} Instances. Please use AWS Service Quotas to request an increase for this quota.`,
    invoked: false,
  },
  {
    when: (c) => c.it.type === 'ml.r5.xlarge' && c.threads === '1' && c.workers === '4',
    reason: (c) =>
      `Benchmark stopped: the P95 model latency exceeded the ModelLatencyThresholds value of 250 ms before invocations reached a stable rate (OMP_NUM_THREADS=${c.threads}, SAGEMAKER_MODEL_SERVER_WORKERS=${c.workers}).`,
    invoked: true,
  },
  {
    when: (c) => c.it.type === 'ml.c6i.2xlarge' && c.threads === '8' && c.workers === '4',
    reason: (c) =>
      `Endpoint creation failed: The primary container for production variant ${c.variantName} did not pass the ping health check. Please check CloudWatch logs for this endpoint.`,
    invoked: false,
  },
  {
    when: (c) => c.it.type === 'ml.g4dn.xlarge' && c.count === 4,
    reason: (c) =>
      `ResourceLimitExceeded: The account-level service limit '${c.it.type} for endpoint usage' is 3 Instances, with current utilization of 0 Instances and a request delta of ${c.count} Instances. Please use AWS Service Quotas to request an increase for this quota.`,
    invoked: false,
  },
  {
    when: (c) => c.it.type === 'ml.m5.xlarge' && c.threads === '1' && c.workers === '4',
    reason: (c) =>
      `Benchmark stopped: the P95 model latency exceeded the ModelLatencyThresholds value of 250 ms before invocations reached a stable rate (OMP_NUM_THREADS=${c.threads}, SAGEMAKER_MODEL_SERVER_WORKERS=${c.workers}).`,
    invoked: true,
  },
];
// One benchmark of each failing family runs (and fails); its siblings are never recommended, so
// no recommendation contradicts a failure (say, a 4-instance endpoint past the quota).
const failing = FAILURES.map((failure) => ({ c: candidates.find(failure.when), failure }));
const usable = candidates.filter((c) => !FAILURES.some((failure) => failure.when(c)));
// Every instance type is recommended at least once; then the shuffled rest, up to 250.
const firstOfEach = INSTANCES.map((it) => usable.find((c) => c.it === it));
const chosen = [...firstOfEach, ...usable.filter((c) => !firstOfEach.includes(c))].slice(
  0,
  RECOMMENDATIONS,
);
// The failed benchmarks run interleaved with the others, at seeded positions.
for (const { c, failure } of failing) {
  c.failure = failure;
  chosen.splice(Math.floor(rand() * chosen.length), 0, c);
}
if (chosen.length !== RECOMMENDATIONS + FAILED) throw new Error(`got ${chosen.length} benchmarks`);

function measure({ it, threads, workers, count }) {
  const t = Number(threads);
  const w = Number(workers);
  const used = t * w;
  let perInstance;
  let latency;
  let cpu;
  if (it.gpu) {
    // The GPU does the work; more workers keep it busier, threads barely matter.
    const feed = Math.min(1, 0.55 + 0.2 * w);
    perInstance = it.gpu.inv * feed * (used > it.vcpu ? 0.93 : 1);
    latency = it.gpu.lat * (1 + 0.18 * (w - 1)) * (t === 1 ? 1.08 : 1);
    cpu = Math.min(100 * it.vcpu, 22 * w + 9 * t);
  } else {
    // Throughput grows with busy vCPUs and sags once threads x workers oversubscribe the host.
    const busy = Math.min(used, it.vcpu);
    const oversubscribed = used > it.vcpu ? Math.sqrt(it.vcpu / used) * 0.9 : 1;
    perInstance = it.perVcpu * busy ** 0.92 * oversubscribed;
    latency = ((it.lat1 / Math.min(t, it.vcpu) ** 0.7) * (1 + 0.12 * (w - 1))) / oversubscribed;
    cpu = Math.min(100 * it.vcpu, 100 * busy * between(0.82, 0.97));
  }
  const maxInvocations = Math.max(
    1,
    Math.round(jitter(perInstance * count * 0.97 ** (count - 1), 0.04)),
  );
  const costPerHour = it.price * count;
  return {
    CostPerHour: f32(costPerHour),
    CostPerInference: f32(costPerHour / (maxInvocations * 60)),
    MaxInvocations: maxInvocations,
    ModelLatency: Math.max(1, Math.round(jitter(latency, 0.06))),
    CpuUtilization: f32(r1(jitter(cpu, 0.03))),
    MemoryUtilization: f32(
      r1(Math.min(96, ((0.7 + 1.1 * w) / it.memGiB) * 100 * between(0.9, 1.1))),
    ),
  };
}

const ids = new Set();
const uniqueId = () => {
  let id = token(8);
  while (ids.has(id)) id = token(8);
  ids.add(id);
  return id;
};

const steps = [];
const recommendations = [];
let lastEnd = CREATED;
chosen.forEach((c, i) => {
  const failed = c.failure !== undefined;
  // Tests run PARALLEL at a time: provisioning (~4-5 min), then the 5 x 60 s stairs traffic.
  const batch = Math.floor(i / PARALLEL);
  const start = CREATED + 270 + batch * 620 + between(0, 45);
  const duration = failed ? between(40, 240) : between(300, 330);
  const end = start + duration;
  c.endpointName = `sm-epc-${hexToken(32)}`;
  c.variantName = `sm-epv-${hexToken(16)}`;
  const EndpointConfiguration = {
    EndpointName: c.endpointName,
    VariantName: c.variantName,
    InstanceType: c.it.type,
    InitialInstanceCount: c.count,
  };
  const ModelConfiguration = {
    EnvironmentParameters: [
      { Key: 'OMP_NUM_THREADS', ValueType: 'string', Value: c.threads },
      { Key: 'SAGEMAKER_MODEL_SERVER_WORKERS', ValueType: 'string', Value: c.workers },
    ],
  };
  const InferenceBenchmark = {};
  if (failed) {
    InferenceBenchmark.EndpointConfiguration = EndpointConfiguration;
    InferenceBenchmark.ModelConfiguration = ModelConfiguration;
    InferenceBenchmark.FailureReason = c.failure.reason(c);
  } else {
    const Metrics = measure(c);
    InferenceBenchmark.Metrics = Metrics;
    InferenceBenchmark.EndpointMetrics = {
      MaxInvocations: Metrics.MaxInvocations,
      ModelLatency: Metrics.ModelLatency,
    };
    InferenceBenchmark.EndpointConfiguration = EndpointConfiguration;
    InferenceBenchmark.ModelConfiguration = ModelConfiguration;
    recommendations.push({
      RecommendationId: `${JOB}/${uniqueId()}`,
      Metrics,
      EndpointConfiguration,
      ModelConfiguration,
      InvocationStartTime: r3(start),
      InvocationEndTime: r3(end),
    });
  }
  // Quota and health-check failures happen before any invocation, so they carry no times.
  if (!failed || c.failure.invoked) {
    InferenceBenchmark.InvocationStartTime = r3(start);
    InferenceBenchmark.InvocationEndTime = r3(end);
  }
  steps.push({
    StepType: 'BENCHMARK',
    JobName: JOB,
    Status: failed ? 'FAILED' : 'COMPLETED',
    InferenceBenchmark,
  });
  lastEnd = Math.max(lastEnd, end);
});

const completed = r3(lastEnd + 41.318);
const describe = {
  JobName: JOB,
  JobDescription: 'Sweep of 10 CPU and GPU instance types x threads x workers x instance count',
  JobType: 'Advanced',
  JobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:inference-recommendations-job/${JOB}`,
  RoleArn: ROLE,
  Status: 'COMPLETED',
  CreationTime: r3(CREATED),
  CompletionTime: completed,
  LastModifiedTime: completed,
  InputConfig: {
    ModelName: 'distilbert-sentiment-pt',
    JobDurationInSeconds: 18000,
    TrafficPattern: {
      TrafficType: 'STAIRS',
      Stairs: { DurationInSeconds: 60, NumberOfSteps: 5, UsersPerStep: 2 },
    },
    ResourceLimit: { MaxNumberOfTests: RECOMMENDATIONS + FAILED, MaxParallelOfTests: PARALLEL },
    EndpointConfigurations: INSTANCES.map((it) => ({
      InstanceType: it.type,
      EnvironmentParameterRanges: {
        CategoricalParameterRanges: [
          { Name: 'OMP_NUM_THREADS', Value: threadsFor(it) },
          { Name: 'SAGEMAKER_MODEL_SERVER_WORKERS', Value: WORKERS },
        ],
      },
    })),
    ContainerConfig: {
      Domain: 'NATURAL_LANGUAGE_PROCESSING',
      Task: 'CLASSIFICATION',
      Framework: 'PYTORCH',
      FrameworkVersion: '2.1.0',
      PayloadConfig: {
        SamplePayloadUrl: `s3://irwatch-samples-${ACCOUNT}/payloads/distilbert-sentiment/payload.tar.gz`,
        SupportedContentTypes: ['application/json'],
      },
      NearestModelName: 'bert-base-cased',
      SupportedInstanceTypes: INSTANCES.map((it) => it.type),
    },
  },
  StoppingConditions: {
    MaxInvocations: 60000,
    ModelLatencyThresholds: [{ Percentile: 'P95', ValueInMilliseconds: 250 }],
    FlatInvocations: 'Stop',
  },
  InferenceRecommendations: recommendations,
};

if (recommendations.length !== RECOMMENDATIONS) throw new Error(`got ${recommendations.length}`);
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, 'describe.json'), JSON.stringify(describe, null, 2) + '\n');
fs.writeFileSync(path.join(OUT, 'steps.json'), JSON.stringify({ Steps: steps }, null, 2) + '\n');
console.log(`${JOB}: ${recommendations.length} recommendations, ${steps.length} steps -> ${OUT}`);
