/**
 * `irwatch watch <job>`: follows a job through the API until it ends, with a progress bar on a
 * terminal and one line per change otherwise, then prints its summary. The exit code says how it
 * ended, so a pipeline can wait on a job: 0 COMPLETED, 1 FAILED, 2 STOPPED; 3 when irwatch could
 * not follow it at all (see WATCH_NOT_FOLLOWED_EXIT).
 */

export const WATCH_EXIT_CODES: Readonly<Record<string, number>> = {
  COMPLETED: 0,
  FAILED: 1,
  STOPPED: 2,
};

/**
 * The exit code when the watch could not tell how the job ended: a bad command line, no AWS
 * credentials, a signature or caller the API refused, an API that stayed unreachable, a job never
 * recorded. Distinct from the job statuses' codes, so a pipeline never reads a failure of its own
 * as a FAILED job.
 */
export const WATCH_NOT_FOLLOWED_EXIT = 3;

/**
 * Reads that fail in a row for a passing reason (unreachable, throttled, a 5xx) before the watch
 * gives up: a job runs for hours and one blip must not end the watch. Refusals are never passing.
 */
export const PASSING_FAILURES_TOLERATED = 3;

/** Statuses after which nothing changes any more: a deleted job is over too (exit 1). */
const ENDED = new Set(['COMPLETED', 'FAILED', 'STOPPED', 'DELETING', 'DELETED']);

interface BestEntry {
  instanceType: string | null;
  memorySizeInMB: number | null;
  value: number;
}
interface WatchedProgress {
  total: number;
  completed: number;
  failed: number;
  running: number;
  pending: number;
  eta: string | null;
  etaUnavailableReason: string | null;
  best: { lowestCostPerInference: BestEntry | null };
}
export interface WatchedJob {
  jobName: string;
  accountId: string;
  region: string;
  status: string;
  failureReason: string | null;
  recommendationCount: number;
  failedBenchmarkCount: number;
  best: {
    lowestCostPerInference: BestEntry | null;
    lowestModelLatency: BestEntry | null;
    highestMaxInvocations: BestEntry | null;
  };
  progress: WatchedProgress | null;
}

/** How long a job irwatch has not recorded yet is waited for: the detector sees a new job within a poll. */
export const UNRECORDED_WAIT_MS = 120_000;

export class JobNeverRecordedError extends Error {
  override name = 'JobNeverRecordedError';
}

export interface WatchDeps {
  /** The job as GET /jobs/{job} answers it (`job`), or undefined while irwatch has not recorded it (404). */
  fetchJob(): Promise<WatchedJob | undefined>;
  /** Whether a failed read may succeed when tried again (unreachable, throttled, a 5xx). */
  isPassing?(error: unknown): boolean;
  /** Waits between two reads (the interval); resolves early when the watch is interrupted. */
  wait(): Promise<void>;
  now(): Date;
  out: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

const BAR_WIDTH = 24;
const where = (best: BestEntry) =>
  best.instanceType ??
  (best.memorySizeInMB === null ? 'serverless' : `serverless ${best.memorySizeInMB} MB`);

function untilText(eta: string, now: Date): string {
  const seconds = Math.max(0, Math.round((Date.parse(eta) - now.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${seconds % 60} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** One line: status, bar (on a terminal), counts, ETA and the cheapest so far. */
export function progressLine(job: WatchedJob, now: Date, bar: boolean): string {
  const p = job.progress;
  if (!p) return `${job.jobName} ${job.status}: waiting for its benchmarks to be listed`;
  const done = p.completed + p.failed;
  const filled = p.total === 0 ? 0 : Math.round((done / p.total) * BAR_WIDTH);
  const parts = [
    `${job.jobName} ${job.status}`,
    ...(bar ? [`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`] : []),
    `${done}/${p.total} benchmarks (${p.completed} completed, ${p.failed} failed, ${p.running} running, ${p.pending} pending)`,
    p.eta
      ? `ETA ${p.eta} (in ${untilText(p.eta, now)})`
      : `no ETA: ${p.etaUnavailableReason ?? 'unknown'}`,
  ];
  const cheapest = p.best.lowestCostPerInference;
  if (cheapest) parts.push(`cheapest so far ${where(cheapest)}`);
  return parts.join('  ');
}

/** What the job came to, once it ended. */
export function summaryOf(job: WatchedJob): string {
  const lines = [`${job.jobName} (${job.accountId}, ${job.region}) ${job.status}`];
  if (job.failureReason) lines.push(`  reason: ${job.failureReason}`);
  lines.push(
    `  ${job.recommendationCount} recommendation(s), ${job.failedBenchmarkCount} failed benchmark(s)`,
  );
  const {
    lowestCostPerInference: cost,
    lowestModelLatency: latency,
    highestMaxInvocations: most,
  } = job.best;
  if (cost) lines.push(`  cheapest per inference: ${where(cost)} (${cost.value} USD)`);
  if (latency) lines.push(`  lowest latency: ${where(latency)} (${latency.value} ms)`);
  if (most) lines.push(`  highest throughput: ${where(most)} (${most.value} invocations/min)`);
  return lines.join('\n');
}

/** Follows the job until it ends; returns the exit code of its final status. */
export async function watchJob(deps: WatchDeps): Promise<number> {
  const tty = deps.out.isTTY === true;
  const startedAt = deps.now().getTime();
  let last = '';
  let failures = 0;
  for (;;) {
    let job: WatchedJob | undefined;
    try {
      job = await deps.fetchJob();
      failures = 0;
    } catch (error) {
      failures += 1;
      if (!deps.isPassing?.(error) || failures > PASSING_FAILURES_TOLERATED) {
        if (tty && last) deps.out.write('\n');
        throw error;
      }
      await deps.wait();
      continue;
    }
    if (!job) {
      // Just created: the detector records it at its next poll.
      if (deps.now().getTime() - startedAt > UNRECORDED_WAIT_MS) {
        throw new JobNeverRecordedError(
          `irwatch has not recorded this job after ${UNRECORDED_WAIT_MS / 1000} s: check its name (irwatch jobs)`,
        );
      }
      await deps.wait();
      continue;
    }
    if (ENDED.has(job.status)) {
      if (tty && last) deps.out.write('\n');
      deps.out.write(`${summaryOf(job)}\n`);
      return WATCH_EXIT_CODES[job.status] ?? 1;
    }
    const line = progressLine(job, deps.now(), tty);
    if (tty) {
      // Redrawn in place, cut to the terminal's width so it never wraps.
      const width = deps.out.columns ?? 120;
      deps.out.write(`\r\x1b[2K${line.slice(0, Math.max(20, width - 1))}`);
      last = line;
    } else if (line.replace(/ \(in [^)]*\)/, '') !== last.replace(/ \(in [^)]*\)/, '')) {
      // Plain lines only when something changed (not for the countdown alone).
      deps.out.write(`${line}\n`);
      last = line;
    }
    await deps.wait();
  }
}
