import * as z from 'zod/mini';
import { jobNameSchema } from '../../shared/events.js';

export const CLOUDTRAIL_EVENT_NAMES = [
  'CreateInferenceRecommendationsJob',
  'StopInferenceRecommendationsJob',
] as const;

export type DetectInput =
  | { kind: 'poll' }
  | { kind: 'backfill' }
  | { kind: 'cloudtrail'; jobName: string; eventName: (typeof CLOUDTRAIL_EVENT_NAMES)[number] }
  /** A CloudTrail event that names no job irwatch can look up: retrying would not help. */
  | { kind: 'unusable-cloudtrail'; reason: string };

export class UnexpectedDetectInputError extends Error {
  override name = 'UnexpectedDetectInputError';
}

const scheduledEventSchema = z.object({
  source: z.literal('aws.events'),
  'detail-type': z.literal('Scheduled Event'),
});

const cloudTrailEnvelopeSchema = z.object({
  source: z.literal('aws.sagemaker'),
  'detail-type': z.literal('AWS API Call via CloudTrail'),
});

const cloudTrailDetailSchema = z.object({
  eventName: z.enum(CLOUDTRAIL_EVENT_NAMES),
  requestParameters: z.object({ jobName: jobNameSchema }),
  errorCode: z.optional(z.string()),
});

const backfillSchema = z.object({ backfill: z.literal(true) });

const describeInput = (event: unknown): string => {
  if (typeof event !== 'object' || event === null) return JSON.stringify(event) ?? String(event);
  const { source, 'detail-type': detailType } = event as Record<string, unknown>;
  if (source !== undefined || detailType !== undefined) {
    return `source ${JSON.stringify(source)}, detail-type ${JSON.stringify(detailType)}`;
  }
  return `an object with keys ${JSON.stringify(Object.keys(event))}`;
};

/**
 * What the detect function was invoked with: the schedule, a CloudTrail call from SageMaker, or a
 * manual backfill. Anything else is a wiring mistake and fails loudly.
 */
export function parseDetectInput(event: unknown): DetectInput {
  if (scheduledEventSchema.safeParse(event).success) return { kind: 'poll' };
  if (backfillSchema.safeParse(event).success) return { kind: 'backfill' };
  if (cloudTrailEnvelopeSchema.safeParse(event).success) {
    const parsed = cloudTrailDetailSchema.safeParse((event as { detail?: unknown }).detail);
    if (!parsed.success) {
      return {
        kind: 'unusable-cloudtrail',
        reason: parsed.error.issues
          .map((issue) => `detail.${issue.path.join('.')}: ${issue.message}`)
          .join('; '),
      };
    }
    if (parsed.data.errorCode) {
      return {
        kind: 'unusable-cloudtrail',
        reason: `${parsed.data.eventName} failed with ${parsed.data.errorCode}: it changed no job`,
      };
    }
    return {
      kind: 'cloudtrail',
      jobName: parsed.data.requestParameters.jobName,
      eventName: parsed.data.eventName,
    };
  }
  throw new UnexpectedDetectInputError(
    'detect expects an EventBridge "Scheduled Event" (source aws.events), an ' +
      '"AWS API Call via CloudTrail" event from aws.sagemaker for ' +
      `${CLOUDTRAIL_EVENT_NAMES.join(' or ')}, or {"backfill": true}; got ${describeInput(event)}`,
  );
}
