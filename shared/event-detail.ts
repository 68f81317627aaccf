import type { MiddlewareObj } from '@middy/core';
import type * as z from 'zod/v4/core';
import { safeParse } from 'zod/v4/core';
import { parseJobArn } from './accounts.js';

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/**
 * Replaces the EventBridge event a handler receives with its `detail`, validated by the shared
 * zod schema of that event. A malformed event throws naming every bad field, so the invocation
 * fails loudly and, deployed, ends in the dead-letter queue. (This is what the Powertools parser
 * does with its EventBridge envelope, without bundling its schemas and all of zod.)
 */
export function eventDetail<Schema extends z.$ZodType>(
  schema: Schema,
  detailType: string,
  prepare: (detail: unknown, event: Record<string, unknown>) => unknown = (detail) => detail,
): MiddlewareObj<unknown, unknown> {
  return {
    before: (request) => {
      const event = request.event;
      if (typeof event !== 'object' || event === null || !('detail' in event)) {
        throw new InvalidEventError(`Expected an EventBridge "${detailType}" event with a detail`);
      }
      const parsed = safeParse(schema, prepare(event.detail, event as Record<string, unknown>));
      if (!parsed.success) {
        const problems = parsed.error.issues.map(
          (issue) => `detail.${issue.path.join('.')}: ${issue.message}`,
        );
        throw new InvalidEventError(`Invalid "${detailType}" event: ${problems.join('; ')}`);
      }
      request.event = parsed.data;
    },
  };
}

/**
 * Fills the account and region of an irwatch event written before jobs were keyed by them (a
 * dead letter redriven after an upgrade): from the job's ARN, else from the event's envelope,
 * which is the account and region of the irwatch that put it. A detail that has them, or is not
 * an object, is left for the schema to judge.
 */
export function withJobLocation(detail: unknown, event: Record<string, unknown>): unknown {
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return detail;
  const fields = detail as Record<string, unknown>;
  if ('accountId' in fields && 'region' in fields) return detail;
  const arn = typeof fields.jobArn === 'string' ? parseJobArn(fields.jobArn) : undefined;
  return {
    accountId: arn?.accountId ?? event.account,
    region: arn?.region ?? event.region,
    ...fields,
  };
}
