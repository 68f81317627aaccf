import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** RFC 9457 problem details, with the parameters at fault as an extension member. */
export interface InvalidParam {
  name: string;
  in: 'path' | 'query';
  reason: string;
}

/** One of the jobs a bare name could mean (a 409's `matches`). */
export interface JobMatch {
  jobName: string;
  accountId: string;
  region: string;
  jobArn: string | null;
  status: string;
}

export type ProblemStatus = 400 | 404 | 405 | 409 | 502 | 503;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  correlationId: string;
  invalidParams?: InvalidParam[];
  allowedMethods?: string[];
  matches?: JobMatch[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * An error whose message is meant for the caller (Middy's `expose`): 4xx, and the 502/503 of a
 * service irwatch asked on the caller's behalf (SageMaker refused, or throttled), whose message
 * names that service's answer. Anything else thrown while serving a request becomes a 500 that
 * says nothing about its cause.
 */
export class ProblemError extends Error {
  override name = 'ProblemError';
  constructor(
    readonly status: ProblemStatus,
    readonly detail: string,
    readonly extra: Pick<Problem, 'invalidParams' | 'allowedMethods' | 'matches'> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (invalidParams: InvalidParam[], detail?: string) =>
  new ProblemError(
    400,
    detail ??
      `Invalid ${invalidParams.length === 1 ? 'parameter' : 'parameters'}: ` +
        invalidParams.map((p) => `${p.name} ${p.reason}`).join('; '),
    { invalidParams },
  );

export const notFound = (detail: string) => new ProblemError(404, detail);

export const ambiguous = (detail: string, matches: JobMatch[]) =>
  new ProblemError(409, detail, { matches });

export function problemResponse(
  problem: Omit<Problem, 'type' | 'title'>,
): APIGatewayProxyStructuredResultV2 {
  const body: Problem = {
    // about:blank: the status code says it all; `detail` and `invalidParams` say what to change.
    type: 'about:blank',
    title: TITLES[problem.status] ?? 'Error',
    ...problem,
  };
  return {
    statusCode: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      ...(problem.allowedMethods ? { allow: problem.allowedMethods.join(', ') } : {}),
    },
    body: JSON.stringify(body),
  };
}

/** What a 500 says: nothing about the cause, only the id under which it was logged. */
export const internalErrorDetail = (correlationId: string) =>
  `The request could not be answered. Quote correlation id ${correlationId} when reporting it.`;
