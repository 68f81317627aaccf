/**
 * The vocabulary of irwatch's events without zod, for code that builds or routes events but does
 * not validate them (detect bundles no zod at all); shared/events.ts re-exports all of it with the
 * schemas.
 */

/** The events irwatch puts on its bus (source `irwatch`, bus `irwatch-<stage>`). */
export const EVENT_SOURCE = 'irwatch';
export const STATE_CHANGE = 'Inference Recommendations Job State Change';
export const RECORDED = 'Inference Recommendations Job Recorded';
/** A running job's benchmark counts changed (see shared/model/progress.ts). */
export const PROGRESS = 'Inference Recommendations Job Progress';

/**
 * `refresh`: no new status, but a running job is due for its benchmark steps to be read again
 * (status and previousStatus are then both the stored status).
 */
export const DETECTED_BY = ['poll', 'cloudtrail', 'backfill', 'replay', 'refresh'] as const;

/** SageMaker's pattern for RecommendationJobName. */
export const JOB_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}$/;

export const JOB_NAME_RULE =
  'must be 1-64 letters, digits or hyphens, starting and ending with a letter or digit';

/** The pattern alone admits hyphen runs past 64 characters; SageMaker's names are 1 to 64 long. */
export const isJobName = (value: string): boolean =>
  value.length <= 64 && JOB_NAME_PATTERN.test(value);
