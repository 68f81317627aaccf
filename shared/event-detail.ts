import type { MiddlewareObj } from '@middy/core';
import type * as z from 'zod/v4/core';
import { safeParse } from 'zod/v4/core';

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
): MiddlewareObj<unknown, unknown> {
  return {
    before: (request) => {
      const event = request.event;
      if (typeof event !== 'object' || event === null || !('detail' in event)) {
        throw new InvalidEventError(`Expected an EventBridge "${detailType}" event with a detail`);
      }
      const parsed = safeParse(schema, event.detail);
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
