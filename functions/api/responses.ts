import * as z from 'zod';
import { bestSchema, JOB_STATUSES } from '../../shared/events.js';
import {
  METRIC_NAMES,
  type BenchmarkStep,
  type EndpointPerformance,
  type Recommendation,
} from '../../shared/model/types.js';
import { BEST_METRICS, ENDPOINT_TYPES, SORT_FIELDS, type RouteId } from './schemas.js';

/**
 * The zod schemas of every response, for the OpenAPI document (openapi.ts) and for the types of
 * the route handlers. No request needs them at run time: the api loads this module with the
 * document, on the first GET /openapi.json, instead of building them at every cold start.
 */

const isoTime = z.string().describe('ISO 8601, UTC');
const nullableNumber = z.number().nullable();

export const metricsSchema = z
  .object({
    costPerHour: nullableNumber.describe('USD per hour'),
    costPerInference: nullableNumber.describe('USD per inference'),
    maxInvocations: nullableNumber.describe('Invocations per minute'),
    modelLatency: nullableNumber.describe('Milliseconds'),
    cpuUtilization: nullableNumber.describe('Percent of one vCPU, summed: may exceed 100'),
    memoryUtilization: nullableNumber.describe('Percent'),
    modelSetupTime: nullableNumber,
  })
  .describe('As SageMaker reported them; null when unknown (missing, NaN or Infinity).');

export const derivedSchema = z.object({
  costPerMillionInferences: nullableNumber,
  invocationsPerSecond: nullableNumber,
  paretoOptimal: z
    .boolean()
    .describe('Not dominated within its job on cost per inference, latency and throughput.'),
});

export const serverlessSchema = z.object({
  memorySizeInMB: nullableNumber,
  maxConcurrency: nullableNumber,
  provisionedConcurrency: nullableNumber,
});

export const environmentParameterSchema = z.object({
  key: z.string().nullable(),
  valueType: z.string().nullable(),
  value: z.string().nullable(),
});

export const modelConfigurationSchema = z.object({
  inferenceSpecificationName: z.string().nullable(),
  compilationJobName: z.string().nullable(),
});

const endpointType = z.enum(ENDPOINT_TYPES);
const trimmed = z
  .array(z.string())
  .optional()
  .describe('The parts cut to fit DynamoDB’s item size limit; absent when nothing was cut.');

export const recommendationSchema = z.object({
  recommendationId: z.string(),
  recommendationIdDerived: z
    .boolean()
    .describe('True when SageMaker gave no id and irwatch derived it from the configuration.'),
  jobName: z.string(),
  endpointType,
  instanceType: z.string().nullable(),
  initialInstanceCount: nullableNumber,
  serverless: serverlessSchema.nullable(),
  metrics: metricsSchema,
  derived: derivedSchema,
  environmentParameters: z.array(environmentParameterSchema),
  modelConfiguration: modelConfigurationSchema.nullable(),
  endpointName: z.string().nullable(),
  variantName: z.string().nullable(),
  invocationStartTime: isoTime.nullable(),
  invocationEndTime: isoTime.nullable(),
  trimmed,
});

export const benchmarkStepSchema = z.object({
  jobName: z.string(),
  stepIndex: z.number().int(),
  stepType: z.string().nullable(),
  status: z.string().nullable(),
  failureReason: z.string().nullable(),
  endpointType,
  endpointName: z.string().nullable(),
  variantName: z.string().nullable(),
  instanceType: z.string().nullable(),
  initialInstanceCount: nullableNumber,
  serverless: serverlessSchema.nullable(),
  metrics: metricsSchema,
  endpointMetrics: z
    .object({ maxInvocations: nullableNumber, modelLatency: nullableNumber })
    .nullable(),
  environmentParameters: z.array(environmentParameterSchema),
  modelConfiguration: modelConfigurationSchema.nullable(),
  invocationStartTime: isoTime.nullable(),
  invocationEndTime: isoTime.nullable(),
  trimmed,
});

export const endpointPerformanceSchema = z.object({
  jobName: z.string(),
  endpointName: z.string(),
  maxInvocations: nullableNumber,
  modelLatency: nullableNumber,
});

const jobSummaryShape = {
  jobName: z.string(),
  jobArn: z.string().nullable(),
  jobType: z.enum(['Default', 'Advanced']).nullable(),
  jobDescription: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  creationTime: isoTime.nullable(),
  completionTime: isoTime.nullable(),
  lastModifiedTime: isoTime.nullable(),
  failureReason: z.string().nullable(),
  modelName: z.string().nullable(),
  modelPackageVersionArn: z.string().nullable(),
  recommendationCount: z.number().int(),
  benchmarkCount: z.number().int(),
  failedBenchmarkCount: z.number().int(),
  endpointPerformanceCount: z.number().int(),
  best: bestSchema,
};

export const jobSummarySchema = z.object(jobSummaryShape);

/** One schema instance, registered as a component, so its recursion becomes a plain $ref. */
export const jsonValueSchema = z.json();

export const jobSchema = z.object({
  ...jobSummaryShape,
  roleArn: z.string().nullable(),
  inputConfig: z
    .record(z.string(), jsonValueSchema)
    .nullable()
    .describe('InputConfig as SageMaker returned it, camelCased.'),
  stoppingConditions: z.record(z.string(), jsonValueSchema).nullable(),
  trimmed,
});

const nextCursor = z
  .string()
  .nullable()
  .describe('Pass as `cursor` for the next page; null on the last page.');

export const jobListSchema = z.object({
  jobs: z.array(jobSummarySchema),
  sortedBy: z
    .enum(['lastModifiedTime', 'creationTime'])
    .describe(
      'Newest first by this time: creationTime when listing a model’s jobs, lastModifiedTime otherwise.',
    ),
  nextCursor,
});

export const modelJobListSchema = jobListSchema.extend({ modelName: z.string() });

export const jobDetailSchema = z.object({
  job: jobSchema,
  endpointPerformances: z
    .array(endpointPerformanceSchema)
    .describe('Benchmarks of existing endpoints (Advanced jobs given InputConfig.Endpoints).'),
});

export const recommendationListSchema = z.object({
  jobName: z.string(),
  sortBy: z.enum(SORT_FIELDS),
  order: z.enum(['asc', 'desc']),
  matchedCount: z.number().int().describe('Recommendations of the job that pass the filters.'),
  recommendations: z.array(recommendationSchema),
  nextCursor,
});

export const productionVariantSchema = z
  .union([
    z.object({
      VariantName: z.string(),
      ModelName: z.string().nullable(),
      InstanceType: z.string(),
      InitialInstanceCount: z.number().int(),
    }),
    z.object({
      VariantName: z.string(),
      ModelName: z.string().nullable(),
      ServerlessConfig: z.object({
        MemorySizeInMB: z.number().int(),
        MaxConcurrency: z.number().int(),
        ProvisionedConcurrency: z.number().int().optional(),
      }),
    }),
  ])
  .describe(
    'One entry of CreateEndpointConfig ProductionVariants. ModelName is null when the job benchmarked a model package: create a Model from it first.',
  );

export const recommendationDetailSchema = z.object({
  recommendation: recommendationSchema,
  productionVariant: productionVariantSchema.nullable(),
  environment: z
    .record(z.string(), z.string())
    .describe(
      'The environment the recommendation was measured with: it belongs in the Model’s container Environment (CreateModel), not in the endpoint configuration.',
    ),
  modelPackageVersionArn: z.string().nullable(),
  notes: z.array(z.string()).describe('What to do before deploying, when anything.'),
});

export const benchmarkListSchema = z.object({
  jobName: z.string(),
  benchmarks: z.array(benchmarkStepSchema),
  nextCursor,
});

export const modelBestSchema = z.object({
  modelName: z.string(),
  best: z.enum(BEST_METRICS),
  recommendation: recommendationSchema
    .nullable()
    .describe('null when no recommendation of the model passes the filters.'),
  job: jobSummarySchema.nullable().describe('The job the recommendation came from.'),
  jobsConsidered: z.number().int().describe('Jobs of the model looked at, newest first.'),
});

export const spreadSchema = z
  .object({
    count: z.number().int(),
    min: z.number(),
    max: z.number(),
    relativeSpread: z
      .number()
      .nullable()
      .describe('(max − min) / min; null when min is not positive.'),
  })
  .nullable()
  .describe('Over the runs that know the metric; null when none does.');

export const comparedRunSchema = z.object({
  jobName: z.string(),
  recommendationId: z.string(),
  environmentParameters: z.array(environmentParameterSchema),
  metrics: metricsSchema,
  derived: derivedSchema,
});

export const configurationSchema = z.object({
  endpointType,
  instanceType: z.string().nullable(),
  initialInstanceCount: nullableNumber,
  memorySizeInMB: nullableNumber,
});

export const comparisonSchema = z.object({
  jobs: z.array(jobSummarySchema),
  configurations: z.array(
    z.object({
      key: z.string().describe('e.g. ml.g5.xlarge x1, or serverless 2048MB'),
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

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  correlationId: z.string().describe('Also in the function’s logs.'),
  invalidParams: z
    .array(z.object({ name: z.string(), in: z.enum(['path', 'query']), reason: z.string() }))
    .optional(),
  allowedMethods: z.array(z.string()).optional(),
});

export const openApiDocumentSchema = z
  .record(z.string(), z.unknown())
  .describe('This document (OpenAPI 3.1).');

/** Named schemas: components of the OpenAPI document, referenced with $ref. */
export const NAMED_SCHEMAS = {
  JsonValue: jsonValueSchema,
  Recommendation: recommendationSchema,
  Metrics: metricsSchema,
  Derived: derivedSchema,
  BenchmarkStep: benchmarkStepSchema,
  EndpointPerformance: endpointPerformanceSchema,
  Best: bestSchema,
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
} as const;

// The schemas describe exactly what shared/model/types.ts stores: a drift fails type-checking.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<z.infer<typeof recommendationSchema>, Recommendation>,
  Same<z.infer<typeof benchmarkStepSchema>, BenchmarkStep>,
  Same<z.infer<typeof endpointPerformanceSchema>, EndpointPerformance>,
] = [true, true, true];
void sameShapes;

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
  openApi: openApiDocumentSchema,
} as const satisfies Record<RouteId, z.ZodType>;
