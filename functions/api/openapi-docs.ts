import { MAX_COMPARED_JOBS, MAX_LIMIT, type RouteId } from './schemas.js';

/**
 * The words of the OpenAPI document: each route's summary and description, and each parameter's
 * description. They live apart from the schemas (schemas.ts) that the api validates with, so the
 * api's bundle carries the rules and their messages but not the documentation: only the build of
 * the document (openapi-build.ts) reads this module. A test fails for a route or a parameter
 * without its words here.
 */

export const ROUTE_DOCS: Record<RouteId, { summary: string; description?: string }> = {
  listJobs: {
    summary: 'Jobs, newest first',
    description:
      'By status (GSI1, newest lastModifiedTime first), by model (GSI2, newest creationTime first), or all jobs (every status partition of GSI1, merged newest first). A job that runs carries its `progress` (benchmark counts, ETA, best so far), refreshed while it runs.',
  },
  getJob: {
    summary: 'A job with its best recommendations, counts, progress and endpoint performances',
    description:
      'While the job is PENDING, IN_PROGRESS or STOPPING, `progress` is refreshed from SageMaker’s listing of its benchmark steps at an interval (5 minutes by default when deployed): finished, running and pending benchmarks, an ETA and the best benchmark so far per goal. `benchmarkCount` and `best` fill in once the job ended.',
  },
  listRecommendations: {
    summary: 'A job’s recommendations, filtered and sorted',
    description:
      'Filters on a metric exclude recommendations where that metric is unknown. Ties and unknown values sort by recommendationId. SageMaker gives recommendations only once a job completes: for a job that still runs the list is empty and `runningJob` says so, with the progress and the best benchmarks so far.',
  },
  getRecommendation: {
    summary: 'One recommendation and the ProductionVariant that deploys it',
  },
  listBenchmarks: {
    summary: 'A job’s benchmark steps, failed ones with their reasons',
    description:
      'While the job runs, the steps SageMaker has listed so far, as of the last refresh of its progress: pending and running ones without metrics, finished ones with theirs, so a client can show them as they finish.',
  },
  listModelJobs: {
    summary: 'The jobs of a model, newest creationTime first',
  },
  bestModelRecommendation: {
    summary: 'The best recommendation for a model across its jobs, with the job it came from',
    description:
      'Looks at the 50 newest jobs of the model. Filters on a metric exclude recommendations where that metric is unknown.',
  },
  compareJobs: {
    summary: 'The same configurations side by side across jobs, with the spread of each metric',
    description:
      'Groups the recommendations of the jobs by configuration: instance type and count, or serverless memory size.',
  },
  jobPlan: {
    summary: 'The job’s configurations ranked by monthly cost at a given traffic, ready to deploy',
    description:
      'For each configuration: instances at the peak and the baseline, monthly cost with scaling between them, cost per million inferences, whether the latency target holds, or why it cannot serve the traffic; and the create-endpoint-config, register-scalable-target and put-scaling-policy inputs that deploy it.',
  },
  modelPlan: {
    summary: 'A model’s configurations across its jobs ranked by monthly cost at a given traffic',
    description:
      'Looks at the 50 newest jobs of the model; a configuration measured in several runs is planned with its newest run and shows the spread between runs.',
  },
  openApi: {
    summary: 'This OpenAPI 3.1 document',
  },
};

const JOB_LOCATION = {
  accountId: 'The job in this AWS account.',
  region: 'The job in this AWS region.',
};
const JOBS_LOCATION = {
  accountId: 'Only jobs in this AWS account.',
  region: 'Only jobs in this AWS region.',
};
const JOB_NAME =
  'The Inference Recommender job name, or its ARN (URL-encoded). A name recorded in more than one account or region needs its ARN, or accountId and region: alone it answers 409 with the matches.';
const MODEL_NAME =
  'The model name, or the model package version ARN the job benchmarked (URL-encode it: it holds slashes).';
const PAGE = {
  limit: `Page size, 1 to ${MAX_LIMIT}.`,
  cursor:
    'The `nextCursor` of the previous page, unchanged. It only continues the same route with the same query parameters (`limit` may change).',
};
const JOB_FILTERS = {
  status: 'Only jobs in this status.',
  ...JOBS_LOCATION,
  createdAfter: 'Only jobs created strictly after this time (ISO 8601).',
};
const RECOMMENDATION_FILTERS = {
  maxModelLatency: 'Only recommendations with a known modelLatency ≤ this (ms).',
  minMaxInvocations: 'Only recommendations with a known maxInvocations (per minute) ≥ this.',
  maxCostPerHour: 'Only recommendations with a known costPerHour ≤ this (USD).',
  maxCostPerInference: 'Only recommendations with a known costPerInference ≤ this (USD).',
  instanceType:
    'An instance type (ml.g5.xlarge) or a family (ml.g5, matching ml.g5.*). Excludes serverless recommendations.',
  endpointType: 'Only RealTime or only Serverless recommendations.',
  paretoOnly:
    'true: only Pareto-optimal recommendations of their job (cost per inference, latency, throughput). false: no filter.',
};
const PLAN = {
  peakInvocationsPerMinute: 'Invocations per minute at the daily peak (required).',
  baselineInvocationsPerMinute:
    'Invocations per minute outside the peak, 0 to the peak. Default: the peak (flat traffic).',
  peakHoursPerDay: 'Hours a day at the peak, above 0 and at most 24. Default 24.',
  maxModelLatency:
    'The latency target (ms): each entry says whether its measured modelLatency meets it.',
  targetUtilization:
    'The share of an instance’s measured max invocations to plan for, 0.1 to 1. Default 0.7.',
  minInstances: 'The fewest instances a real-time endpoint keeps, 1 to 1000. Default 1.',
  endpointType: RECOMMENDATION_FILTERS.endpointType,
  latency:
    'flag: entries over maxModelLatency stay, marked and ranked after those within it. exclude: they are left out. Default flag.',
  source:
    'sagemaker: also asks SageMaker (GetScalingConfigurationRecommendation) for the first-ranked real-time entry at the same traffic, and shows its scaling policy next to irwatch’s (`sagemaker`). Default irwatch: no call to SageMaker.',
};

/** Each route's parameters, path and query, by name. */
export const PARAMETER_DOCS: Record<RouteId, Record<string, string>> = {
  listJobs: {
    ...JOB_FILTERS,
    modelName: 'Only jobs of this model (name or package ARN).',
    ...PAGE,
  },
  getJob: { jobName: JOB_NAME, ...JOB_LOCATION },
  listRecommendations: {
    jobName: JOB_NAME,
    sortBy: 'The metric or derived metric to sort by. Unknown values (null) sort last.',
    ...JOB_LOCATION,
    order:
      'Sort direction. Default: best first, i.e. desc for maxInvocations and invocationsPerSecond, asc otherwise.',
    ...RECOMMENDATION_FILTERS,
    ...PAGE,
  },
  getRecommendation: {
    jobName: JOB_NAME,
    id: 'The recommendationId (`<jobName>/<8 characters>`, URL-encoded as `<jobName>%2F<8 characters>`), or only the part after the slash.',
    ...JOB_LOCATION,
  },
  listBenchmarks: { jobName: JOB_NAME, ...JOB_LOCATION, ...PAGE },
  listModelJobs: { modelName: MODEL_NAME, ...JOB_FILTERS, ...PAGE },
  bestModelRecommendation: {
    modelName: MODEL_NAME,
    best: 'What "best" means: the lowest costPerInference or modelLatency, or the highest maxInvocations.',
    ...JOBS_LOCATION,
    ...RECOMMENDATION_FILTERS,
  },
  compareJobs: {
    jobs: `1 to ${MAX_COMPARED_JOBS} job names or job ARNs, comma-separated (jobs=run-1,run-2). A name recorded in more than one account or region needs its ARN.`,
  },
  jobPlan: { jobName: JOB_NAME, ...PLAN, ...JOB_LOCATION },
  modelPlan: { modelName: MODEL_NAME, ...PLAN, ...JOBS_LOCATION },
  openApi: {},
};
