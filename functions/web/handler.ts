import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dashboardResponse } from './dashboard-page.js';
import { openApiDocument } from './openapi-document.js';

/**
 * GET / (the dashboard) and GET /openapi.json (the API's document), on API Gateway's routes of
 * their own: both are bytes built into this bundle, so the api, which answers the data routes,
 * carries neither (README: Bundle sizes). No AWS SDK, no middleware: nothing here can fail but
 * a bug, which Lambda logs and API Gateway answers with a 500.
 */

let documentBody: string | undefined;

const TITLES = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed' } as const;

/** RFC 9457 problem details, in the shape the api answers with (functions/api/problem.ts). */
const problem = (
  status: keyof typeof TITLES,
  detail: string,
  rawPath: string,
  correlationId: string,
  extra: Record<string, unknown> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode: status,
  headers: {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    ...(status === 405 ? { allow: 'GET' } : {}),
  },
  body: JSON.stringify({
    type: 'about:blank',
    title: TITLES[status],
    status,
    detail,
    instance: clip(rawPath),
    correlationId,
    ...extra,
  }),
});

const clip = (text: string) => (text.length > 100 ? `${text.slice(0, 100)}…` : text);

/** GET /openapi.json takes no parameter: each one given is named in a 400, as the api names them. */
function unknownParameters(event: APIGatewayProxyEventV2): string[] {
  const names = event.rawQueryString
    ? [...new URLSearchParams(event.rawQueryString).keys()]
    : Object.keys(event.queryStringParameters ?? {});
  return [...new Set(names.map(clip))];
}

export function serveWeb(event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2 {
  const rawPath = event.rawPath || '/';
  const method = event.requestContext?.http?.method ?? 'GET';
  const correlationId = event.requestContext?.requestId ?? '';
  // As the api's router reads paths: a trailing slash names the same resource.
  const page = /^\/+$/.test(rawPath)
    ? 'dashboard'
    : /^\/openapi\.json\/?$/.test(rawPath)
      ? 'openapi'
      : undefined;
  if (!page) {
    return problem(
      404,
      `No route ${method} ${clip(rawPath)}. GET /openapi.json lists the routes.`,
      rawPath,
      correlationId,
    );
  }
  // As before the split: the page's path knows no other method (404), the document's says 405.
  if (method !== 'GET' && page === 'dashboard') {
    return problem(
      404,
      `No route ${method} ${clip(rawPath)}. GET /openapi.json lists the routes.`,
      rawPath,
      correlationId,
    );
  }
  if (method !== 'GET') {
    return problem(405, `${method} is not supported here; use GET.`, rawPath, correlationId, {
      allowedMethods: ['GET'],
    });
  }
  if (page === 'dashboard') return dashboardResponse(event.headers ?? {});
  const unknown = unknownParameters(event);
  if (unknown.length > 0) {
    const reason = 'is not a parameter of this route (it takes none)';
    return problem(
      400,
      `Invalid ${unknown.length === 1 ? 'parameter' : 'parameters'}: ${unknown.map((name) => `${name} ${reason}`).join('; ')}`,
      rawPath,
      correlationId,
      { invalidParams: unknown.map((name) => ({ name, in: 'query', reason })) },
    );
  }
  documentBody ??= JSON.stringify(openApiDocument());
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: documentBody };
}

export const handler = async (event: APIGatewayProxyEventV2) => serveWeb(event);
