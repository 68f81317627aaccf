/** GETs of the irwatch API from the page, relative to where the page is served. */

export class ApiProblemError extends Error {
  override name = 'ApiProblemError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '' && value !== false) {
      params.set(name, String(value));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Paths are relative ("jobs", not "/jobs"), so the page also works under a path prefix: an API
 * Gateway stage, or the local forwarding server of `irwatch dashboard`.
 */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, document.baseURI), {
      headers: { accept: 'application/json' },
      signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiProblemError(`The API did not answer (${(error as Error).message}).`, 0);
  }
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const problem = (body ?? {}) as { detail?: unknown; title?: unknown };
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    const title = typeof problem.title === 'string' ? problem.title : undefined;
    throw new ApiProblemError(detail ?? title ?? `HTTP ${response.status}`, response.status);
  }
  return body as T;
}

export const isAbort = (error: unknown) => error instanceof Error && error.name === 'AbortError';

/** Follows `nextCursor` until the last page or `maxPages`; says whether it stopped early. */
export async function getAllPages<P extends { nextCursor: string | null }, T>(
  path: string,
  query: Query,
  items: (page: P) => T[],
  signal: AbortSignal,
  maxPages = 20,
): Promise<{ first: P; items: T[]; complete: boolean }> {
  const collected: T[] = [];
  let cursor: string | null = null;
  let first: P | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const body: P = await getJson<P>(withQuery(path, { ...query, cursor }), signal);
    first ??= body;
    collected.push(...items(body));
    cursor = body.nextCursor;
    if (!cursor) return { first, items: collected, complete: true };
  }
  return { first: first as P, items: collected, complete: false };
}
