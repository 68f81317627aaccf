import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { resendUntilDone, type RetryOptions } from './retry.js';
import { EVENT_SOURCE } from './event-names.js';

export const PUT_EVENTS_LIMIT = 10;

export interface BusEntry {
  detailType: string;
  detail: unknown;
  /** The ARNs the event concerns (the job's), as EventBridge's `resources`. */
  resources?: string[];
}

export class PutEventsError extends Error {
  override name = 'PutEventsError';
  constructor(
    message: string,
    /** Indexes (into the entries given) that were never accepted. */
    readonly unaccepted: number[],
    /** What the attempts cost, as a successful run reports it. */
    readonly result: PutEventsResult,
  ) {
    super(message);
  }
}

export interface PutEventsResult {
  calls: number;
  resent: number;
}

/**
 * Puts entries on the bus 10 a call. PutEvents reports failures per entry: those entries are
 * resent with backoff, never dropped; if some are still refused after the attempts, it throws
 * naming how many, so the caller does not advance past them.
 */
export async function putBusEvents(
  client: EventBridgeClient,
  busName: string,
  entries: readonly BusEntry[],
  options: RetryOptions = {},
): Promise<PutEventsResult> {
  const maxAttempts = options.maxAttempts ?? 6;
  const toRequest = (entry: BusEntry): PutEventsRequestEntry => ({
    EventBusName: busName,
    Source: EVENT_SOURCE,
    DetailType: entry.detailType,
    Detail: JSON.stringify(entry.detail),
    Resources: entry.resources?.filter(Boolean),
  });
  let calls = 0;
  let resent = 0;
  await resendUntilDone(
    entries.map((_, index) => index),
    async (pending, attempt) => {
      if (attempt > 0) resent += pending.length;
      const failed: number[] = [];
      for (let start = 0; start < pending.length; start += PUT_EVENTS_LIMIT) {
        const chunk = pending.slice(start, start + PUT_EVENTS_LIMIT);
        const result = await client.send(
          new PutEventsCommand({ Entries: chunk.map((index) => toRequest(entries[index]!)) }),
        );
        calls += 1;
        if (!result.FailedEntryCount) continue;
        (result.Entries ?? []).forEach((entry, position) => {
          if (entry.ErrorCode || !entry.EventId) failed.push(chunk[position]!);
        });
      }
      return failed;
    },
    { ...options, maxAttempts },
    (left) =>
      new PutEventsError(
        `${left.length} event(s) not accepted by bus ${busName} after ${maxAttempts} attempts`,
        [...left],
        { calls, resent },
      ),
  );
  return { calls, resent };
}
