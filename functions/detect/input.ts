import { isAccountId, isRegion, type AccountRegion } from '../../shared/accounts.js';
import { isJobName, JOB_NAME_RULE } from '../../shared/event-names.js';

export const CLOUDTRAIL_EVENT_NAMES = [
  'CreateInferenceRecommendationsJob',
  'StopInferenceRecommendationsJob',
] as const;

export type DetectInput =
  | { kind: 'poll' }
  | { kind: 'backfill' }
  | {
      kind: 'cloudtrail';
      jobName: string;
      eventName: (typeof CLOUDTRAIL_EVENT_NAMES)[number];
      /** The account and region of the call: the envelope's, as a spoke's rule forwards it. */
      where: AccountRegion;
    }
  /** A CloudTrail event that names no job irwatch can look up: retrying would not help. */
  | { kind: 'unusable-cloudtrail'; reason: string };

export class UnexpectedDetectInputError extends Error {
  override name = 'UnexpectedDetectInputError';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isEnvelope = (
  event: unknown,
  source: string,
  detailType: string,
): event is Record<string, unknown> =>
  isRecord(event) && event.source === source && event['detail-type'] === detailType;

const isCloudTrailEventName = (value: unknown): value is (typeof CLOUDTRAIL_EVENT_NAMES)[number] =>
  (CLOUDTRAIL_EVENT_NAMES as readonly unknown[]).includes(value);

/**
 * The job a SageMaker CloudTrail event names, or every field that keeps it from naming one
 * (checked by hand: zod would be a fifth of detect's bundle for these few fields).
 */
function cloudTrailInput(event: Record<string, unknown>): DetectInput {
  const { detail, account, region } = event;
  if (!isRecord(detail)) {
    return { kind: 'unusable-cloudtrail', reason: 'detail: expected an object' };
  }
  const { eventName, requestParameters, errorCode } = detail;
  const problems: string[] = [];
  if (typeof account !== 'string' || !isAccountId(account)) {
    problems.push(`account: expected a 12-digit account ID, got ${JSON.stringify(account)}`);
  }
  if (typeof region !== 'string' || !isRegion(region)) {
    problems.push(`region: expected a region name, got ${JSON.stringify(region)}`);
  }
  if (!isCloudTrailEventName(eventName)) {
    const got = JSON.stringify(eventName) ?? 'nothing';
    problems.push(`detail.eventName: expected ${CLOUDTRAIL_EVENT_NAMES.join(' or ')}, got ${got}`);
  }
  const jobName = isRecord(requestParameters) ? requestParameters.jobName : undefined;
  if (!isRecord(requestParameters)) {
    problems.push('detail.requestParameters: expected an object');
  } else if (typeof jobName !== 'string') {
    problems.push('detail.requestParameters.jobName: expected a string');
  } else if (!isJobName(jobName)) {
    problems.push(`detail.requestParameters.jobName: ${JOB_NAME_RULE}`);
  }
  if (errorCode !== undefined && typeof errorCode !== 'string') {
    problems.push('detail.errorCode: expected a string');
  }
  // The last two tests only narrow the types: either failing has already added a problem.
  if (
    problems.length > 0 ||
    !isCloudTrailEventName(eventName) ||
    typeof jobName !== 'string' ||
    typeof account !== 'string' ||
    typeof region !== 'string'
  ) {
    return { kind: 'unusable-cloudtrail', reason: problems.join('; ') };
  }
  if (errorCode) {
    return {
      kind: 'unusable-cloudtrail',
      reason: `${eventName} failed with ${String(errorCode)}: it changed no job`,
    };
  }
  return { kind: 'cloudtrail', jobName, eventName, where: { accountId: account, region } };
}

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
  if (isEnvelope(event, 'aws.events', 'Scheduled Event')) return { kind: 'poll' };
  if (isRecord(event) && event.backfill === true) return { kind: 'backfill' };
  if (isEnvelope(event, 'aws.sagemaker', 'AWS API Call via CloudTrail')) {
    return cloudTrailInput(event);
  }
  throw new UnexpectedDetectInputError(
    'detect expects an EventBridge "Scheduled Event" (source aws.events), an ' +
      '"AWS API Call via CloudTrail" event from aws.sagemaker for ' +
      `${CLOUDTRAIL_EVENT_NAMES.join(' or ')}, or {"backfill": true}; got ${describeInput(event)}`,
  );
}
