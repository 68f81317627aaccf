import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import { logger } from '../../shared/observability.js';
import { CursorCodec, queryFingerprint, type CursorScope } from './cursor.js';
import {
  badRequest,
  internalErrorDetail,
  ProblemError,
  problemResponse,
  type InvalidParam,
} from './problem.js';
import { countingReader, type TableReader } from './reader.js';
import type { RouteContext, RouteHandler, RouteResult } from './route-context.js';
import { compilePattern, decodeParams, keepJobArnWhole, matchPath } from './router.js';
import { compareJobs } from './routes/compare.js';
import { getJob, listBenchmarks, listJobs } from './routes/jobs.js';
import { bestModelRecommendation, listModelJobs } from './routes/models.js';
import { jobPlan, modelPlan } from './routes/plan.js';
import { getRecommendation, listRecommendations } from './routes/recommendations.js';
import { ROUTES, type RouteId, type RouteSpec } from './schemas.js';

export interface ApiDeps {
  reader: TableReader;
  /** The key that signs cursors; called when a cursor is read or issued. */
  cursorKey(): Promise<Buffer>;
  /** Told what every answered request read and returned (metrics, benchmarks, tests). */
  observeReads?(observation: ReadObservation): void;
  /** SageMaker's scaling recommendation (plan routes, source=sagemaker); deps.ts wires it. */
  scalingRecommendation?: RouteContext['scalingRecommendation'];
}

/** Read amplification of one request: itemsRead / itemsReturned. */
export interface ReadObservation {
  route: RouteId;
  status: number;
  requests: number;
  itemsRead: number;
  itemsReturned: number;
}

/**
 * Routes of the document that API Gateway sends to the web function (functions/web), not here:
 * GET /openapi.json. (GET /, the dashboard, is the web function's too.)
 */
type WebRouteId = 'openApi';
type ApiRouteId = Exclude<RouteId, WebRouteId>;

const HANDLERS: { [Id in ApiRouteId]: RouteHandler<Id> } = {
  listJobs,
  getJob,
  listRecommendations,
  getRecommendation,
  listBenchmarks,
  listModelJobs,
  bestModelRecommendation,
  compareJobs,
  jobPlan,
  modelPlan,
};

type AnyHandler = (
  input: { path: unknown; query: unknown },
  context: RouteContext,
) => Promise<RouteResult<unknown>>;

/** The data routes: validated by their schemas in schemas.ts, listed in the OpenAPI document. */
const ROUTE_TABLE = (Object.entries(ROUTES) as Array<[RouteId, RouteSpec]>)
  .filter((entry): entry is [ApiRouteId, RouteSpec] => Object.hasOwn(HANDLERS, entry[0]))
  .map(([id, spec]) => ({ id, spec, compiled: compilePattern(spec.pattern) }));

const MAX_NAME_IN_MESSAGE = 100;
const clip = (text: string) =>
  text.length > MAX_NAME_IN_MESSAGE ? `${text.slice(0, MAX_NAME_IN_MESSAGE)}…` : text;

function invalidParamsOf(
  error: z.core.$ZodError,
  where: InvalidParam['in'],
  allowed: string[],
): InvalidParam[] {
  const params: InvalidParam[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const reason = allowed.length
        ? `is not a parameter of this route (allowed: ${allowed.join(', ')})`
        : 'is not a parameter of this route (it takes none)';
      for (const key of issue.keys) params.push({ name: clip(key), in: where, reason });
      continue;
    }
    const [name, index] = issue.path;
    params.push({
      name: clip(String(name ?? where)),
      in: where,
      reason: typeof index === 'number' ? `entry ${index + 1} ${issue.message}` : issue.message,
    });
  }
  return params.filter(
    (param, index) =>
      params.findIndex((p) => p.name === param.name && p.reason === param.reason) === index,
  );
}

function parseParams<T extends z.ZodMiniObject>(
  schema: T,
  values: Record<string, string>,
  where: InvalidParam['in'],
): z.output<T> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    throw badRequest(invalidParamsOf(parsed.error, where, Object.keys(schema.shape)));
  }
  return parsed.data;
}

/**
 * Query parameters from the raw query string: API Gateway joins a repeated parameter's values
 * with commas in `queryStringParameters`, which would turn `limit=1&limit=2` into "1,2".
 */
function queryParameters(event: APIGatewayProxyEventV2): Record<string, string> {
  const values: Record<string, string> = {};
  const repeated = new Set<string>();
  const entries = event.rawQueryString
    ? [...new URLSearchParams(event.rawQueryString)]
    : Object.entries(event.queryStringParameters ?? {}).map(
        ([name, value]) => [name, value ?? ''] as const,
      );
  for (const [name, value] of entries) {
    if (Object.hasOwn(values, name)) repeated.add(name);
    values[name] = value;
  }
  if (repeated.size > 0) {
    throw badRequest(
      [...repeated].map((name) => ({
        name: clip(name),
        in: 'query' as const,
        reason: 'is given more than once: give it once (lists are comma-separated, e.g. jobs=a,b)',
      })),
    );
  }
  return values;
}

function findRoute(method: string, rawPath: string) {
  const matching = ROUTE_TABLE.map((route) => ({
    route,
    raw: matchPath(route.compiled, rawPath),
  })).filter((match) => match.raw !== undefined);
  const found = matching.find((match) => match.route.spec.method === method);
  if (found) return { route: found.route, raw: found.raw as Record<string, string> };
  if (matching.length > 0) {
    const allowed = [...new Set(matching.map((match) => match.route.spec.method))];
    throw new ProblemError(405, `${method} is not supported here; use ${allowed.join(', ')}.`, {
      allowedMethods: allowed,
    });
  }
  throw new ProblemError(
    404,
    `No route ${method} ${clip(rawPath)}. GET /openapi.json lists the routes.`,
  );
}

function json(body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/**
 * Answers one API Gateway HTTP API (payload 2.0) request: a 200, a problem naming what was wrong
 * (a 4xx, or a 502/503 when SageMaker refused or throttled), or a 500 problem that names only the
 * correlation id (the cause goes to the log).
 */
export async function serveRequest(
  event: APIGatewayProxyEventV2,
  deps: ApiDeps,
): Promise<APIGatewayProxyStructuredResultV2> {
  const correlationId = event.requestContext?.requestId || randomUUID();
  const method = event.requestContext?.http?.method ?? 'GET';
  const rawPath = event.rawPath || '/';
  const { reader, stats } = countingReader(deps.reader);
  let routeId: RouteId | undefined;
  try {
    const { route, raw } = findRoute(method, keepJobArnWhole(rawPath));
    routeId = route.id;
    const path = parseParams(route.spec.path, decodeParams(raw), 'path');
    const query = parseParams(route.spec.query, queryParameters(event), 'query');
    const { limit: _limit, cursor: token, ...listing } = query as Record<string, unknown>;
    const scope: CursorScope = {
      route: route.id,
      fingerprint: queryFingerprint({ path, query: listing }),
    };
    let codec: CursorCodec | undefined;
    const cursors = async () => (codec ??= new CursorCodec(await deps.cursorKey()));
    const context: RouteContext = {
      reader,
      cursor: {
        position: async (schema) =>
          typeof token === 'string' ? (await cursors()).decode(token, scope, schema) : undefined,
        next: async (position) => (await cursors()).encode(scope, position),
      },
      scalingRecommendation:
        deps.scalingRecommendation ??
        (() => Promise.reject(new Error('No SageMaker client was given to this api handler'))),
    };
    const result = await (HANDLERS[route.id] as AnyHandler)({ path, query }, context);
    observe(deps, { route: route.id, status: 200, ...stats, itemsReturned: result.itemsReturned });
    return json(result.body);
  } catch (error) {
    if (error instanceof ProblemError) {
      if (routeId) {
        observe(deps, { route: routeId, status: error.status, ...stats, itemsReturned: 0 });
      }
      return problemResponse({
        status: error.status,
        detail: error.detail,
        instance: clip(rawPath),
        correlationId,
        ...error.extra,
      });
    }
    logger.error('Request failed', {
      correlationId,
      route: routeId,
      method,
      path: rawPath,
      error: error as Error,
    });
    return problemResponse({
      status: 500,
      detail: internalErrorDetail(correlationId),
      instance: clip(rawPath),
      correlationId,
    });
  }
}

function observe(deps: ApiDeps, observation: ReadObservation): void {
  logger.info('Served', { ...observation });
  deps.observeReads?.(observation);
}
