import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ACCOUNT } from './world.js';

let requestCounter = 0;

export interface HttpEventOptions {
  method?: string;
  headers?: Record<string, string>;
  /** The route key API Gateway matched; `$default` unless a test needs a specific one. */
  routeKey?: string;
}

/**
 * An API Gateway HTTP API (payload 2.0) event for a request target such as
 * `/jobs?status=COMPLETED`, built as API Gateway builds it: `rawPath` percent-decoded (an encoded
 * slash arrives as a slash), `rawQueryString` as sent, `queryStringParameters` decoded with the
 * values of a repeated parameter joined by commas.
 */
export function httpEvent(target: string, options: HttpEventOptions = {}): APIGatewayProxyEventV2 {
  const queryAt = target.indexOf('?');
  const encodedPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : target.slice(queryAt + 1);
  let rawPath: string;
  try {
    rawPath = decodeURIComponent(encodedPath);
  } catch {
    rawPath = encodedPath;
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  requestCounter += 1;
  const requestId = `req-${String(requestCounter).padStart(8, '0')}`;
  const method = options.method ?? 'GET';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: options.routeKey ?? '$default',
    rawPath,
    rawQueryString,
    headers: {
      accept: 'application/json',
      host: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'irwatch-tests',
      ...options.headers,
    },
    ...(rawQueryString ? { queryStringParameters } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'abcdef1234',
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'irwatch-tests',
      },
      requestId,
      routeKey: options.routeKey ?? '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}
