import { jobArnOf, type JobKey } from '../shared/accounts.js';
/**
 * Hash routes, so the page needs no server-side routing and works wherever it is served:
 *   #/?status=&modelName=&limit=&cursor=      the jobs list
 *   #/jobs/<account>/<region>/<job>?<filters>   a job (a name is unique only per account and region)
 *   #/jobs/<job>?<filters>                      a job by name alone, while no other account or region has one
 *   #/compare/<model>?jobs=a,b&metric=          runs of one model side by side
 */

/** A job as the page names it to the API: its name, and where it runs when the page knows. */
export interface JobLocation {
  jobName: string;
  accountId?: string | undefined;
  region?: string | undefined;
}

export type Route =
  | { view: 'jobs'; query: URLSearchParams }
  | { view: 'job'; job: JobLocation; query: URLSearchParams }
  | { view: 'compare'; model: string; query: URLSearchParams }
  | { view: 'unknown'; query: URLSearchParams };

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const [path = '', search = ''] = text.split(/\?(.*)/s, 2);
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean);
  let decoded: string[];
  try {
    decoded = parts.map((part) => decodeURIComponent(part));
  } catch {
    return { view: 'unknown', query };
  }
  const [first, second, third, fourth] = decoded;
  if (decoded.length === 0) return { view: 'jobs', query };
  if (first === 'jobs' && second && decoded.length === 2) {
    return { view: 'job', job: { jobName: second }, query };
  }
  if (first === 'jobs' && second && third && fourth && decoded.length === 4) {
    return { view: 'job', job: { accountId: second, region: third, jobName: fourth }, query };
  }
  if (first === 'compare' && second && decoded.length === 2) {
    return { view: 'compare', model: second, query };
  }
  return { view: 'unknown', query };
}

export function hashOf(path: string, query: Record<string, string | null | undefined> = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(name, value);
  }
  const search = params.toString();
  return `#${path}${search ? `?${search}` : ''}`;
}

export const jobHash = (job: JobLocation, query: Record<string, string | null | undefined> = {}) =>
  hashOf(
    job.accountId && job.region
      ? `/jobs/${encodeURIComponent(job.accountId)}/${encodeURIComponent(job.region)}/${encodeURIComponent(job.jobName)}`
      : `/jobs/${encodeURIComponent(job.jobName)}`,
    query,
  );

/** The API path of a job (`jobs/<name><suffix>`) and the query that says where it runs. */
export const jobApi = (job: JobLocation, suffix = '') => ({
  path: `jobs/${encodeURIComponent(job.jobName)}${suffix}`,
  where: { accountId: job.accountId, region: job.region },
});

/** Two names of the same job. */
export const sameJob = (a: JobLocation, b: JobLocation) =>
  a.jobName === b.jobName && a.accountId === b.accountId && a.region === b.region;

/**
 * What names a job in a list of several (GET /compare?jobs=): an ARN made of its account, region
 * and name, which the API resolves by those three.
 */
export const jobRef = (job: JobKey) => jobArnOf(job);

export const compareHash = (model: string, query: Record<string, string | null | undefined> = {}) =>
  hashOf(`/compare/${encodeURIComponent(model)}`, query);

export const jobsHash = (query: Record<string, string | null | undefined> = {}) =>
  hashOf('/', query);

export interface ViewContext {
  /** Aborted when the page moves to another view. */
  signal: AbortSignal;
  /** Sets the hash; the router calls the view's update or builds the next view. */
  navigate(hash: string): void;
}

export interface View {
  /** The same view with other query parameters: update in place and return true if it can. */
  update?(route: Route): boolean;
}
