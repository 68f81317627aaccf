import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './http-server.js';

/**
 * The AWS JSON protocols (awsJson1_0, awsJson1_1) as the local endpoints and their gates speak
 * them: the operation named by `X-Amz-Target`, a JSON object in, a JSON object out, and errors as
 * `{"__type": ..., "message": ...}` with the HTTP status the service gives them.
 */
export interface JsonProtocol {
  /** `X-Amz-Target: <targetPrefix>.<Operation>`. */
  targetPrefix: string;
  contentType: 'application/x-amz-json-1.0' | 'application/x-amz-json-1.1';
  /** The `__type` of an error code: the code itself, or namespaced (`com.amazonaws.sqs#Code`). */
  errorType?(code: string): string;
  /** The key of the message: SageMaker's modelled errors say `Message`. */
  messageKey?(code: string): 'message' | 'Message';
  /** Query-compatible services (SQS) also give the query protocol's code in a header. */
  queryCompatible?: boolean;
}

export const SAGEMAKER_JSON: JsonProtocol = {
  targetPrefix: 'SageMaker',
  contentType: 'application/x-amz-json-1.1',
  messageKey: (code) =>
    ['ResourceNotFound', 'ResourceInUse', 'ResourceLimitExceeded', 'ValidationException'].includes(
      code,
    )
      ? 'Message'
      : 'message',
};

export const EVENTBRIDGE_JSON: JsonProtocol = {
  targetPrefix: 'AWSEvents',
  contentType: 'application/x-amz-json-1.1',
};

export const SQS_JSON: JsonProtocol = {
  targetPrefix: 'AmazonSQS',
  contentType: 'application/x-amz-json-1.0',
  errorType: (code) => `com.amazonaws.sqs#${code}`,
  queryCompatible: true,
};

export const DYNAMODB_JSON: JsonProtocol = {
  targetPrefix: 'DynamoDB_20120810',
  contentType: 'application/x-amz-json-1.0',
  errorType: (code) => `com.amazon.coral.service#${code}`,
};

export const SSM_JSON: JsonProtocol = {
  targetPrefix: 'AmazonSSM',
  contentType: 'application/x-amz-json-1.1',
};

/** An error the service answers with: HTTP status, code, message (and SQS's query code). */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The awsQuery code a query-compatible service also sends, when it differs from `code`. */
    readonly queryCode?: string,
  ) {
    super(message);
  }
}

/** A whole answer, for `send` or for a gate's refusal. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The operation of a JSON-protocol request, or undefined when its target is not this service's. */
export function targetOperation(req: IncomingMessage, protocol: JsonProtocol): string | undefined {
  const target = req.headers['x-amz-target'];
  const prefix = `${protocol.targetPrefix}.`;
  return typeof target === 'string' && target.startsWith(prefix)
    ? target.slice(prefix.length)
    : undefined;
}

/** The request body as the JSON object every operation takes; an empty body is `{}`. */
export function parseJsonObject(body: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new ServiceError(400, 'SerializationException', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ServiceError(400, 'SerializationException', 'Request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

export function jsonReply(protocol: JsonProtocol, status: number, body: string): Reply {
  return {
    status,
    headers: { 'content-type': protocol.contentType, 'x-amzn-requestid': randomUUID() },
    body,
  };
}

export function jsonErrorReply(protocol: JsonProtocol, error: ServiceError): Reply {
  const reply = jsonReply(
    protocol,
    error.status,
    JSON.stringify({
      __type: protocol.errorType?.(error.code) ?? error.code,
      [protocol.messageKey?.(error.code) ?? 'message']: error.message,
    }),
  );
  if (protocol.queryCompatible) {
    reply.headers['x-amzn-query-error'] =
      `${error.queryCode ?? error.code};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
  }
  return reply;
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  send(res, reply.status, reply.body, reply.headers);
}
