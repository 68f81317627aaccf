/**
 * Hash routes, so the page needs no server-side routing and works wherever it is served:
 *   #/?status=&modelName=&limit=&cursor=      the jobs list
 *   #/jobs/<job>?<recommendation filters>       a job
 *   #/compare/<model>?jobs=a,b&metric=          runs of one model side by side
 */

export type Route =
  | { view: 'jobs'; query: URLSearchParams }
  | { view: 'job'; jobName: string; query: URLSearchParams }
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
  const [first, second] = decoded;
  if (decoded.length === 0) return { view: 'jobs', query };
  if (first === 'jobs' && second && decoded.length === 2) {
    return { view: 'job', jobName: second, query };
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

export const jobHash = (jobName: string, query: Record<string, string | null | undefined> = {}) =>
  hashOf(`/jobs/${encodeURIComponent(jobName)}`, query);

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
