import * as z from 'zod';
import {
  bestSchema,
  JOB_NAME_PATTERN,
  JOB_NAME_RULE,
  JOB_STATUSES,
  jobNameSchema,
} from '../../shared/events.js';
import {
  DERIVED_METRIC_NAMES,
  HIGHER_IS_BETTER_METRICS,
  METRIC_NAMES,
  type BenchmarkStep,
  type EndpointPerformance,
  type Recommendation,
} from '../../shared/model/types.js';

/**
 * The zod schemas of every route: path and query parameters (parsed from the strings API Gateway
 * delivers into typed values) and responses. The router validates with them and openapi.ts turns
 * the very same schemas into the OpenAPI document.
 */

// ---------------------------------------------------------------------------------------------
// Parameters.

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;
export const MAX_COMPARED_JOBS = 10;

export const SORT_FIELDS = [...METRIC_NAMES, ...DERIVED_METRIC_NAMES] as const;
export type SortField = (typeof SORT_FIELDS)[number];
/** Fields where more is better: their default order is descending. */
export const HIGHER_IS_BETTER: ReadonlySet<SortField> = new Set(HIGHER_IS_BETTER_METRICS);
export const BEST_METRICS = ['costPerInference', 'modelLatency', 'maxInvocations'] as const;
export type BestMetric = (typeof BEST_METRICS)[number];
export const ENDPOINT_TYPES = ['RealTime', 'Serverless'] as const;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INSTANCE_TYPE = /^ml\.[a-z0-9]+(\.[a-z0-9]+)?$/;
const MODEL_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const MODEL_PACKAGE_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[\w./-]{1,400}$/;

const oneOf = (values: readonly string[]) => `must be one of ${values.join(', ')}`;

const finiteNumber = (description: string) =>
  z
    .string()
    .regex(NUMBER, 'must be a finite number such as 200, 0.5 or 1e-6')
    .transform(Number)
    .pipe(z.number({ error: 'must be a finite number such as 200, 0.5 or 1e-6' }))
    .optional()
    .describe(description);

const limit = z
  .string()
  .regex(/^\d{1,9}$/, `must be a whole number from 1 to ${MAX_LIMIT}`)
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(1, `must be a whole number from 1 to ${MAX_LIMIT}`)
      .max(MAX_LIMIT, `must be a whole number from 1 to ${MAX_LIMIT}`),
  )
  .optional()
  .default(DEFAULT_LIMIT)
  .describe(`Page size, 1 to ${MAX_LIMIT}.`);

const cursor = z
  .string()
  .max(4096, 'must be the nextCursor of the previous page, unchanged')
  .optional()
  .describe(
    'The `nextCursor` of the previous page, unchanged. It only continues the same route with the same query parameters (`limit` may change).',
  );

const booleanFlag = (description: string) =>
  z
    .stringbool({
      truthy: ['true'],
      falsy: ['false'],
      case: 'sensitive',
      error: 'must be true or false',
    })
    .optional()
    .default(false)
    .describe(description);

const createdAfter = z
  .string()
  .max(64, 'must be an ISO 8601 date-time such as 2024-11-24T00:00:00Z')
  .pipe(
    z.iso.datetime({
      offset: true,
      error: 'must be an ISO 8601 date-time such as 2024-11-24T00:00:00Z',
    }),
  )
  .transform((value) => new Date(value).toISOString())
  .pipe(z.iso.datetime())
  .optional()
  .describe('Only jobs created strictly after this time (ISO 8601).');

const status = z
  .enum(JOB_STATUSES, { error: oneOf(JOB_STATUSES) })
  .optional()
  .describe('Only jobs in this status.');

export const modelRefSchema = z
  .string()
  .max(2048, 'must be a SageMaker model name or a model package version ARN')
  .refine(
    (value) => MODEL_NAME.test(value) || MODEL_PACKAGE_ARN.test(value),
    'must be a SageMaker model name or a model package version ARN (URL-encoded)',
  )
  .describe(
    'The model name, or the model package version ARN the job benchmarked (URL-encode it: it holds slashes).',
  );

const jobName = z
  .string()
  .max(64, JOB_NAME_RULE)
  .regex(JOB_NAME_PATTERN, JOB_NAME_RULE)
  .describe('The Inference Recommender job name.');

export const recommendationFilterShape = {
  maxModelLatency: finiteNumber('Only recommendations with a known modelLatency ≤ this (ms).'),
  minMaxInvocations: finiteNumber(
    'Only recommendations with a known maxInvocations (per minute) ≥ this.',
  ),
  maxCostPerHour: finiteNumber('Only recommendations with a known costPerHour ≤ this (USD).'),
  maxCostPerInference: finiteNumber(
    'Only recommendations with a known costPerInference ≤ this (USD).',
  ),
  instanceType: z
    .string()
    .max(64, 'must be an instance type such as ml.g5.xlarge or a family such as ml.g5')
    .regex(INSTANCE_TYPE, 'must be an instance type such as ml.g5.xlarge or a family such as ml.g5')
    .optional()
    .describe(
      'An instance type (ml.g5.xlarge) or a family (ml.g5, matching ml.g5.*). Excludes serverless recommendations.',
    ),
  endpointType: z
    .enum(ENDPOINT_TYPES, { error: oneOf(ENDPOINT_TYPES) })
    .optional()
    .describe('Only RealTime or only Serverless recommendations.'),
  paretoOnly: booleanFlag(
    'true: only Pareto-optimal recommendations of their job (cost per inference, latency, throughput). false: no filter.',
  ),
};

export const jobPathSchema = z.object({ jobName });
export const recommendationPathSchema = z.object({
  jobName,
  id: z
    .string()
    .min(1)
    .max(512, 'must be a recommendation id of at most 512 characters')
    .refine(
      (value) => ![...value].some((char) => char.charCodeAt(0) < 0x20 || char === '\u007f'),
      'must not hold control characters',
    )
    .describe(
      'The recommendationId (`<jobName>/<8 characters>`, URL-encoded as `<jobName>%2F<8 characters>`), or only the part after the slash.',
    ),
});
export const modelPathSchema = z.object({ modelName: modelRefSchema });
export const noPathSchema = z.object({});

export const listJobsQuerySchema = z.strictObject({
  status,
  modelName: modelRefSchema.optional().describe('Only jobs of this model (name or package ARN).'),
  createdAfter,
  limit,
  cursor,
});
export const modelJobsQuerySchema = z.strictObject({ status, createdAfter, limit, cursor });
export const pageQuerySchema = z.strictObject({ limit, cursor });
export const noQuerySchema = z.strictObject({});

export const listRecommendationsQuerySchema = z.strictObject({
  sortBy: z
    .enum(SORT_FIELDS, { error: oneOf(SORT_FIELDS) })
    .optional()
    .default('costPerInference')
    .describe('The metric or derived metric to sort by. Unknown values (null) sort last.'),
  order: z
    .enum(['asc', 'desc'], { error: oneOf(['asc', 'desc']) })
    .optional()
    .describe(
      'Sort direction. Default: best first, i.e. desc for maxInvocations and invocationsPerSecond, asc otherwise.',
    ),
  ...recommendationFilterShape,
  limit,
  cursor,
});

export const modelRecommendationsQuerySchema = z.strictObject({
  best: z
    .enum(BEST_METRICS, { error: oneOf(BEST_METRICS) })
    .optional()
    .default('costPerInference')
    .describe(
      'What "best" means: the lowest costPerInference or modelLatency, or the highest maxInvocations.',
    ),
  ...recommendationFilterShape,
});

export const compareQuerySchema = z.strictObject({
  jobs: z
    .string({
      error: `is required: 1 to ${MAX_COMPARED_JOBS} comma-separated job names, e.g. jobs=run-1,run-2`,
    })
    .max(1024, `must list 1 to ${MAX_COMPARED_JOBS} comma-separated job names`)
    .transform((value) => value.split(','))
    .pipe(
      z
        .array(jobNameSchema)
        .min(1)
        .max(MAX_COMPARED_JOBS, `must list 1 to ${MAX_COMPARED_JOBS} comma-separated job names`)
        .refine((names) => new Set(names).size === names.length, 'must not name a job twice'),
    )
    .describe(`1 to ${MAX_COMPARED_JOBS} job names, comma-separated (jobs=run-1,run-2).`),
});

// ---------------------------------------------------------------------------------------------
// Responses.

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

// ---------------------------------------------------------------------------------------------
// Routes: what the router matches and validates, and what the OpenAPI document lists.

export interface RouteSpec {
  method: 'GET';
  /** `{name}` is one path segment; `{name+}` one or more, for values that hold slashes. */
  pattern: string;
  summary: string;
  description?: string;
  path: z.ZodObject;
  query: z.ZodObject;
  response: z.ZodType;
  /** The problem statuses the route answers besides 500. */
  errors: ReadonlyArray<400 | 404>;
}

export const ROUTES = {
  listJobs: {
    method: 'GET',
    pattern: '/jobs',
    summary: 'Jobs, newest first',
    description:
      'By status (GSI1, newest lastModifiedTime first), by model (GSI2, newest creationTime first), or all jobs (every status partition of GSI1, merged newest first).',
    path: noPathSchema,
    query: listJobsQuerySchema,
    response: jobListSchema,
    errors: [400],
  },
  getJob: {
    method: 'GET',
    pattern: '/jobs/{jobName}',
    summary: 'A job with its best recommendations, counts and endpoint performances',
    path: jobPathSchema,
    query: noQuerySchema,
    response: jobDetailSchema,
    errors: [400, 404],
  },
  listRecommendations: {
    method: 'GET',
    pattern: '/jobs/{jobName}/recommendations',
    summary: 'A job’s recommendations, filtered and sorted',
    description:
      'Filters on a metric exclude recommendations where that metric is unknown. Ties and unknown values sort by recommendationId.',
    path: jobPathSchema,
    query: listRecommendationsQuerySchema,
    response: recommendationListSchema,
    errors: [400, 404],
  },
  getRecommendation: {
    method: 'GET',
    pattern: '/jobs/{jobName}/recommendations/{id+}',
    summary: 'One recommendation and the ProductionVariant that deploys it',
    path: recommendationPathSchema,
    query: noQuerySchema,
    response: recommendationDetailSchema,
    errors: [400, 404],
  },
  listBenchmarks: {
    method: 'GET',
    pattern: '/jobs/{jobName}/benchmarks',
    summary: 'A job’s benchmark steps, failed ones with their reasons',
    path: jobPathSchema,
    query: pageQuerySchema,
    response: benchmarkListSchema,
    errors: [400, 404],
  },
  listModelJobs: {
    method: 'GET',
    pattern: '/models/{modelName+}/jobs',
    summary: 'The jobs of a model, newest creationTime first',
    path: modelPathSchema,
    query: modelJobsQuerySchema,
    response: modelJobListSchema,
    errors: [400, 404],
  },
  bestModelRecommendation: {
    method: 'GET',
    pattern: '/models/{modelName+}/recommendations',
    summary: 'The best recommendation for a model across its jobs, with the job it came from',
    description:
      'Looks at the 50 newest jobs of the model. Filters on a metric exclude recommendations where that metric is unknown.',
    path: modelPathSchema,
    query: modelRecommendationsQuerySchema,
    response: modelBestSchema,
    errors: [400, 404],
  },
  compareJobs: {
    method: 'GET',
    pattern: '/compare',
    summary: 'The same configurations side by side across jobs, with the spread of each metric',
    description:
      'Groups the recommendations of the jobs by configuration: instance type and count, or serverless memory size.',
    path: noPathSchema,
    query: compareQuerySchema,
    response: comparisonSchema,
    errors: [400, 404],
  },
  openApi: {
    method: 'GET',
    pattern: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    path: noPathSchema,
    query: noQuerySchema,
    response: openApiDocumentSchema,
    errors: [400],
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof ROUTES;
