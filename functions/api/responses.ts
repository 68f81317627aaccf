import * as z from 'zod/mini';
import { bestSchema, JOB_STATUSES } from '../../shared/events.js';
import {
  METRIC_NAMES,
  type BenchmarkStep,
  type EndpointPerformance,
  type Recommendation,
} from '../../shared/model/types.js';
import type { ExistingEndpointPlan, PlanEntry, ScalingSideBySide } from './capacity-plan.js';
import { progressSchema, runningJobSchema } from './progress-schema.js';
import { BEST_METRICS, described, ENDPOINT_TYPES, SORT_FIELDS, type RouteId } from './schemas.js';

/**
 * The zod schemas of every response, for the OpenAPI document (openapi.ts) and for the types of
 * the route handlers. No request needs them at run time: the api loads this module with the
 * document, on the first GET /openapi.json, instead of building them at every cold start.
 */

const isoTime = described(z.string(), 'ISO 8601, UTC');
/** Where a job runs: with its name, what identifies it. */
const location = {
  accountId: described(z.string(), 'The AWS account the job runs in.'),
  region: described(z.string(), 'The AWS region the job runs in.'),
};
const nullableNumber = z.nullable(z.number());
const nullableString = () => z.nullable(z.string());
const integer = () => z.number().check(z.int());

export const metricsSchema = described(
  z.object({
    costPerHour: described(nullableNumber, 'USD per hour'),
    costPerInference: described(nullableNumber, 'USD per inference'),
    maxInvocations: described(nullableNumber, 'Invocations per minute'),
    modelLatency: described(nullableNumber, 'Milliseconds'),
    cpuUtilization: described(nullableNumber, 'Percent of one vCPU, summed: may exceed 100'),
    memoryUtilization: described(nullableNumber, 'Percent'),
    modelSetupTime: nullableNumber,
  }),
  'As SageMaker reported them; null when unknown (missing, NaN or Infinity).',
);

export const derivedSchema = z.object({
  costPerMillionInferences: nullableNumber,
  invocationsPerSecond: nullableNumber,
  paretoOptimal: described(
    z.boolean(),
    'Not dominated within its job on cost per inference, latency and throughput.',
  ),
});

export const serverlessSchema = z.object({
  memorySizeInMB: nullableNumber,
  maxConcurrency: nullableNumber,
  provisionedConcurrency: nullableNumber,
});

export const environmentParameterSchema = z.object({
  key: nullableString(),
  valueType: nullableString(),
  value: nullableString(),
});

export const modelConfigurationSchema = z.object({
  inferenceSpecificationName: nullableString(),
  compilationJobName: nullableString(),
});

const endpointType = z.enum(ENDPOINT_TYPES);
const trimmed = described(
  z.optional(z.array(z.string())),
  'The parts cut to fit DynamoDB’s item size limit; absent when nothing was cut.',
);

export const recommendationSchema = z.object({
  recommendationId: z.string(),
  recommendationIdDerived: described(
    z.boolean(),
    'True when SageMaker gave no id and irwatch derived it from the configuration.',
  ),
  jobName: z.string(),
  ...location,
  endpointType,
  instanceType: nullableString(),
  initialInstanceCount: nullableNumber,
  serverless: z.nullable(serverlessSchema),
  metrics: metricsSchema,
  derived: derivedSchema,
  environmentParameters: z.array(environmentParameterSchema),
  modelConfiguration: z.nullable(modelConfigurationSchema),
  endpointName: nullableString(),
  variantName: nullableString(),
  invocationStartTime: z.nullable(isoTime),
  invocationEndTime: z.nullable(isoTime),
  trimmed,
});

export const benchmarkStepSchema = z.object({
  jobName: z.string(),
  ...location,
  stepIndex: integer(),
  stepType: nullableString(),
  status: nullableString(),
  failureReason: nullableString(),
  endpointType,
  endpointName: nullableString(),
  variantName: nullableString(),
  instanceType: nullableString(),
  initialInstanceCount: nullableNumber,
  serverless: z.nullable(serverlessSchema),
  metrics: metricsSchema,
  endpointMetrics: z.nullable(
    z.object({ maxInvocations: nullableNumber, modelLatency: nullableNumber }),
  ),
  environmentParameters: z.array(environmentParameterSchema),
  modelConfiguration: z.nullable(modelConfigurationSchema),
  invocationStartTime: z.nullable(isoTime),
  invocationEndTime: z.nullable(isoTime),
  trimmed,
});

export const endpointPerformanceSchema = z.object({
  jobName: z.string(),
  ...location,
  endpointName: z.string(),
  maxInvocations: nullableNumber,
  modelLatency: nullableNumber,
});

const jobSummaryShape = {
  jobName: z.string(),
  ...location,
  jobArn: nullableString(),
  jobType: z.nullable(z.enum(['Default', 'Advanced'])),
  jobDescription: nullableString(),
  status: z.enum(JOB_STATUSES),
  creationTime: z.nullable(isoTime),
  completionTime: z.nullable(isoTime),
  lastModifiedTime: z.nullable(isoTime),
  failureReason: nullableString(),
  modelName: nullableString(),
  modelPackageVersionArn: nullableString(),
  recommendationCount: integer(),
  benchmarkCount: integer(),
  failedBenchmarkCount: integer(),
  endpointPerformanceCount: integer(),
  best: bestSchema,
  progress: progressSchema,
};

export const jobSummarySchema = z.object(jobSummaryShape);

/** One schema instance, registered as a component, so its recursion becomes a plain $ref. */
export const jsonValueSchema = z.json();

export const jobSchema = z.object({
  ...jobSummaryShape,
  roleArn: nullableString(),
  inputConfig: described(
    z.nullable(z.record(z.string(), jsonValueSchema)),
    'InputConfig as SageMaker returned it, camelCased.',
  ),
  stoppingConditions: z.nullable(z.record(z.string(), jsonValueSchema)),
  trimmed,
});

const nextCursor = described(
  nullableString(),
  'Pass as `cursor` for the next page; null on the last page.',
);

export const jobListSchema = z.object({
  jobs: z.array(jobSummarySchema),
  sortedBy: described(
    z.enum(['lastModifiedTime', 'creationTime']),
    'Newest first by this time: creationTime when listing a model’s jobs, lastModifiedTime otherwise.',
  ),
  nextCursor,
});

export const modelJobListSchema = z.extend(jobListSchema, { modelName: z.string() });

export const jobDetailSchema = z.object({
  job: jobSchema,
  endpointPerformances: described(
    z.array(endpointPerformanceSchema),
    'Benchmarks of existing endpoints (Advanced jobs given InputConfig.Endpoints).',
  ),
});

export const recommendationListSchema = z.object({
  jobName: z.string(),
  ...location,
  sortBy: z.enum(SORT_FIELDS),
  order: z.enum(['asc', 'desc']),
  matchedCount: described(integer(), 'Recommendations of the job that pass the filters.'),
  recommendations: z.array(recommendationSchema),
  nextCursor,
  runningJob: runningJobSchema,
});

export const productionVariantSchema = described(
  z.union([
    z.object({
      VariantName: z.string(),
      ModelName: nullableString(),
      InstanceType: z.string(),
      InitialInstanceCount: integer(),
    }),
    z.object({
      VariantName: z.string(),
      ModelName: nullableString(),
      ServerlessConfig: z.object({
        MemorySizeInMB: integer(),
        MaxConcurrency: integer(),
        ProvisionedConcurrency: z.optional(integer()),
      }),
    }),
  ]),
  'One entry of CreateEndpointConfig ProductionVariants. ModelName is null when the job benchmarked a model package: create a Model from it first.',
);

export const recommendationDetailSchema = z.object({
  recommendation: recommendationSchema,
  productionVariant: z.nullable(productionVariantSchema),
  environment: described(
    z.record(z.string(), z.string()),
    'The environment the recommendation was measured with: it belongs in the Model’s container Environment (CreateModel), not in the endpoint configuration.',
  ),
  modelPackageVersionArn: nullableString(),
  notes: described(z.array(z.string()), 'What to do before deploying, when anything.'),
});

export const benchmarkListSchema = z.object({
  jobName: z.string(),
  ...location,
  benchmarks: z.array(benchmarkStepSchema),
  nextCursor,
});

export const modelBestSchema = z.object({
  modelName: z.string(),
  best: z.enum(BEST_METRICS),
  recommendation: described(
    z.nullable(recommendationSchema),
    'null when no recommendation of the model passes the filters.',
  ),
  job: described(z.nullable(jobSummarySchema), 'The job the recommendation came from.'),
  jobsConsidered: described(integer(), 'Jobs of the model looked at, newest first.'),
});

export const spreadSchema = described(
  z.nullable(
    z.object({
      count: integer(),
      min: z.number(),
      max: z.number(),
      relativeSpread: described(
        nullableNumber,
        '(max − min) / min; null when min is not positive.',
      ),
    }),
  ),
  'Over the runs that know the metric; null when none does.',
);

export const comparedRunSchema = z.object({
  jobName: z.string(),
  ...location,
  recommendationId: z.string(),
  environmentParameters: z.array(environmentParameterSchema),
  metrics: metricsSchema,
  derived: derivedSchema,
});

export const configurationSchema = z.object({
  endpointType,
  instanceType: nullableString(),
  initialInstanceCount: nullableNumber,
  memorySizeInMB: nullableNumber,
});

export const comparisonSchema = z.object({
  jobs: z.array(jobSummarySchema),
  configurations: z.array(
    z.object({
      key: described(z.string(), 'e.g. ml.g5.xlarge x1, or serverless 2048MB'),
      configuration: configurationSchema,
      runs: z.array(comparedRunSchema),
      spread: z.object(
        Object.fromEntries(METRIC_NAMES.map((name) => [name, spreadSchema])) as Record<
          (typeof METRIC_NAMES)[number],
          typeof spreadSchema
        >,
      ),
    }),
  ),
});

const spanSchema = z.nullable(z.object({ min: z.number(), max: z.number() }));
const awsCliInput = (command: string) =>
  `The input of \`aws ${command} --cli-input-json\`, as the AWS CLI accepts it.`;

export const planDeploymentSchema = described(
  z.object({
    createEndpointConfig: described(
      z.object({
        EndpointConfigName: z.string(),
        ProductionVariants: z.array(z.record(z.string(), z.unknown())),
      }),
      awsCliInput('sagemaker create-endpoint-config'),
    ),
    registerScalableTarget: described(
      z.nullable(
        z.object({
          ServiceNamespace: z.literal('sagemaker'),
          ResourceId: z.string(),
          ScalableDimension: z.literal('sagemaker:variant:DesiredInstanceCount'),
          MinCapacity: integer(),
          MaxCapacity: integer(),
        }),
      ),
      `${awsCliInput('application-autoscaling register-scalable-target')} Null for serverless.`,
    ),
    putScalingPolicy: described(
      z.nullable(
        z.object({
          PolicyName: z.string(),
          ServiceNamespace: z.literal('sagemaker'),
          ResourceId: z.string(),
          ScalableDimension: z.literal('sagemaker:variant:DesiredInstanceCount'),
          PolicyType: z.literal('TargetTrackingScaling'),
          TargetTrackingScalingPolicyConfiguration: z.object({
            TargetValue: z.number(),
            PredefinedMetricSpecification: z.object({
              PredefinedMetricType: z.literal('SageMakerVariantInvocationsPerInstance'),
            }),
          }),
        }),
      ),
      `${awsCliInput('application-autoscaling put-scaling-policy')} Null for serverless.`,
    ),
    notes: z.array(z.string()),
  }),
  'The requests that deploy and scale the entry; null when it cannot serve the traffic.',
);

export const planEntrySchema = z.object({
  rank: integer(),
  recommendationId: z.string(),
  jobName: z.string(),
  ...location,
  endpointType,
  instanceType: nullableString(),
  serverless: z.nullable(serverlessSchema),
  costPerHour: described(nullableNumber, 'USD per instance-hour, as measured'),
  costPerInference: described(nullableNumber, 'USD, as measured'),
  maxInvocations: described(nullableNumber, 'Per minute per instance, as measured'),
  modelLatency: described(nullableNumber, 'Milliseconds, as measured at maxInvocations'),
  plannedInvocationsPerInstance: described(
    nullableNumber,
    'Invocations per minute one instance is planned for: maxInvocations × targetUtilization (the scaling policy’s target value).',
  ),
  instancesAtPeak: z.nullable(integer()),
  instancesAtBaseline: z.nullable(integer()),
  instanceHoursPerMonth: nullableNumber,
  monthlyCost: described(nullableNumber, 'USD per month; null when it cannot serve the traffic'),
  costPerMillionInferences: described(nullableNumber, 'USD at this traffic'),
  latency: described(
    z.enum(['met', 'exceeded', 'unknown', 'notAsked']),
    'modelLatency against maxModelLatency: unknown when not measured, notAsked without a target.',
  ),
  servable: z.boolean(),
  reason: described(nullableString(), 'Why it cannot serve the traffic at all, when it cannot.'),
  runs: described(
    z.nullable(
      z.object({ count: integer(), maxInvocations: spanSchema, modelLatency: spanSchema }),
    ),
    'A model’s plan: how many runs measured this configuration and how far they differ.',
  ),
  deployment: z.nullable(planDeploymentSchema),
  monthlySaving: described(
    nullableNumber,
    'USD per month: the monthly cost of the existing endpoint named by savingsAgainst minus this entry’s (negative: it costs more); null when either is unknown.',
  ),
});

export const existingEndpointPlanSchema = described(
  z.object({
    endpointName: z.string(),
    found: described(
      z.boolean(),
      'False when SageMaker no longer knew the endpoint when the job was recorded (deleted since).',
    ),
    instanceType: nullableString(),
    instanceCount: described(
      z.nullable(integer()),
      'Its instance count when the job was recorded.',
    ),
    costPerHour: described(
      nullableNumber,
      'USD per instance-hour that Inference Recommender measured for its instance type in the job; null when the job did not benchmark that type.',
    ),
    maxInvocations: described(
      nullableNumber,
      'Per minute per instance, as the job measured the endpoint',
    ),
    modelLatency: described(nullableNumber, 'Milliseconds, as the job measured the endpoint'),
    plannedInvocationsPerInstance: nullableNumber,
    instancesAtPeak: z.nullable(integer()),
    instancesAtBaseline: z.nullable(integer()),
    monthlyCost: described(nullableNumber, 'USD per month at this traffic; null when unknown'),
    latency: z.enum(['met', 'exceeded', 'unknown', 'notAsked']),
    reason: described(nullableString(), 'Why its monthly cost is unknown, when it is.'),
  }),
  'An endpoint the job benchmarked (InputConfig.Endpoints), planned like the entries at the same traffic.',
);

const planObjectiveSchema = described(
  z.object({
    peakInvocationsPerMinute: z.number(),
    baselineInvocationsPerMinute: z.number(),
    peakHoursPerDay: z.number(),
    maxModelLatency: nullableNumber,
    targetUtilization: z.number(),
    minInstances: integer(),
    endpointType: z.nullable(endpointType),
    latency: z.enum(['flag', 'exclude']),
    source: z.enum(['irwatch', 'sagemaker']),
  }),
  'The traffic objective planned for, defaults filled in.',
);

const scalingNumber = z.nullable(z.number());
export const scalingSideBySideSchema = described(
  z.object({
    recommendationId: z.string(),
    jobName: z.string(),
    rank: described(integer(), 'The entry’s rank in this plan.'),
    scalingPolicyObjective: described(
      z.object({ minInvocationsPerMinute: integer(), maxInvocationsPerMinute: integer() }),
      'The traffic asked about, in whole invocations per minute: the baseline rounded down, the peak rounded up.',
    ),
    irwatch: described(
      z.object({ minCapacity: integer(), maxCapacity: integer(), targetValue: z.number() }),
      'The entry’s registerScalableTarget capacities and put-scaling-policy target value.',
    ),
    sagemaker: described(
      z.object({
        targetCpuUtilizationPerCore: scalingNumber,
        invocationsPerInstance: scalingNumber,
        modelLatency: scalingNumber,
        minCapacity: scalingNumber,
        maxCapacity: scalingNumber,
        scaleInCooldown: scalingNumber,
        scaleOutCooldown: scalingNumber,
        targetValue: scalingNumber,
        predefinedMetricType: nullableString(),
      }),
      'GetScalingConfigurationRecommendation’s answer: its metric, its capacities and its first target-tracking policy; null where it gave none.',
    ),
  }),
  'With source=sagemaker: SageMaker’s scaling recommendation for the first-ranked real-time entry next to irwatch’s; null otherwise.',
);

const planShape = {
  objective: planObjectiveSchema,
  hoursPerMonth: described(z.number(), 'Hours in a month, as AWS prices it'),
  peakHoursPerMonth: z.number(),
  baselineHoursPerMonth: z.number(),
  inferencesPerMonth: z.number(),
  entries: described(
    z.array(planEntrySchema),
    'Within the latency target first, then unknown latency, then over it, each by monthly cost; those that cannot serve the traffic last.',
  ),
  excludedForLatency: integer(),
  existingEndpoints: described(
    z.array(existingEndpointPlanSchema),
    'The endpoints the job benchmarked: today’s configuration and its monthly cost at this traffic.',
  ),
  savingsAgainst: described(
    nullableString(),
    'The existing endpoint each entry’s monthlySaving is measured against: the first with a known monthly cost.',
  ),
  assumptions: described(z.array(z.string()), 'What the figures rest on.'),
  sagemaker: z.nullable(scalingSideBySideSchema),
};

export const jobPlanSchema = z.object({
  jobName: z.string(),
  ...location,
  modelName: nullableString(),
  ...planShape,
});

export const modelPlanSchema = z.object({
  modelName: z.string(),
  jobsConsidered: integer(),
  ...planShape,
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: integer(),
  detail: z.string(),
  instance: z.string(),
  correlationId: described(z.string(), 'Also in the function’s logs.'),
  invalidParams: z.optional(
    z.array(z.object({ name: z.string(), in: z.enum(['path', 'query']), reason: z.string() })),
  ),
  allowedMethods: z.optional(z.array(z.string())),
  matches: described(
    z.optional(
      z.array(
        z.object({
          jobName: z.string(),
          ...location,
          jobArn: nullableString(),
          status: z.enum(JOB_STATUSES),
        }),
      ),
    ),
    'With a 409: every job the name could mean. Name one by its ARN, or add accountId and region.',
  ),
});

export const openApiDocumentSchema = described(
  z.record(z.string(), z.unknown()),
  'This document (OpenAPI 3.1).',
);

/** Named schemas: components of the OpenAPI document, referenced with $ref. */
export const NAMED_SCHEMAS = {
  JsonValue: jsonValueSchema,
  Recommendation: recommendationSchema,
  Metrics: metricsSchema,
  Derived: derivedSchema,
  BenchmarkStep: benchmarkStepSchema,
  EndpointPerformance: endpointPerformanceSchema,
  Best: bestSchema,
  Progress: progressSchema,
  JobSummary: jobSummarySchema,
  Job: jobSchema,
  JobList: jobListSchema,
  ModelJobList: modelJobListSchema,
  JobDetail: jobDetailSchema,
  RecommendationList: recommendationListSchema,
  ProductionVariant: productionVariantSchema,
  RecommendationDetail: recommendationDetailSchema,
  BenchmarkList: benchmarkListSchema,
  ModelBest: modelBestSchema,
  Spread: spreadSchema,
  Comparison: comparisonSchema,
  Problem: problemSchema,
  PlanEntry: planEntrySchema,
  ScalingSideBySide: scalingSideBySideSchema,
  ExistingEndpointPlan: existingEndpointPlanSchema,
  JobPlan: jobPlanSchema,
  ModelPlan: modelPlanSchema,
} as const;

// The schemas describe exactly what shared/model/types.ts stores: a drift fails type-checking.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<z.infer<typeof recommendationSchema>, Recommendation>,
  Same<z.infer<typeof benchmarkStepSchema>, BenchmarkStep>,
  Same<z.infer<typeof endpointPerformanceSchema>, EndpointPerformance>,
] = [true, true, true];
void sameShapes;
const samePlanShapes: [
  Same<z.infer<typeof planEntrySchema>, PlanEntry>,
  Same<z.infer<typeof scalingSideBySideSchema>, ScalingSideBySide>,
  Same<z.infer<typeof existingEndpointPlanSchema>, ExistingEndpointPlan>,
] = [true, true, true];
void samePlanShapes;

/** What each route answers with (200). */
export const RESPONSES = {
  listJobs: jobListSchema,
  getJob: jobDetailSchema,
  listRecommendations: recommendationListSchema,
  getRecommendation: recommendationDetailSchema,
  listBenchmarks: benchmarkListSchema,
  listModelJobs: modelJobListSchema,
  bestModelRecommendation: modelBestSchema,
  compareJobs: comparisonSchema,
  jobPlan: jobPlanSchema,
  modelPlan: modelPlanSchema,
  openApi: openApiDocumentSchema,
} as const satisfies Record<RouteId, z.ZodMiniType>;
