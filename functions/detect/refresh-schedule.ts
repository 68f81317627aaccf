import { createHash } from 'node:crypto';
import type { JobKey } from '../../shared/accounts.js';
import type { StateChangeDetail } from '../../shared/events.js';
import type { JobStatus } from '../../shared/job-status.js';
import type { PublishOutcome } from './detect.js';

/** The statuses in which a job's benchmark steps still change. */
export const RUNNING_STATUSES = ['PENDING', 'IN_PROGRESS', 'STOPPING'] as const;

/** A stored job that runs, as the status index holds it. */
export interface RunningJob extends JobKey {
  jobArn: string | null;
  status: JobStatus;
  lastModifiedTime: string | null;
}

/** What the poll needs to ask ingest to refresh running jobs. */
export interface RefreshSystem {
  /** How often each running job's steps are read (PROGRESS_REFRESH_SECONDS). */
  intervalMs: number;
  now(): Date;
  /** Every stored job in a running status: one Query page per 1 MB of the status index. */
  readRunningJobs(): Promise<{ jobs: RunningJob[]; calls: number }>;
  /** When the last refresh round ended, or null before the first (when the poll did not read it). */
  readRefreshMark(): Promise<string | null>;
  writeRefreshMark(at: string): Promise<void>;
  publishRefreshes(details: readonly StateChangeDetail[]): Promise<PublishOutcome>;
}

export interface RefreshReport {
  running: number;
  refreshed: number;
  unaccepted: number;
  calls: { dynamoQuery: number; putEvents: number };
}

/** Where in the interval a job is refreshed: spread by a hash, so refreshes come evenly. */
const offsetOf = (job: JobKey, intervalMs: number) =>
  createHash('sha256')
    .update(`${job.accountId}#${job.region}#${job.jobName}`)
    .digest()
    .readUInt32BE(0) % intervalMs;

/** Whether the job's refresh time (its offset, every interval) falls in (from, to]. */
export function isDue(job: JobKey, fromMs: number, toMs: number, intervalMs: number): boolean {
  const offset = offsetOf(job, intervalMs);
  return Math.floor((toMs - offset) / intervalMs) > Math.floor((fromMs - offset) / intervalMs);
}

/**
 * Asks for the steps of each running job due since the last round to be read again: one
 * `refresh` state-change event per due job, so each running job is read once per interval
 * whatever the poll rate, spread over the interval. The mark advances only once every event was
 * accepted; a refresh sent twice costs one listing and no write. `markRead` is the mark as the
 * poll read it with the watermarks (null: there is none); undefined reads it here.
 */
export async function emitRefreshes(
  system: RefreshSystem,
  markRead?: string | null,
): Promise<RefreshReport> {
  const now = system.now();
  const mark = Date.parse(
    (markRead === undefined ? await system.readRefreshMark() : markRead) ?? '',
  );
  const from = Math.max(
    Number.isFinite(mark) ? mark : -Infinity,
    now.getTime() - system.intervalMs,
  );
  const { jobs, calls } = await system.readRunningJobs();
  const due = jobs.filter((job) => isDue(job, from, now.getTime(), system.intervalMs));
  const report: RefreshReport = {
    running: jobs.length,
    refreshed: 0,
    unaccepted: 0,
    calls: { dynamoQuery: calls, putEvents: 0 },
  };
  if (due.length > 0) {
    const outcome = await system.publishRefreshes(
      due.map((job) => ({
        jobName: job.jobName,
        accountId: job.accountId,
        region: job.region,
        jobArn: job.jobArn,
        status: job.status,
        previousStatus: job.status,
        lastModifiedTime: job.lastModifiedTime,
        detectedBy: 'refresh',
      })),
    );
    report.calls.putEvents = outcome.calls;
    report.unaccepted = outcome.unaccepted.length;
    report.refreshed = due.length - outcome.unaccepted.length;
  }
  if (report.unaccepted === 0) await system.writeRefreshMark(now.toISOString());
  return report;
}
