/**
 * SageMaker's job statuses, in a module of their own without zod, so that the dashboard's browser
 * bundle can use them too (shared/events.ts re-exports them with the event schemas).
 */
export const JOB_STATUSES = [
  'PENDING',
  'IN_PROGRESS',
  'COMPLETED',
  'FAILED',
  'STOPPING',
  'STOPPED',
  'DELETING',
  'DELETED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES = ['COMPLETED', 'FAILED', 'STOPPED'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const isTerminal = (status: string): status is TerminalStatus =>
  (TERMINAL_STATUSES as readonly string[]).includes(status);
