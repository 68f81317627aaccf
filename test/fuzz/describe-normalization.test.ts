import {
  DescribeInferenceRecommendationsJobCommand,
  paginateListInferenceRecommendationsJobSteps,
  SageMakerClient,
  type DescribeInferenceRecommendationsJobResponse,
  type InferenceRecommendationsJobStep,
} from '@aws-sdk/client-sagemaker';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  createSageMakerSimulator,
  type WireObject,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import {
  fitJob,
  modelKeyOf,
  performanceItem,
  recommendationItem,
  STATUS_RANK,
  stepItem,
  recommendationListItems,
  recommendationListOf,
  summaryItems,
} from '../../shared/db/items.js';
import { keys, layout } from '../../shared/db/table.js';
import { JOB_STATUSES } from '../../shared/events.js';
import { normalizeJob } from '../../shared/model/normalize.js';
import type { Job, JobSnapshot } from '../../shared/model/types.js';
import {
  anyNumber,
  anyText,
  DYNAMODB_ITEM_LIMIT,
  dynamoDbItemSize,
  FUZZ_RUNS,
  FUZZ_TIMEOUT_MS,
  fuzzParameters,
  hugeText,
  nonFinitePaths,
  nonPlainPaths,
  PARTITION_KEY_LIMIT,
  repeated,
  SORT_KEY_LIMIT,
  sometimesWrong,
  wrongValue,
} from '../support/fuzz.js';
import { sampleJobs } from '../support/world.js';

/*
 * DescribeInferenceRecommendationsJob responses and their benchmark steps, as hostile as they
 * can reach ingest: fields missing, null or of the wrong type, NaN and Infinity metrics, invalid
 * dates, any unicode, huge text and long lists. normalizeJob must never throw nor leave a NaN,
 * an Infinity or a non-JSON value anywhere, and the item builders must never build an item
 * DynamoDB would refuse, trimming rather than failing the job.
 *
 * "Huge" goes where the API lets a response be big: free text (FailureReason, JobDescription),
 * InputConfig, long lists of recommendations, steps and environment parameters. Identifiers
 * (endpoint, variant and model names, recommendation ids) take any characters but keep the
 * lengths SageMaker documents for them.
 */

const FALLBACK = {
  jobName: 'fuzzed-job',
  accountId: '111122223333',
  region: 'us-east-1',
  status: 'IN_PROGRESS' as const,
};
const anyDate = fc.date({ noInvalidDate: false });
const name = sometimesWrong(anyText(63));
const optional = { requiredKeys: [] as never[] };
const metric = sometimesWrong(anyNumber, 4);

const metrics = fc.record(
  {
    CostPerHour: metric,
    CostPerInference: metric,
    MaxInvocations: metric,
    ModelLatency: metric,
    CpuUtilization: metric,
    MemoryUtilization: metric,
    ModelSetupTime: metric,
  },
  optional,
);

const environmentParameter = fc.record(
  {
    Key: sometimesWrong(anyText(128)),
    ValueType: sometimesWrong(fc.constantFrom('String', 'Integer', 'Float')),
    Value: sometimesWrong(fc.oneof(anyText(), repeated(anyText(8), 100, 128))),
  },
  optional,
);

const modelConfiguration = fc.record(
  {
    InferenceSpecificationName: name,
    CompilationJobName: name,
    EnvironmentParameters: sometimesWrong(
      fc.oneof(
        {
          arbitrary: fc.array(sometimesWrong(environmentParameter, 12), { maxLength: 5 }),
          weight: 8,
        },
        // Hundreds of long values: more than one item holds, so the builder must trim.
        {
          arbitrary: fc
            .tuple(
              fc.array(environmentParameter, { minLength: 1, maxLength: 3 }),
              fc.integer({ min: 300, max: 600 }),
            )
            .map(([some, count]) => Array.from({ length: count }, (_, i) => some[i % some.length])),
          weight: 1,
        },
      ),
      12,
    ),
  },
  optional,
);

const endpointConfiguration = fc.record(
  {
    EndpointName: name,
    VariantName: name,
    InstanceType: sometimesWrong(fc.constantFrom('ml.c5.large', 'ml.g5.xlarge', 'ml.inf2.xlarge')),
    InitialInstanceCount: sometimesWrong(fc.integer({ min: 0, max: 100 })),
    ServerlessConfig: sometimesWrong(
      fc.record(
        { MemorySizeInMB: metric, MaxConcurrency: metric, ProvisionedConcurrency: metric },
        optional,
      ),
      2,
    ),
  },
  optional,
);

const recommendation = fc.record(
  {
    RecommendationId: sometimesWrong(
      fc.oneof(anyText(30), fc.constant('fuzzed-job/abcd1234'), fc.constant('fuzzed-job/')),
    ),
    Metrics: sometimesWrong(metrics, 10),
    EndpointConfiguration: sometimesWrong(endpointConfiguration, 10),
    ModelConfiguration: sometimesWrong(modelConfiguration, 10),
    InvocationStartTime: sometimesWrong(anyDate),
    InvocationEndTime: sometimesWrong(anyDate),
  },
  optional,
);

const failureReason = sometimesWrong(
  fc.oneof({ arbitrary: anyText(), weight: 6 }, { arbitrary: hugeText, weight: 1 }),
);

const step = fc.record(
  {
    StepType: sometimesWrong(fc.constant('BENCHMARK')),
    JobName: name,
    Status: sometimesWrong(fc.constantFrom(...JOB_STATUSES)),
    InferenceBenchmark: sometimesWrong(
      fc.record(
        {
          Metrics: sometimesWrong(metrics),
          EndpointMetrics: sometimesWrong(
            fc.record({ MaxInvocations: metric, ModelLatency: metric }, optional),
          ),
          EndpointConfiguration: sometimesWrong(endpointConfiguration),
          ModelConfiguration: sometimesWrong(modelConfiguration),
          FailureReason: failureReason,
          InvocationStartTime: sometimesWrong(anyDate),
          InvocationEndTime: sometimesWrong(anyDate),
        },
        optional,
      ),
      10,
    ),
  },
  optional,
);

const smallTree = fc.dictionary(anyText(12), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });

const inputConfig = fc.oneof(
  { arbitrary: smallTree, weight: 6 },
  {
    arbitrary: fc.record(
      {
        ModelName: name,
        ModelPackageVersionArn: sometimesWrong(anyText(200)),
        ContainerConfig: fc.record({ Domain: anyText(), Framework: hugeText }, optional),
        EndpointConfigurations: fc.array(
          fc.record({ InstanceType: anyText(20), EnvironmentParameterRanges: hugeText }, optional),
          { maxLength: 3 },
        ),
      },
      optional,
    ),
    weight: 1,
  },
);

const response = fc.record(
  {
    JobName: name,
    JobDescription: sometimesWrong(
      fc.oneof({ arbitrary: anyText(128), weight: 6 }, { arbitrary: hugeText, weight: 1 }),
    ),
    JobType: sometimesWrong(fc.constantFrom('Default', 'Advanced')),
    JobArn: sometimesWrong(anyText(100)),
    RoleArn: sometimesWrong(anyText(100)),
    Status: sometimesWrong(fc.constantFrom(...JOB_STATUSES)),
    CreationTime: sometimesWrong(anyDate),
    CompletionTime: sometimesWrong(anyDate),
    LastModifiedTime: sometimesWrong(anyDate),
    FailureReason: failureReason,
    InputConfig: sometimesWrong(inputConfig),
    StoppingConditions: sometimesWrong(smallTree),
    InferenceRecommendations: sometimesWrong(
      fc.oneof(
        { arbitrary: fc.array(sometimesWrong(recommendation, 10), { maxLength: 8 }), weight: 10 },
        // A sweep: many recommendations, as large-sweep-250.
        {
          arbitrary: fc
            .tuple(
              fc.array(recommendation, { minLength: 1, maxLength: 4 }),
              fc.integer({ min: 100, max: 300 }),
            )
            .map(([some, count]) => Array.from({ length: count }, (_, i) => some[i % some.length])),
          weight: 1,
        },
      ),
    ),
    EndpointPerformances: sometimesWrong(
      fc.array(
        sometimesWrong(
          fc.record(
            {
              Metrics: sometimesWrong(
                fc.record({ MaxInvocations: metric, ModelLatency: metric }, optional),
              ),
              EndpointInfo: sometimesWrong(fc.record({ EndpointName: name }, optional)),
            },
            optional,
          ),
          10,
        ),
        { maxLength: 4 },
      ),
    ),
  },
  optional,
);

/** Whether a key "__proto__" is anywhere in a tree. */
const holdsProtoKey = (value: unknown): boolean =>
  value !== null &&
  typeof value === 'object' &&
  (Object.hasOwn(value, '__proto__') || Object.values(value).some(holdsProtoKey));

/*
 * The SDK hands over only the members its model declares, so a key "__proto__" cannot reach
 * normalizeJob; if one did, camelize would assign it and change the object's prototype instead of
 * keeping the value (reported, with its one-line fix, in issue 9's notes).
 */
const describeCase = fc
  .record({
    response: fc.oneof({ arbitrary: response, weight: 30 }, { arbitrary: wrongValue, weight: 1 }),
    steps: fc.oneof(
      { arbitrary: fc.array(sometimesWrong(step, 10), { maxLength: 8 }), weight: 30 },
      { arbitrary: wrongValue, weight: 1 },
    ),
  })
  .filter((input) => !holdsProtoKey(input));

const normalize = (response: unknown, steps: unknown): JobSnapshot =>
  normalizeJob(
    response as DescribeInferenceRecommendationsJobResponse,
    steps as InferenceRecommendationsJobStep[],
    FALLBACK,
  );

function snapshotProblems(snapshot: JobSnapshot): string[] {
  const problems = [
    ...nonFinitePaths(snapshot).map((path) => `NaN or Infinity at ${path}`),
    ...nonPlainPaths(snapshot).map((path) => `not plain JSON at ${path}`),
  ];
  const { job } = snapshot;
  if (job.jobName !== FALLBACK.jobName) problems.push(`jobName ${job.jobName}`);
  if (job.recommendationCount !== snapshot.recommendations.length)
    problems.push('recommendationCount');
  if (job.benchmarkCount !== snapshot.steps.length) problems.push('benchmarkCount');
  const ids = new Set(snapshot.recommendations.map((rec) => rec.recommendationId));
  if (ids.size !== snapshot.recommendations.length)
    problems.push('two recommendations share an id');
  return problems;
}

/** The job item as putJobRecord's UpdateItem leaves it: fitted attributes, keys, bookkeeping. */
function jobItemOf(job: Job): Record<string, unknown> {
  const fitted = fitJob(job);
  const model = modelKeyOf(fitted);
  return {
    ...keys.job(fitted),
    ...fitted,
    entity: 'job',
    statusRank: STATUS_RANK[fitted.status],
    recordedAt: new Date(0).toISOString(),
    version: 1,
    previousStatus: null,
    ...keys.statusIndex(fitted.status, fitted.lastModifiedTime ?? '', fitted),
    ...(model ? keys.modelIndex(model, fitted.creationTime ?? '', fitted) : {}),
  };
}

/** DynamoDB's limits on key values: 2,048 bytes for a partition key, 1,024 for a sort key. */
const keyLimits: Array<[string, number]> = [
  [layout.primary.pk, PARTITION_KEY_LIMIT],
  [layout.primary.sk, SORT_KEY_LIMIT],
  [layout.byStatus.pk, PARTITION_KEY_LIMIT],
  [layout.byStatus.sk, SORT_KEY_LIMIT],
  [layout.byModel.pk, PARTITION_KEY_LIMIT],
  [layout.byModel.sk, SORT_KEY_LIMIT],
];

/** Why DynamoDB would refuse the items built from a snapshot (an empty list when it would not). */
function itemProblems(snapshot: JobSnapshot): string[] {
  const problems: string[] = [];
  const check = (what: string, build: () => unknown) => {
    let item: Record<string, unknown>;
    try {
      item = build() as Record<string, unknown>;
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
      return;
    }
    const size = dynamoDbItemSize(item);
    if (size > DYNAMODB_ITEM_LIMIT) problems.push(`${what}: ${size} bytes`);
    for (const [attribute, limit] of keyLimits) {
      const value = item[attribute];
      if (typeof value === 'string' && Buffer.byteLength(value) > limit) {
        problems.push(`${what}: key ${attribute} of ${Buffer.byteLength(value)} bytes`);
      }
    }
    problems.push(...nonFinitePaths(item).map((path) => `${what}: NaN or Infinity at ${path}`));
    problems.push(...nonPlainPaths(item).map((path) => `${what}: not plain JSON at ${path}`));
  };
  snapshot.recommendations.forEach((rec) =>
    check('recommendation', () => recommendationItem(rec, snapshot.job)),
  );
  snapshot.steps.forEach((s) => check(`step ${s.stepIndex}`, () => stepItem(s)));
  snapshot.performances.forEach((p) => check('performance', () => performanceItem(p)));
  check('job', () => jobItemOf(snapshot.job));
  summaryItems(snapshot).forEach((item, index) => check(`summary ${index}`, () => item));
  const lists = recommendationListItems(snapshot);
  lists.forEach((item, index) => check(`recommendation list ${index}`, () => item));
  const listed = recommendationListOf(lists)?.recommendations ?? [];
  if (
    listed.map((rec) => rec.recommendationId).join() !==
    snapshot.recommendations.map((rec) => rec.recommendationId).join()
  ) {
    problems.push('recommendation list: does not read back the recommendations written');
  }
  return problems;
}

describe('fuzz: Describe responses as the SDK hands them over', () => {
  it(
    `normalizeJob never throws nor leaves NaN, Infinity or non-JSON values (${FUZZ_RUNS} cases)`,
    () => {
      fc.assert(
        fc.property(describeCase, ({ response, steps }) => {
          expect(snapshotProblems(normalize(response, steps))).toEqual([]);
        }),
        fuzzParameters(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    `the item builders only build items DynamoDB accepts, trimming instead of failing (${FUZZ_RUNS} cases)`,
    () => {
      fc.assert(
        fc.property(describeCase, ({ response, steps }) => {
          expect(itemProblems(normalize(response, steps))).toEqual([]);
        }),
        fuzzParameters(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------
// The same, one layer out: wire JSON through the simulator and the SDK's own deserializer.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Step = string | number;

/** Every path in a JSON tree at or below `under`. */
function pathsOf(value: Json, at: Step[] = []): Step[][] {
  const here = [at];
  if (Array.isArray(value))
    return [...here, ...value.flatMap((item, i) => pathsOf(item, [...at, i]))];
  if (value !== null && typeof value === 'object') {
    return [
      ...here,
      ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...at, key])),
    ];
  }
  return here;
}

/** The wire's own hostile values: what a JSON body can hold, and the strings "NaN"/"Infinity". */
const wireValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.constantFrom('NaN', 'Infinity', '-Infinity'),
  fc.constantFrom(1e308, -1e308, 1e15, -1, 0, 0.1, 2 ** 53),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  anyText(),
  // Long, not huge: wherever it lands, even in an identifier, DynamoDB keys can hold it.
  repeated(anyText(4), 16, 64),
  fc.boolean(),
  fc.constant<Json>([]),
  fc.constant<Json>({}),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

interface Mutation {
  at: number;
  action: 'delete' | 'replace' | 'add';
  key: string;
  value: Json;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  action: fc.constantFrom('delete', 'replace', 'replace', 'replace', 'add'),
  key: anyText(12),
  value: wireValue,
});

/** Applies mutations to a copy; JobName stays, it is how the simulator finds the job. */
function mutate(tree: { describe: Json; steps: Json }, mutations: readonly Mutation[]) {
  const copy = structuredClone(tree);
  for (const change of mutations) {
    const paths = pathsOf(copy as unknown as Json).filter(
      (path) =>
        path.length >= 2 &&
        !(path[0] === 'describe' && path[1] === 'JobName') &&
        !(path[0] === 'steps' && path.length < 3),
    );
    const path = paths[change.at % paths.length];
    if (!path) continue;
    const parent = path
      .slice(0, -1)
      .reduce<Json>(
        (node, step) => (node as Record<Step, Json>)[step] as Json,
        copy as unknown as Json,
      ) as Record<Step, Json>;
    const last = path[path.length - 1]!;
    if (change.action === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (
      change.action === 'add' &&
      parent[last] !== null &&
      typeof parent[last] === 'object'
    ) {
      const target = parent[last] as Record<Step, Json>;
      if (Array.isArray(target)) target.push(structuredClone(change.value));
      else target[change.key] = structuredClone(change.value);
    } else {
      parent[last] = structuredClone(change.value);
    }
  }
  return copy;
}

describe('fuzz: Describe responses on the wire, through the SDK', () => {
  const simulator = createSageMakerSimulator();
  let server: LocalServer;
  let client: SageMakerClient;

  beforeAll(async () => {
    server = await simulator.listen();
    // One attempt: a response the SDK cannot read is a failed call, not one to wait for.
    client = new SageMakerClient({ endpoint: server.url, maxAttempts: 1 });
    return async () => {
      client.destroy();
      await server.close();
    };
  });

  // The 500-item sweep is left to the in-memory cases above: here it would only slow each case.
  const samples = sampleJobs
    .filter((job) => job.describe.JobName !== 'large-sweep-250')
    .map((job) => ({
      describe: { ...job.describe, JobName: 'fuzzed-wire' } as Json,
      steps: (job.steps ?? []) as Json,
    }));

  it(
    `ingest reads what the SDK accepts, or fails the call with a reason (${FUZZ_RUNS} cases)`,
    async () => {
      const refusals = new Map<string, number>();
      let refusedBySdk = 0;
      let normalized = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...samples),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          async (sample, mutations) => {
            const wire = mutate(sample, mutations);
            simulator.addJob({
              describe: wire.describe as WireObject,
              steps: (Array.isArray(wire.steps) ? wire.steps : []).filter(
                (s): s is { [key: string]: Json } =>
                  s !== null && typeof s === 'object' && !Array.isArray(s),
              ),
            });
            let response: DescribeInferenceRecommendationsJobResponse;
            const steps: InferenceRecommendationsJobStep[] = [];
            try {
              response = await client.send(
                new DescribeInferenceRecommendationsJobCommand({ JobName: 'fuzzed-wire' }),
              );
              for await (const page of paginateListInferenceRecommendationsJobSteps(
                { client, pageSize: 100 },
                { JobName: 'fuzzed-wire' },
              )) {
                steps.push(...(page.Steps ?? []));
              }
            } catch (error) {
              // The SDK refused the body: ingest's call fails with this error and is retried.
              expect(error).toBeInstanceOf(Error);
              expect((error as Error).message).not.toBe('');
              refusedBySdk += 1;
              const reason = `${(error as Error).name}: ${(error as Error).message.replace(/\s+/g, ' ').slice(0, 90)}`;
              refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
              return;
            }
            const snapshot = normalize(response, steps);
            normalized += 1;
            expect([...snapshotProblems(snapshot), ...itemProblems(snapshot)]).toEqual([]);
          },
        ),
        fuzzParameters(),
      );
      console.log(
        `wire fuzz: ${normalized} responses normalized, ${refusedBySdk} refused by the SDK:\n` +
          [...refusals]
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8)
            .map(([reason, count]) => `  ${count} × ${reason}`)
            .join('\n'),
      );
      // The property above is only worth something if most mutated bodies get through.
      expect(normalized).toBeGreaterThan(refusedBySdk);
    },
    FUZZ_TIMEOUT_MS,
  );
});
