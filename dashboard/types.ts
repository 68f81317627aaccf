import type { z } from 'zod';
import type { JobStatus } from '../shared/job-status.js';
import type {
  benchmarkListSchema,
  comparisonSchema,
  jobDetailSchema,
  jobListSchema,
  modelJobListSchema,
  recommendationListSchema,
} from '../functions/api/responses.js';
import type { recommendationFilterShape, SortField } from '../functions/api/schemas.js';

/**
 * The page's view of the API: the response types come from the API's own zod schemas (type-only
 * imports, erased by esbuild), so a change of a response shape fails type-checking here. The
 * runtime lists come from zod-free shared modules, so no zod reaches the browser.
 */

export type JobList = z.infer<typeof jobListSchema>;
export type ModelJobList = z.infer<typeof modelJobListSchema>;
export type JobSummary = JobList['jobs'][number];
export type JobDetail = z.infer<typeof jobDetailSchema>;
export type Job = JobDetail['job'];
export type RecommendationList = z.infer<typeof recommendationListSchema>;
export type Recommendation = RecommendationList['recommendations'][number];
export type BenchmarkList = z.infer<typeof benchmarkListSchema>;
export type BenchmarkStep = BenchmarkList['benchmarks'][number];
export type Comparison = z.infer<typeof comparisonSchema>;
export type MetricName = keyof Recommendation['metrics'];
export type { JobStatus, SortField };

export { isTerminal, JOB_STATUSES } from '../shared/job-status.js';

/** The filters of GET /jobs/{job}/recommendations, by their query parameter names. */
export const RECOMMENDATION_FILTERS = [
  'maxModelLatency',
  'minMaxInvocations',
  'maxCostPerHour',
  'maxCostPerInference',
  'instanceType',
  'endpointType',
  'paretoOnly',
] as const;
export type RecommendationFilter = (typeof RECOMMENDATION_FILTERS)[number];

type Exhaustive<Listed, All> = [Exclude<All, Listed>] extends [never] ? true : false;
const filtersListed: Exhaustive<RecommendationFilter, keyof typeof recommendationFilterShape> =
  true;
void filtersListed;
