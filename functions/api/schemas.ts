import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isAccountId, isRegion, parseJobArn } from '../../shared/accounts.js';
// Not shared/events.js: its event schemas would be built at every cold start of the api.
import { isJobName, JOB_NAME_RULE } from '../../shared/event-names.js';
import { JOB_STATUSES } from '../../shared/job-status.js';
import { DERIVED_METRIC_NAMES, METRIC_NAMES } from '../../shared/model/types.js';

// zod/mini builds a schema at a fraction of classic zod's cost, which every cold start pays;
// it carries no messages of its own, so zod's English ones are set for the few rules below that
// name none (what a 400's invalidParams reason says).
z.config(en());

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
const finiteNumber = (description: string) =>
  described(
    z.optional(
      z.pipe(
        z.pipe(z.string().check(z.regex(NUMBER, NUMBER_RULE)), z.transform(Number)),
        z.number({ error: NUMBER_RULE }),
      ),
    ),
    description,
  );

const LIMIT_RULE = `must be a whole number from 1 to ${MAX_LIMIT}`;
const limit = described(
  z._default(
    z.optional(
      z.pipe(
        z.pipe(z.string().check(z.regex(/^\d{1,9}$/, LIMIT_RULE)), z.transform(Number)),
        z.number().check(z.int(), z.minimum(1, LIMIT_RULE), z.maximum(MAX_LIMIT, LIMIT_RULE)),
      ),
    ),
    DEFAULT_LIMIT,
  ),
  `Page size, 1 to ${MAX_LIMIT}.`,
);

const cursor = described(
  z.optional(
    z.string().check(z.maxLength(4096, 'must be the nextCursor of the previous page, unchanged')),
  ),
  'The `nextCursor` of the previous page, unchanged. It only continues the same route with the same query parameters (`limit` may change).',
);

const booleanFlag = (description: string) =>
  described(
    z._default(
      z.optional(
        z.stringbool({
          truthy: ['true'],
          falsy: ['false'],
          case: 'sensitive',
          error: 'must be true or false',
        }),
      ),
      false,
    ),
    description,
  );

const DATE_TIME_RULE = 'must be an ISO 8601 date-time such as 2024-11-24T00:00:00Z';
const createdAfter = described(
  z.optional(
    z.pipe(
      z.pipe(
        z.pipe(
          z.string().check(z.maxLength(64, DATE_TIME_RULE)),
          z.iso.datetime({ offset: true, error: DATE_TIME_RULE }),
        ),
        z.transform((value: string) => new Date(value).toISOString()),
      ),
      z.iso.datetime(),
    ),
  ),
  'Only jobs created strictly after this time (ISO 8601).',
);

const status = described(
  z.optional(z.enum(JOB_STATUSES, { error: oneOf(JOB_STATUSES) })),
  'Only jobs in this status.',
);

const MODEL_REF_RULE = 'must be a SageMaker model name or a model package version ARN';
export const modelRefSchema = described(
  z.string().check(
    z.maxLength(2048, MODEL_REF_RULE),
    z.refine(
      (value) => MODEL_NAME.test(value) || MODEL_PACKAGE_ARN.test(value),
      `${MODEL_REF_RULE} (URL-encoded)`,
    ),
  ),
  'The model name, or the model package version ARN the job benchmarked (URL-encode it: it holds slashes).',
);

const JOB_REF_RULE = `must be a job name (${JOB_NAME_RULE}) or an Inference Recommender job ARN`;
const jobName = described(
  z.string().check(
    z.maxLength(256, JOB_REF_RULE),
    z.refine((value) => isJobName(value) || parseJobArn(value) !== undefined, JOB_REF_RULE),
  ),
  'The Inference Recommender job name, or its ARN (URL-encoded). A name recorded in more than one account or region needs its ARN, or accountId and region: alone it answers 409 with the matches.',
);

const ACCOUNT_RULE = 'must be a 12-digit AWS account ID';
const REGION_RULE = 'must be an AWS region name such as us-east-1';
/** Where a job runs: to name one of several jobs of the same name, or to filter a list. */
const locationShape = (what: string) => ({
  accountId: described(
    z.optional(z.string().check(z.refine(isAccountId, ACCOUNT_RULE))),
    `${what} in this AWS account.`,
  ),
  region: described(
    z.optional(z.string().check(z.refine(isRegion, REGION_RULE))),
    `${what} in this AWS region.`,
  ),
});
const jobLocation = locationShape('The job');
const jobsLocation = locationShape('Only jobs');

const INSTANCE_TYPE_RULE =
  'must be an instance type such as ml.g5.xlarge or a family such as ml.g5';
export const recommendationFilterShape = {
  maxModelLatency: finiteNumber('Only recommendations with a known modelLatency ≤ this (ms).'),
  minMaxInvocations: finiteNumber(
    'Only recommendations with a known maxInvocations (per minute) ≥ this.',
  ),
  maxCostPerHour: finiteNumber('Only recommendations with a known costPerHour ≤ this (USD).'),
  maxCostPerInference: finiteNumber(
    'Only recommendations with a known costPerInference ≤ this (USD).',
  ),
  instanceType: described(
    z.optional(
      z
        .string()
        .check(z.maxLength(64, INSTANCE_TYPE_RULE), z.regex(INSTANCE_TYPE, INSTANCE_TYPE_RULE)),
    ),
    'An instance type (ml.g5.xlarge) or a family (ml.g5, matching ml.g5.*). Excludes serverless recommendations.',
  ),
  endpointType: described(
    z.optional(z.enum(ENDPOINT_TYPES, { error: oneOf(ENDPOINT_TYPES) })),
    'Only RealTime or only Serverless recommendations.',
  ),
  paretoOnly: booleanFlag(
    'true: only Pareto-optimal recommendations of their job (cost per inference, latency, throughput). false: no filter.',
  ),
};

export const jobPathSchema = z.object({ jobName });
export const recommendationPathSchema = z.object({
  jobName,
  id: described(
    z.string().check(
      z.minLength(1),
      z.maxLength(512, 'must be a recommendation id of at most 512 characters'),
      z.refine(
        (value) => ![...value].some((char) => char.charCodeAt(0) < 0x20 || char === '\u007f'),
        'must not hold control characters',
      ),
    ),
    'The recommendationId (`<jobName>/<8 characters>`, URL-encoded as `<jobName>%2F<8 characters>`), or only the part after the slash.',
  ),
});
export const modelPathSchema = z.object({ modelName: modelRefSchema });
export const noPathSchema = z.object({});

export const listJobsQuerySchema = z.strictObject({
  status,
  ...jobsLocation,
  modelName: described(
    z.optional(modelRefSchema),
    'Only jobs of this model (name or package ARN).',
  ),
  createdAfter,
  limit,
  cursor,
});
export const modelJobsQuerySchema = z.strictObject({
  status,
  ...jobsLocation,
  createdAfter,
  limit,
  cursor,
});
export const jobQuerySchema = z.strictObject({ ...jobLocation });
export const jobPageQuerySchema = z.strictObject({ ...jobLocation, limit, cursor });
export const noQuerySchema = z.strictObject({});

export const listRecommendationsQuerySchema = z.strictObject({
  sortBy: described(
    z._default(z.optional(z.enum(SORT_FIELDS, { error: oneOf(SORT_FIELDS) })), 'costPerInference'),
    'The metric or derived metric to sort by. Unknown values (null) sort last.',
  ),
  ...jobLocation,
  order: described(
    z.optional(z.enum(['asc', 'desc'], { error: oneOf(['asc', 'desc']) })),
    'Sort direction. Default: best first, i.e. desc for maxInvocations and invocationsPerSecond, asc otherwise.',
  ),
  ...recommendationFilterShape,
  limit,
  cursor,
});

export const modelRecommendationsQuerySchema = z.strictObject({
  best: described(
    z._default(
      z.optional(z.enum(BEST_METRICS, { error: oneOf(BEST_METRICS) })),
      'costPerInference',
    ),
    'What "best" means: the lowest costPerInference or modelLatency, or the highest maxInvocations.',
  ),
  ...jobsLocation,
  ...recommendationFilterShape,
});

const COMPARED_RULE = `must list 1 to ${MAX_COMPARED_JOBS} comma-separated job names or ARNs`;
export const compareQuerySchema = z.strictObject({
  jobs: described(
    z.pipe(
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
    `1 to ${MAX_COMPARED_JOBS} job names or job ARNs, comma-separated (jobs=run-1,run-2). A name recorded in more than one account or region needs its ARN.`,
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
  peakInvocationsPerMinute: described(
    z.pipe(
      z.string({ error: `is required: ${PEAK_RULE}` }),
      numberIn({ above: 0, max: MAX_INVOCATIONS_PER_MINUTE }, PEAK_RULE),
    ),
    'Invocations per minute at the daily peak (required).',
  ),
  baselineInvocationsPerMinute: described(
    z.optional(numberIn({ min: 0, max: MAX_INVOCATIONS_PER_MINUTE }, BASELINE_RULE)),
    'Invocations per minute outside the peak, 0 to the peak. Default: the peak (flat traffic).',
  ),
  peakHoursPerDay: described(
    z._default(
      z.optional(numberIn({ above: 0, max: 24 }, PEAK_HOURS_RULE)),
      PLAN_DEFAULTS.peakHoursPerDay,
    ),
    'Hours a day at the peak, above 0 and at most 24. Default 24.',
  ),
  maxModelLatency: described(
    z.optional(numberIn({ above: 0, max: 3_600_000 }, PLAN_LATENCY_RULE)),
    'The latency target (ms): each entry says whether its measured modelLatency meets it.',
  ),
  targetUtilization: described(
    z._default(
      z.optional(numberIn({ min: 0.1, max: 1 }, UTILIZATION_RULE)),
      PLAN_DEFAULTS.targetUtilization,
    ),
    'The share of an instance’s measured max invocations to plan for, 0.1 to 1. Default 0.7.',
  ),
  minInstances: described(
    z._default(
      z.optional(numberIn({ min: 1, max: 1000, integer: true }, MIN_INSTANCES_RULE)),
      PLAN_DEFAULTS.minInstances,
    ),
    'The fewest instances a real-time endpoint keeps, 1 to 1000. Default 1.',
  ),
  endpointType: recommendationFilterShape.endpointType,
  latency: described(
    z._default(
      z.optional(z.enum(PLAN_LATENCY_HANDLING, { error: oneOf(PLAN_LATENCY_HANDLING) })),
      'flag',
    ),
    'flag: entries over maxModelLatency stay, marked and ranked after those within it. exclude: they are left out. Default flag.',
  ),
  source: described(
    z._default(z.optional(z.enum(PLAN_SOURCES, { error: oneOf(PLAN_SOURCES) })), 'irwatch'),
    'sagemaker: also asks SageMaker (GetScalingConfigurationRecommendation) for the first-ranked real-time entry at the same traffic, and shows its scaling policy next to irwatch’s (`sagemaker`). Default irwatch: no call to SageMaker.',
  ),
};

export const jobPlanQuerySchema = z.strictObject({ ...planShape, ...jobLocation });
export const modelPlanQuerySchema = z.strictObject({ ...planShape, ...jobsLocation });

// ---------------------------------------------------------------------------------------------
// Routes: what the router matches and validates, and what the OpenAPI document lists.

export interface RouteSpec {
  method: 'GET';
  /** `{name}` is one path segment; `{name+}` one or more, for values that hold slashes. */
  pattern: string;
  summary: string;
  description?: string;
  path: z.ZodMiniObject;
  query: z.ZodMiniObject;
  /** The problem statuses the route answers besides 500. */
  errors: ReadonlyArray<400 | 404 | 409 | 502 | 503>;
}

export const ROUTES = {
  listJobs: {
    method: 'GET',
    pattern: '/jobs',
    summary: 'Jobs, newest first',
    description:
      'By status (GSI1, newest lastModifiedTime first), by model (GSI2, newest creationTime first), or all jobs (every status partition of GSI1, merged newest first). A job that runs carries its `progress` (benchmark counts, ETA, best so far), refreshed while it runs.',
    path: noPathSchema,
    query: listJobsQuerySchema,
    errors: [400],
  },
  getJob: {
    method: 'GET',
    pattern: '/jobs/{jobName}',
    summary: 'A job with its best recommendations, counts, progress and endpoint performances',
    description:
      'While the job is PENDING, IN_PROGRESS or STOPPING, `progress` is refreshed from SageMaker’s listing of its benchmark steps at an interval (5 minutes by default when deployed): finished, running and pending benchmarks, an ETA and the best benchmark so far per goal. `benchmarkCount` and `best` fill in once the job ended.',
    path: jobPathSchema,
    query: jobQuerySchema,
    errors: [400, 404, 409],
  },
  listRecommendations: {
    method: 'GET',
    pattern: '/jobs/{jobName}/recommendations',
    summary: 'A job’s recommendations, filtered and sorted',
    description:
      'Filters on a metric exclude recommendations where that metric is unknown. Ties and unknown values sort by recommendationId. SageMaker gives recommendations only once a job completes: for a job that still runs the list is empty and `runningJob` says so, with the progress and the best benchmarks so far.',
    path: jobPathSchema,
    query: listRecommendationsQuerySchema,
    errors: [400, 404, 409],
  },
  getRecommendation: {
    method: 'GET',
    pattern: '/jobs/{jobName}/recommendations/{id+}',
    summary: 'One recommendation and the ProductionVariant that deploys it',
    path: recommendationPathSchema,
    query: jobQuerySchema,
    errors: [400, 404, 409],
  },
  listBenchmarks: {
    method: 'GET',
    pattern: '/jobs/{jobName}/benchmarks',
    summary: 'A job’s benchmark steps, failed ones with their reasons',
    description:
      'While the job runs, the steps SageMaker has listed so far, as of the last refresh of its progress: pending and running ones without metrics, finished ones with theirs, so a client can show them as they finish.',
    path: jobPathSchema,
    query: jobPageQuerySchema,
    errors: [400, 404, 409],
  },
  listModelJobs: {
    method: 'GET',
    pattern: '/models/{modelName+}/jobs',
    summary: 'The jobs of a model, newest creationTime first',
    path: modelPathSchema,
    query: modelJobsQuerySchema,
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
    errors: [400, 404, 409],
  },
  jobPlan: {
    method: 'GET',
    pattern: '/jobs/{jobName}/plan',
    summary: 'The job’s configurations ranked by monthly cost at a given traffic, ready to deploy',
    description:
      'For each configuration: instances at the peak and the baseline, monthly cost with scaling between them, cost per million inferences, whether the latency target holds, or why it cannot serve the traffic; and the create-endpoint-config, register-scalable-target and put-scaling-policy inputs that deploy it.',
    path: jobPathSchema,
    query: jobPlanQuerySchema,
    errors: [400, 404, 409, 502, 503],
  },
  modelPlan: {
    method: 'GET',
    pattern: '/models/{modelName+}/plan',
    summary: 'A model’s configurations across its jobs ranked by monthly cost at a given traffic',
    description:
      'Looks at the 50 newest jobs of the model; a configuration measured in several runs is planned with its newest run and shows the spread between runs.',
    path: modelPathSchema,
    query: modelPlanQuerySchema,
    errors: [400, 404, 409, 502, 503],
  },
  openApi: {
    method: 'GET',
    pattern: '/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    path: noPathSchema,
    query: noQuerySchema,
    errors: [400],
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof ROUTES;
