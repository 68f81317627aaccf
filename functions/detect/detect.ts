import { describeTarget, type AccountRegion } from '../../shared/accounts.js';
import { AwsRequestError } from '../../shared/aws-request.js';
import { STATUS_RANK } from '../../shared/db/items.js';
import type { StateChangeDetail } from '../../shared/events.js';
import { JOB_STATUSES, type JobStatus } from '../../shared/job-status.js';
import type { RefreshSystem } from './refresh-schedule.js';

/** A job as ListInferenceRecommendationsJobs or DescribeInferenceRecommendationsJob shows it. */
export interface JobSummary {
  jobName: string;
  jobArn: string | null;
  /** As SageMaker sent it: a status irwatch does not know is skipped, never emitted. */
  status: string;
  /** ISO 8601. */
  lastModifiedTime: string | null;
}

export type KnownJob = JobSummary & { status: JobStatus };

/** The status irwatch last saw of a job, stored once the bus accepted the event that said so. */
export interface SeenStatus {
  jobName: string;
  status: JobStatus;
  lastModifiedTime: string | null;
}

export interface StatusChange {
  job: KnownJob;
  previousStatus: JobStatus | null;
}

export interface DetectConfig {
  /** Subtracted from the watermark: List's filter is strictly "after", and listings lag. */
  overlapMs: number;
  /** How far back the first poll looks when there is no watermark yet. */
  lookbackMs: number;
}

export interface JobsPage {
  jobs: JobSummary[];
  nextToken: string | undefined;
}

export interface PublishOutcome {
  /** PutEvents calls made, resends included. */
  calls: number;
  /** Entries sent again after PutEvents refused them. */
  resent: number;
  /** Indexes (into the details given) the bus never accepted. */
  unaccepted: number[];
}

/** What detect reads and writes for one watched account and region. */
export interface DetectDeps {
  /** The account and region these deps read: every job listed or described lives there. */
  where: AccountRegion;
  config: DetectConfig;
  now(): Date;
  /** One ListInferenceRecommendationsJobs page (MaxResults 100); no filter lists all history. */
  listJobs(query: {
    modifiedAfter: Date | undefined;
    nextToken: string | undefined;
  }): Promise<JobsPage>;
  /** The job now, or undefined when SageMaker answers ResourceNotFound. */
  describeJob(jobName: string): Promise<JobSummary | undefined>;
  readWatermark(): Promise<string | undefined>;
  /** Moves the stored watermark forward only; a concurrent run's later watermark stays. */
  writeWatermark(watermark: string): Promise<void>;
  readSeenStatuses(
    jobNames: readonly string[],
  ): Promise<{ statuses: Map<string, SeenStatus>; calls: number }>;
  writeSeenStatuses(statuses: readonly SeenStatus[]): Promise<{ calls: number }>;
  /**
   * The status and LastModifiedTime of each named job's stored record (the job item ingest
   * writes), absent when there is none: what a backfill compares SageMaker with.
   */
  readJobRecords(
    jobNames: readonly string[],
  ): Promise<{ statuses: Map<string, SeenStatus>; calls: number }>;
  /** Puts the events 10 a call, resending refused entries; reports those never accepted. */
  publishStateChanges(details: readonly StateChangeDetail[]): Promise<PublishOutcome>;
}

export type DetectMode = 'poll' | 'backfill';

/** Calls per invocation, for the logs and the benchmark. */
export interface DetectCalls {
  sagemakerList: number;
  sagemakerDescribe: number;
  putEvents: number;
  dynamoBatchGet: number;
  dynamoBatchWrite: number;
}

export interface DetectReport {
  mode: DetectMode;
  /** The LastModifiedTimeAfter sent, or null for all history. */
  modifiedAfter: string | null;
  pages: number;
  jobsListed: number;
  /** State-change events the bus accepted. */
  stateChanges: number;
  /** Names of the jobs whose event the bus never accepted. */
  unaccepted: string[];
  /** Jobs listed with a status irwatch does not know. */
  unknownStatus: number;
  resent: number;
  watermark: { before: string | null; after: string | null };
  calls: DetectCalls;
}

export type CloudTrailOutcome =
  | { outcome: 'emitted'; detail: StateChangeDetail; calls: DetectCalls }
  /** Nothing to report: the job is gone, or the call that named it never created one. */
  | { outcome: 'not-found'; jobName: string; calls: DetectCalls }
  | { outcome: 'unknown-status'; jobName: string; status: string; calls: DetectCalls };

export class StateChangesNotAcceptedError extends Error {
  override name = 'StateChangesNotAcceptedError';
  constructor(
    message: string,
    readonly jobNames: string[],
    readonly report?: DetectReport,
  ) {
    super(message);
  }
}

/**
 * SageMaker (or STS, for another account's reader role) refused or failed to answer for one
 * watched account and region: that target is reported and skipped, the others go on, and its
 * watermark stays where it was, so the next poll covers what this one missed.
 */
export class TargetReadError extends Error {
  override name = 'TargetReadError';
  constructor(
    readonly where: AccountRegion,
    override readonly cause: unknown,
  ) {
    // A signed request's error names its operation and AWS's code itself (STS.AssumeRole:
    // AccessDenied: …); an SDK client's is named by its code.
    const reason =
      cause instanceof AwsRequestError
        ? cause.message
        : cause instanceof Error
          ? `${cause.name}: ${cause.message}`
          : String(cause);
    super(
      `Cannot read Inference Recommender jobs of account ${where.accountId} in ${where.region}: ${reason}`,
    );
  }
}

/** What one watched account and region came to in a poll or backfill. */
export type TargetRun = AccountRegion &
  ({ outcome: 'read'; report: DetectReport } | { outcome: 'failed'; error: string });

/** A poll or backfill over every watched account and region. */
export interface DetectRun {
  mode: DetectMode;
  targets: TargetRun[];
  /** Totals over the targets read. */
  jobsListed: number;
  stateChanges: number;
  failedTargets: number;
  calls: DetectCalls;
  /** The refresh round's mark, read with the watermarks (DetectorMarks.refreshMark). */
  refreshMark?: string | null;
}

const PUT_EVENTS_BATCH = 10;
/** Changes are published in full batches of 10 once this many wait, whatever the page size. */
const PUBLISH_AT = 100;

export const isJobStatus = (status: string): status is JobStatus =>
  (JOB_STATUSES as readonly string[]).includes(status);

const timeOf = (iso: string | null): number | undefined => {
  if (iso === null) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
};

/**
 * Whether `job` shows an older state than `seen`: Describe (CloudTrail) can get ahead of a
 * listing, and a state only moves forward, so the older view says nothing new.
 */
export function isOlderThan(job: Pick<KnownJob, 'status' | 'lastModifiedTime'>, seen: SeenStatus) {
  const listed = timeOf(job.lastModifiedTime);
  const last = timeOf(seen.lastModifiedTime);
  if (listed === undefined || last === undefined) return false;
  if (listed !== last) return listed < last;
  return STATUS_RANK[job.status] < STATUS_RANK[seen.status];
}

/**
 * Against the status last seen, only a new status is news. Against the stored job record, so is
 * a newer LastModifiedTime (a change the record never took in), and a record that lacks either.
 */
function isUpToDate(job: KnownJob, stored: SeenStatus, against: 'seen' | 'record'): boolean {
  if (stored.status !== job.status) return false;
  if (against === 'seen') return true;
  const listed = timeOf(job.lastModifiedTime);
  const recorded = timeOf(stored.lastModifiedTime);
  if (listed === undefined) return true;
  return recorded !== undefined && recorded >= listed;
}

const isNewerThan = (job: KnownJob, other: KnownJob) =>
  !isOlderThan(job, other) && (job.status !== other.status || isOlderThan(other, job));

/**
 * The jobs whose status differs from what irwatch last saw, each once (a job listed twice counts
 * at its newest), with the status last seen as the previous one. A job never seen is a change
 * from null; a view older than the one last seen is not a change.
 */
export function diffStatuses(
  listed: readonly KnownJob[],
  lastSeen: ReadonlyMap<string, SeenStatus>,
  against: 'seen' | 'record' = 'seen',
): StatusChange[] {
  const newest = new Map<string, KnownJob>();
  for (const job of listed) {
    const kept = newest.get(job.jobName);
    if (!kept || isNewerThan(job, kept)) newest.set(job.jobName, job);
  }
  const changes: StatusChange[] = [];
  for (const job of newest.values()) {
    const seen = lastSeen.get(job.jobName);
    if (seen && (isOlderThan(job, seen) || isUpToDate(job, seen, against))) continue;
    changes.push({ job, previousStatus: seen?.status ?? null });
  }
  return changes;
}

/**
 * Where the next poll resumes. It moves to the newest LastModifiedTime among the jobs handled,
 * but never past a job whose event the bus refused (the next query, watermark minus overlap,
 * still lists it), nor past the start of this run (a job changed while pages were being read
 * may sit on a page already read), and never backwards.
 */
export function nextWatermark(input: {
  current: string | null;
  handled: readonly (string | null)[];
  unaccepted: readonly (string | null)[];
  startedAt: Date;
}): string | null {
  const handled = input.handled.map(timeOf).filter((ms) => ms !== undefined);
  if (handled.length === 0) return input.current;
  const refused = input.unaccepted.map(timeOf);
  if (refused.includes(undefined)) return input.current;
  const bound = Math.min(Math.max(...handled), input.startedAt.getTime(), ...(refused as number[]));
  const current = timeOf(input.current);
  if (current !== undefined && current >= bound) return input.current;
  return new Date(bound).toISOString();
}

/** LastModifiedTimeAfter for a run: none for a backfill, else watermark minus overlap or lookback. */
export function modifiedAfterFor(
  mode: DetectMode,
  watermark: string | null,
  now: Date,
  config: DetectConfig,
): Date | undefined {
  if (mode === 'backfill') return undefined;
  const from = timeOf(watermark);
  if (from === undefined) return new Date(now.getTime() - config.lookbackMs);
  return new Date(from - config.overlapMs);
}

export const stateChangeDetail = (
  change: StatusChange,
  detectedBy: StateChangeDetail['detectedBy'],
  where: AccountRegion,
): StateChangeDetail => ({
  jobName: change.job.jobName,
  accountId: where.accountId,
  region: where.region,
  jobArn: change.job.jobArn,
  status: change.job.status,
  previousStatus: change.previousStatus,
  lastModifiedTime: change.job.lastModifiedTime,
  detectedBy,
});

const seenStatusOf = (job: KnownJob): SeenStatus => ({
  jobName: job.jobName,
  status: job.status,
  lastModifiedTime: job.lastModifiedTime,
});

export const noCalls = (): DetectCalls => ({
  sagemakerList: 0,
  sagemakerDescribe: 0,
  putEvents: 0,
  dynamoBatchGet: 0,
  dynamoBatchWrite: 0,
});

/**
 * Lists the jobs changed since the watermark (every job for a backfill), page by page, and puts
 * one state-change event per status irwatch has not seen. A job's new status is stored, and the
 * watermark advanced, only once the bus accepted its event; if some never were, the rest still
 * goes out and the run then fails, so the retry and the next poll pick those jobs up again.
 */
export async function detectStateChanges(
  mode: DetectMode,
  deps: DetectDeps,
  /** The stored watermark when the caller read it already (one read for every target); else read here. */
  known?: { watermark: string | undefined },
): Promise<DetectReport> {
  const startedAt = deps.now();
  const before = (known ? known.watermark : await deps.readWatermark()) ?? null;
  const modifiedAfter = modifiedAfterFor(mode, before, startedAt, deps.config);
  const report: DetectReport = {
    mode,
    modifiedAfter: modifiedAfter?.toISOString() ?? null,
    pages: 0,
    jobsListed: 0,
    stateChanges: 0,
    unaccepted: [],
    unknownStatus: 0,
    resent: 0,
    watermark: { before, after: before },
    calls: noCalls(),
  };
  const handled: (string | null)[] = [];
  const refused: (string | null)[] = [];
  // What this run already queued or found unchanged: a job listed again needs no second look.
  const seenThisRun = new Map<string, SeenStatus>();
  const pending: StatusChange[] = [];

  async function publish(count: number): Promise<void> {
    if (count === 0) return;
    const batch = pending.splice(0, count);
    const outcome = await deps.publishStateChanges(
      batch.map((change) => stateChangeDetail(change, mode, deps.where)),
    );
    report.calls.putEvents += outcome.calls;
    report.resent += outcome.resent;
    const notAccepted = new Set(outcome.unaccepted);
    const accepted: KnownJob[] = [];
    batch.forEach(({ job }, index) => {
      if (notAccepted.has(index)) {
        report.unaccepted.push(job.jobName);
        refused.push(job.lastModifiedTime);
      } else {
        accepted.push(job);
        handled.push(job.lastModifiedTime);
      }
    });
    if (accepted.length === 0) return;
    const written = await deps.writeSeenStatuses(accepted.map(seenStatusOf));
    report.calls.dynamoBatchWrite += written.calls;
    report.stateChanges += accepted.length;
  }

  let nextToken: string | undefined;
  do {
    const page = await deps.listJobs({ modifiedAfter, nextToken });
    report.calls.sagemakerList += 1;
    report.pages += 1;
    report.jobsListed += page.jobs.length;
    nextToken = page.nextToken;

    const known: KnownJob[] = [];
    for (const job of page.jobs) {
      if (isJobStatus(job.status)) known.push(job as KnownJob);
      else {
        report.unknownStatus += 1;
        handled.push(job.lastModifiedTime);
      }
    }
    const toRead = [...new Set(known.map((job) => job.jobName))].filter(
      (name) => !seenThisRun.has(name),
    );
    // A backfill repairs drift between SageMaker and the stored jobs, whatever detect saw before.
    const readStored = mode === 'backfill' ? deps.readJobRecords : deps.readSeenStatuses;
    const stored = toRead.length > 0 ? await readStored(toRead) : { statuses: new Map(), calls: 0 };
    report.calls.dynamoBatchGet += stored.calls;
    const lastSeen = new Map<string, SeenStatus>(stored.statuses);
    for (const job of known) {
      const earlier = seenThisRun.get(job.jobName);
      if (earlier) lastSeen.set(job.jobName, earlier);
    }

    const changes = diffStatuses(known, lastSeen, mode === 'backfill' ? 'record' : 'seen');
    const changed = new Set(changes.map((change) => change.job.jobName));
    for (const job of known) {
      if (changed.has(job.jobName)) continue;
      handled.push(job.lastModifiedTime);
      if (!seenThisRun.has(job.jobName)) {
        seenThisRun.set(job.jobName, lastSeen.get(job.jobName) ?? seenStatusOf(job));
      }
    }
    for (const change of changes) seenThisRun.set(change.job.jobName, seenStatusOf(change.job));
    pending.push(...changes);
    if (pending.length >= PUBLISH_AT) {
      await publish(pending.length - (pending.length % PUT_EVENTS_BATCH));
    }
  } while (nextToken);
  await publish(pending.length);

  const after = nextWatermark({ current: before, handled, unaccepted: refused, startedAt });
  if (after !== null && after !== before) await deps.writeWatermark(after);
  report.watermark.after = after;

  if (report.unaccepted.length > 0) {
    throw new StateChangesNotAcceptedError(
      `The bus never accepted the state change of ${report.unaccepted.length} job(s) ` +
        `(${report.unaccepted.slice(0, 5).join(', ')}${report.unaccepted.length > 5 ? ', ...' : ''}); ` +
        `watermark held at ${after ?? 'none'}`,
      report.unaccepted,
      report,
    );
  }
  return report;
}

/**
 * A CloudTrail event said a job was created or stopped: report its status now, without waiting
 * for the next poll. Describe is the truth; the status last seen is the previous one.
 */
export async function detectCloudTrailChange(
  jobName: string,
  deps: DetectDeps,
): Promise<CloudTrailOutcome> {
  const calls = noCalls();
  const job = await deps.describeJob(jobName);
  calls.sagemakerDescribe += 1;
  if (!job) return { outcome: 'not-found', jobName, calls };
  if (!isJobStatus(job.status)) {
    return { outcome: 'unknown-status', jobName, status: job.status, calls };
  }
  const known = job as KnownJob;
  const stored = await deps.readSeenStatuses([jobName]);
  calls.dynamoBatchGet += stored.calls;
  const seen = stored.statuses.get(jobName);
  const detail = stateChangeDetail(
    { job: known, previousStatus: seen?.status ?? null },
    'cloudtrail',
    deps.where,
  );
  const outcome = await deps.publishStateChanges([detail]);
  calls.putEvents += outcome.calls;
  if (outcome.unaccepted.length > 0) {
    throw new StateChangesNotAcceptedError(
      `The bus never accepted the state change of ${jobName}`,
      [jobName],
    );
  }
  if (!seen || !isOlderThan(known, seen)) {
    calls.dynamoBatchWrite += (await deps.writeSeenStatuses([seenStatusOf(known)])).calls;
  }
  return { outcome: 'emitted', detail, calls };
}

/** Accounts and regions read at once: each is a chain of calls that mostly waits on SageMaker. */
export const TARGETS_AT_ONCE = 5;

/** Every account and region detect watches, and what it uses for each. */
export interface DetectSystem {
  /** The home account and region first. */
  targets: readonly AccountRegion[];
  forTarget(where: AccountRegion): DetectDeps;
  /** Asks for running jobs' steps to be read again after each poll (refresh-schedule.ts). */
  refresh?: RefreshSystem;
  /**
   * The stored watermark of each target (by describeTarget), read at once, with the refresh
   * mark when there is a refresh; `calls` made.
   */
  readWatermarks?(
    targets: readonly AccountRegion[],
  ): Promise<{ watermarks: Map<string, string>; refreshMark?: string | null; calls: number }>;
}

/**
 * Polls (or backfills) every watched account and region, TARGETS_AT_ONCE at a time, their
 * watermarks read at once first. A target SageMaker or STS fails for (a spoke's role missing or
 * denied, the region unreachable) is reported in the run and does not stop the others; any other
 * failure (the table, the bus) fails the run once every target was tried, so Lambda retries it.
 */
export async function detectAcrossTargets(
  mode: DetectMode,
  system: DetectSystem,
): Promise<DetectRun> {
  const { targets } = system;
  const depsFor = (where: AccountRegion) => system.forTarget(where);
  const stored = system.readWatermarks ? await system.readWatermarks(targets) : undefined;
  const outcomes: Array<TargetRun | { fatal: unknown }> = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next;
      next += 1;
      const where = targets[index]!;
      try {
        const report = await detectStateChanges(
          mode,
          depsFor(where),
          stored && { watermark: stored.watermarks.get(describeTarget(where)) },
        );
        outcomes[index] = { ...where, outcome: 'read', report };
      } catch (error) {
        outcomes[index] =
          error instanceof TargetReadError
            ? { ...where, outcome: 'failed', error: error.message }
            : { fatal: error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(TARGETS_AT_ONCE, targets.length) }, worker));

  const fatal = outcomes.flatMap((outcome) => ('fatal' in outcome ? [outcome.fatal] : []));
  if (fatal.length === 1) throw fatal[0];
  if (fatal.length > 1) {
    throw new AggregateError(fatal, `detect failed for ${fatal.length} accounts or regions`);
  }
  const run: DetectRun = {
    mode,
    targets: outcomes as TargetRun[],
    jobsListed: 0,
    stateChanges: 0,
    failedTargets: 0,
    calls: { ...noCalls(), dynamoBatchGet: stored?.calls ?? 0 },
    ...(stored?.refreshMark !== undefined && { refreshMark: stored.refreshMark }),
  };
  for (const target of run.targets) {
    if (target.outcome === 'failed') {
      run.failedTargets += 1;
      continue;
    }
    run.jobsListed += target.report.jobsListed;
    run.stateChanges += target.report.stateChanges;
    for (const name of Object.keys(run.calls) as Array<keyof DetectCalls>) {
      run.calls[name] += target.report.calls[name];
    }
  }
  return run;
}
