import * as z from 'zod/mini';
import { isAccountId, isRegion, parseJobArn } from '../../shared/accounts.js';
// Not shared/events.js: its event schemas would be built at every cold start of the api.
import { isJobName, JOB_NAME_RULE } from '../../shared/event-names.js';
import { JOB_STATUSES } from '../../shared/job-status.js';
import { DERIVED_METRIC_NAMES, METRIC_NAMES } from '../../shared/model/types.js';

// zod/mini builds a schema at a fraction of classic zod's cost, which every cold start pays. It
// carries no messages of its own and no locale is loaded: every rule below that a request can
// break names its message (what a 400's invalidParams reason says); the api fuzz test fails on
// zod's bare "Invalid input".

/**
 * The zod schemas of every route's path and query parameters (parsed from the strings API Gateway
 * delivers into typed values), and the route table. The router validates with them and openapi.ts
 * turns the very same schemas, with the response schemas of responses.ts, into the OpenAPI
 * document.
 */

// ---------------------------------------------------------------------------------------------
// Parameters.

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;
export const MAX_COMPARED_JOBS = 10;

export const SORT_FIELDS = [...METRIC_NAMES, ...DERIVED_METRIC_NAMES] as const;
export type SortField = (typeof SORT_FIELDS)[number];
export const BEST_METRICS = ['costPerInference', 'modelLatency', 'maxInvocations'] as const;
export type BestMetric = (typeof BEST_METRICS)[number];
export const ENDPOINT_TYPES = ['RealTime', 'Serverless'] as const;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INSTANCE_TYPE = /^ml\.[a-z0-9]+(\.[a-z0-9]+)?$/;
const MODEL_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const MODEL_PACKAGE_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[\w./-]{1,400}$/;

const oneOf = (values: readonly string[]) => `must be one of ${values.join(', ')}`;

/**
 * A copy of `schema` carrying the description the OpenAPI document gives it, as classic zod's
 * `.describe` makes one (a copy, so that one schema can be described differently where it is
 * used).
 */
export const described = <T extends z.ZodMiniType>(schema: T, description: string): T => {
  const copy = schema.clone();
  z.globalRegistry.add(copy, { description });
  return copy;
};

const NUMBER_RULE = 'must be a finite number such as 200, 0.5 or 1e-6';
const finiteNumber = z.optional(
  z.pipe(
    z.pipe(z.string().check(z.regex(NUMBER, NUMBER_RULE)), z.transform(Number)),
    z.number({ error: NUMBER_RULE }),
  ),
);

const LIMIT_RULE = `must be a whole number from 1 to ${MAX_LIMIT}`;
const limit = z._default(
  z.optional(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d{1,9}$/, LIMIT_RULE)), z.transform(Number)),
      z.number().check(z.int(), z.minimum(1, LIMIT_RULE), z.maximum(MAX_LIMIT, LIMIT_RULE)),
    ),
  ),
  DEFAULT_LIMIT,
);

const cursor = z.optional(
  z.string().check(z.maxLength(4096, 'must be the nextCursor of the previous page, unchanged')),
);

const booleanFlag = z._default(
  z.optional(
    z.stringbool({
      truthy: ['true'],
      falsy: ['false'],
      case: 'sensitive',
      error: 'must be true or false',
    }),
  ),
  false,
);

const DATE_TIME_RULE = 'must be an ISO 8601 date-time such as 2024-11-24T00:00:00Z';
const createdAfter = z.optional(
  z.pipe(
    z.pipe(
      z.pipe(
        z.string().check(z.maxLength(64, DATE_TIME_RULE)),
        z.iso.datetime({ offset: true, error: DATE_TIME_RULE }),
      ),
      z.transform((value: string) => new Date(value).toISOString()),
    ),
    z.iso.datetime({ error: 'must be a date-time before the year 10000 in UTC' }),
  ),
);

const status = z.optional(z.enum(JOB_STATUSES, { error: oneOf(JOB_STATUSES) }));

const MODEL_REF_RULE = 'must be a SageMaker model name or a model package version ARN';
export const modelRefSchema = z.string().check(
  z.maxLength(2048, MODEL_REF_RULE),
  z.refine(
    (value) => MODEL_NAME.test(value) || MODEL_PACKAGE_ARN.test(value),
    `${MODEL_REF_RULE} (URL-encoded)`,
  ),
);

const JOB_REF_RULE = `must be a job name (${JOB_NAME_RULE}) or an Inference Recommender job ARN`;
const jobName = z.string().check(
  z.maxLength(256, JOB_REF_RULE),
  z.refine((value) => isJobName(value) || parseJobArn(value) !== undefined, JOB_REF_RULE),
);

const ACCOUNT_RULE = 'must be a 12-digit AWS account ID';
const REGION_RULE = 'must be an AWS region name such as us-east-1';
/** Where a job runs: to name one of several jobs of the same name, or to filter a list. */
const location = {
  accountId: z.optional(z.string().check(z.refine(isAccountId, ACCOUNT_RULE))),
  region: z.optional(z.string().check(z.refine(isRegion, REGION_RULE))),
};

const INSTANCE_TYPE_RULE =
  'must be an instance type such as ml.g5.xlarge or a family such as ml.g5';
export const recommendationFilterShape = {
  maxModelLatency: finiteNumber,
  minMaxInvocations: finiteNumber,
  maxCostPerHour: finiteNumber,
  maxCostPerInference: finiteNumber,
  instanceType: z.optional(
    z
      .string()
      .check(z.maxLength(64, INSTANCE_TYPE_RULE), z.regex(INSTANCE_TYPE, INSTANCE_TYPE_RULE)),
  ),
  endpointType: z.optional(z.enum(ENDPOINT_TYPES, { error: oneOf(ENDPOINT_TYPES) })),
  paretoOnly: booleanFlag,
};

export const jobPathSchema = z.object({ jobName });
export const recommendationPathSchema = z.object({
  jobName,
  id: z.string().check(
    z.minLength(1),
    z.maxLength(512, 'must be a recommendation id of at most 512 characters'),
    z.refine(
      (value) => ![...value].some((char) => char.charCodeAt(0) < 0x20 || char === '\u007f'),
      'must not hold control characters',
    ),
  ),
});
export const modelPathSchema = z.object({ modelName: modelRefSchema });
export const noPathSchema = z.object({});

export const listJobsQuerySchema = z.strictObject({
  status,
  ...location,
  modelName: z.optional(modelRefSchema),
  createdAfter,
  limit,
  cursor,
});
export const modelJobsQuerySchema = z.strictObject({
  status,
  ...location,
  createdAfter,
  limit,
  cursor,
});
export const jobQuerySchema = z.strictObject({ ...location });
export const jobPageQuerySchema = z.strictObject({ ...location, limit, cursor });
export const noQuerySchema = z.strictObject({});

export const listRecommendationsQuerySchema = z.strictObject({
  sortBy: z._default(
    z.optional(z.enum(SORT_FIELDS, { error: oneOf(SORT_FIELDS) })),
    'costPerInference',
  ),
  ...location,
  order: z.optional(z.enum(['asc', 'desc'], { error: oneOf(['asc', 'desc']) })),
  ...recommendationFilterShape,
  limit,
  cursor,
});

export const modelRecommendationsQuerySchema = z.strictObject({
  best: z._default(
    z.optional(z.enum(BEST_METRICS, { error: oneOf(BEST_METRICS) })),
    'costPerInference',
  ),
  ...location,
  ...recommendationFilterShape,
});

const COMPARED_RULE = `must list 1 to ${MAX_COMPARED_JOBS} comma-separated job names or ARNs`;
export const compareQuerySchema = z.strictObject({
  jobs: z.pipe(
    z.pipe(
      z
        .string({
          error: `is required: 1 to ${MAX_COMPARED_JOBS} comma-separated job names, e.g. jobs=run-1,run-2`,
        })
        .check(z.maxLength(1024, COMPARED_RULE)),
      z.transform((value: string) => value.split(',')),
    ),
    z.array(jobName).check(
      z.minLength(1),
      z.maxLength(MAX_COMPARED_JOBS, COMPARED_RULE),
      z.refine((names) => new Set(names).size === names.length, 'must not name a job twice'),
    ),
  ),
});

// ---------------------------------------------------------------------------------------------
// The capacity plan's parameters (capacity-plan.ts computes it).

export const PLAN_DEFAULTS = {
  peakHoursPerDay: 24,
  targetUtilization: 0.7,
  minInstances: 1,
} as const;
export const PLAN_LATENCY_HANDLING = ['flag', 'exclude'] as const;
export const PLAN_SOURCES = ['irwatch', 'sagemaker'] as const;
const MAX_INVOCATIONS_PER_MINUTE = 1e9;

/** A number in a range, from its query string; `bounds` say the range in the message too. */
const numberIn = (
  bounds: { above?: number; min?: number; max: number; integer?: boolean },
  rule: string,
) =>
  z.pipe(
    z.pipe(z.string().check(z.regex(NUMBER, rule)), z.transform(Number)),
    z
      .number({ error: rule })
      .check(
        z.refine(
          (value) =>
            Number.isFinite(value) &&
            (bounds.above === undefined || value > bounds.above) &&
            (bounds.min === undefined || value >= bounds.min) &&
            value <= bounds.max &&
            (!bounds.integer || Number.isInteger(value)),
          rule,
        ),
      ),
  );

const PEAK_RULE = `must be a number of invocations per minute above 0 and at most ${MAX_INVOCATIONS_PER_MINUTE}, such as 250`;
const BASELINE_RULE = `must be a number of invocations per minute from 0 to the peak, such as 80`;
const PEAK_HOURS_RULE = 'must be a number of hours above 0 and at most 24, such as 10';
const PLAN_LATENCY_RULE = 'must be a latency in milliseconds above 0, such as 2000';
const UTILIZATION_RULE = 'must be a share from 0.1 to 1, such as 0.7';
const MIN_INSTANCES_RULE = 'must be a whole number of instances from 1 to 1000';

const planShape = {
  peakInvocationsPerMinute: z.pipe(
    z.string({ error: `is required: ${PEAK_RULE}` }),
    numberIn({ above: 0, max: MAX_INVOCATIONS_PER_MINUTE }, PEAK_RULE),
  ),
  baselineInvocationsPerMinute: z.optional(
    numberIn({ min: 0, max: MAX_INVOCATIONS_PER_MINUTE }, BASELINE_RULE),
  ),
  peakHoursPerDay: z._default(
    z.optional(numberIn({ above: 0, max: 24 }, PEAK_HOURS_RULE)),
    PLAN_DEFAULTS.peakHoursPerDay,
  ),
  maxModelLatency: z.optional(numberIn({ above: 0, max: 3_600_000 }, PLAN_LATENCY_RULE)),
  targetUtilization: z._default(
    z.optional(numberIn({ min: 0.1, max: 1 }, UTILIZATION_RULE)),
    PLAN_DEFAULTS.targetUtilization,
  ),
  minInstances: z._default(
    z.optional(numberIn({ min: 1, max: 1000, integer: true }, MIN_INSTANCES_RULE)),
    PLAN_DEFAULTS.minInstances,
  ),
  endpointType: recommendationFilterShape.endpointType,
  latency: z._default(
    z.optional(z.enum(PLAN_LATENCY_HANDLING, { error: oneOf(PLAN_LATENCY_HANDLING) })),
    'flag',
  ),
  source: z._default(z.optional(z.enum(PLAN_SOURCES, { error: oneOf(PLAN_SOURCES) })), 'irwatch'),
};

export const jobPlanQuerySchema = z.strictObject({ ...planShape, ...location });
export const modelPlanQuerySchema = z.strictObject({ ...planShape, ...location });

// ---------------------------------------------------------------------------------------------
// Routes: what the router matches and validates, and what the OpenAPI document lists.

export interface RouteSpec {
  method: 'GET';
  /** `{name}` is one path segment; `{name+}` one or more, for values that hold slashes. */
  pattern: string;
  path: z.ZodMiniObject;
  query: z.ZodMiniObject;
  /** The problem statuses the route answers besides 500. */
  errors: ReadonlyArray<400 | 404 | 409 | 502 | 503>;
}

export const ROUTES = {
  listJobs: {
    method: 'GET',
    pattern: '/jobs',
    path: noPathSchema,
    query: listJobsQuerySchema,
    errors: [400],
  },
  getJob: {
    method: 'GET',
    pattern: '/jobs/{jobName}',
    path: jobPathSchema,
    query: jobQuerySchema,
    errors: [400, 404, 409],
  },
  listRecommendations: {
    method: 'GET',
    pattern: '/jobs/{jobName}/recommendations',
    path: jobPathSchema,
    query: listRecommendationsQuerySchema,
    errors: [400, 404, 409],
  },
  getRecommendation: {
    method: 'GET',
    pattern: '/jobs/{jobName}/recommendations/{id+}',
    path: recommendationPathSchema,
    query: jobQuerySchema,
    errors: [400, 404, 409],
  },
  listBenchmarks: {
    method: 'GET',
    pattern: '/jobs/{jobName}/benchmarks',
    path: jobPathSchema,
    query: jobPageQuerySchema,
    errors: [400, 404, 409],
  },
  listModelJobs: {
    method: 'GET',
    pattern: '/models/{modelName+}/jobs',
    path: modelPathSchema,
    query: modelJobsQuerySchema,
    errors: [400, 404],
  },
  bestModelRecommendation: {
    method: 'GET',
    pattern: '/models/{modelName+}/recommendations',
    path: modelPathSchema,
    query: modelRecommendationsQuerySchema,
    errors: [400, 404],
  },
  compareJobs: {
    method: 'GET',
    pattern: '/compare',
    path: noPathSchema,
    query: compareQuerySchema,
    errors: [400, 404, 409],
  },
  jobPlan: {
    method: 'GET',
    pattern: '/jobs/{jobName}/plan',
    path: jobPathSchema,
    query: jobPlanQuerySchema,
    errors: [400, 404, 409, 502, 503],
  },
  modelPlan: {
    method: 'GET',
    pattern: '/models/{modelName+}/plan',
    path: modelPathSchema,
    query: modelPlanQuerySchema,
    errors: [400, 404, 409, 502, 503],
  },
  openApi: {
    method: 'GET',
    pattern: '/openapi.json',
    path: noPathSchema,
    query: noQuerySchema,
    errors: [400],
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof ROUTES;
