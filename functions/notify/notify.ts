import { randomUUID } from 'node:crypto';
import type { JobKey } from '../../shared/accounts.js';
import { jobKeyOf } from '../../shared/db/table.js';
import { isTerminal, type RecordedDetail, type TerminalStatus } from '../../shared/events.js';
import type { BenchmarkStep, Recommendation } from '../../shared/model/types.js';
import { renderNotification, type RenderedNotification } from './message.js';

/**
 * How long a claim keeps other invocations from publishing the same notification. It must
 * outlast the function's timeout (function.yml: 30 s), so a live invocation never loses its
 * claim, and stay under Lambda's first async retry (about a minute), so the retry of an
 * invocation that crashed while holding the claim can take it over.
 */
export const CLAIM_LEASE_MS = 45_000;

export type ClaimResult =
  | { claimed: true }
  /** Another invocation published it already. */
  | { claimed: false; state: 'sent'; messageId: string | null }
  /** Another invocation holds a live claim: it is publishing right now. */
  | { claimed: false; state: 'pending'; expiresAt: string };

export interface ClaimRequest {
  job: JobKey;
  status: TerminalStatus;
  token: string;
  now: Date;
  expiresAt: Date;
}

export interface JobChildren {
  recommendations: Recommendation[];
  steps: BenchmarkStep[];
}

export interface NotifyDeps {
  /** Writes a pending claim unless the notification was sent or another live claim holds it. */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** The job's recommendations and benchmark steps, all pages, read consistently. */
  readChildren(job: JobKey): Promise<JobChildren>;
  publish(notification: RenderedNotification): Promise<{ messageId: string }>;
  /** Marks the claim sent, if it is still this token's. False when it was not. */
  markSent(request: {
    job: JobKey;
    status: TerminalStatus;
    token: string;
    messageId: string;
    sentAt: Date;
  }): Promise<boolean>;
  /** Deletes the claim, if it is still this token's. */
  release(request: { job: JobKey; status: TerminalStatus; token: string }): Promise<void>;
  now(): Date;
  warn(message: string, details: Record<string, unknown>): void;
}

/** Retryable: Lambda retries the event later, by when the other invocation has marked it sent. */
export class NotificationInProgressError extends Error {
  override name = 'NotificationInProgressError';
}

export type NotifyOutcome =
  | { outcome: 'published'; messageId: string; subject: string; size: number }
  | { outcome: 'duplicate'; messageId: string | null }
  | { outcome: 'ignored'; status: string };

/**
 * Publishes exactly one SNS message per (job, terminal status), however often and however
 * concurrently the Recorded event arrives: a conditional claim item decides who publishes, and
 * the publisher marks it sent. A failed Publish releases the claim and throws, so Lambda retries.
 *
 * One window remains: if the invocation dies after SNS accepted the message but before the claim
 * is marked sent (a crash or timeout between the two calls, or the mark itself failing), the
 * claim expires and a later delivery of the same event publishes a second message. Publish on a
 * standard topic takes no idempotency key; closing the window would need a FIFO topic
 * (MessageDeduplicationId), which cannot deliver to email or HTTPS subscribers.
 */
export async function notifyRecorded(
  detail: RecordedDetail,
  deps: NotifyDeps,
): Promise<NotifyOutcome> {
  const status = detail.status;
  if (!isTerminal(status)) return { outcome: 'ignored', status };
  const job = jobKeyOf(detail);
  const { jobName } = job;
  const token = randomUUID();
  const now = deps.now();

  const claim = await deps.claim({
    job,
    status,
    token,
    now,
    expiresAt: new Date(now.getTime() + CLAIM_LEASE_MS),
  });
  if (!claim.claimed) {
    if (claim.state === 'sent') return { outcome: 'duplicate', messageId: claim.messageId };
    throw new NotificationInProgressError(
      `Another invocation is publishing the ${status} notification of ${jobName} in ${job.accountId}/${job.region} (claim expires ${claim.expiresAt}); retry later`,
    );
  }

  let messageId: string;
  let notification: RenderedNotification;
  try {
    const children = await deps.readChildren(job);
    notification = renderNotification({ detail: { ...detail, status }, ...children });
    ({ messageId } = await deps.publish(notification));
  } catch (error) {
    // Nothing was published: let the retry claim it again at once instead of after the lease.
    try {
      await deps.release({ job, status, token });
    } catch (releaseError) {
      deps.warn('Could not release the notification claim; it expires on its own', {
        jobName,
        status,
        error: String(releaseError),
      });
    }
    throw error;
  }

  // The message is out: from here on, throwing would only make a retry publish it again.
  try {
    const marked = await deps.markSent({ job, status, token, messageId, sentAt: deps.now() });
    if (!marked) {
      // Only when this invocation outlived its lease and another took the claim over.
      deps.warn('The notification claim was taken over before it was marked sent', {
        jobName,
        status,
        messageId,
      });
    }
  } catch (error) {
    deps.warn('Published, but could not mark the notification sent', {
      jobName,
      status,
      messageId,
      error: String(error),
    });
  }
  return {
    outcome: 'published',
    messageId,
    subject: notification.subject,
    size: notification.size,
  };
}
