import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../../shared/observability.js';
import { apiDeps } from './deps.js';
import { serveRequest, type ApiDeps } from './serve.js';

/** API Gateway HTTP API, payload 2.0. Every error becomes problem+json inside serveRequest. */
export const createHandler = (deps: ApiDeps = apiDeps) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler((event) => serveRequest(event, deps));

export const handler = createHandler();
