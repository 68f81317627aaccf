export interface RetryOptions {
  /** Calls before giving up on what the service keeps handing back. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter (AWS's recommendation for contending clients). */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 50;
  const cap = options.maxDelayMs ?? 2_000;
  const random = options.random ?? Math.random;
  return Math.floor(random() * Math.min(cap, base * 2 ** attempt));
}

/**
 * Sends `first`, then whatever each call hands back (unprocessed items or keys, refused entries),
 * waiting with backoff between attempts, until nothing is left; after `maxAttempts` calls it
 * throws `exhausted(left)`, so the caller's own retry takes over and nothing is dropped.
 */
export async function resendUntilDone<T>(
  first: readonly T[],
  send: (pending: readonly T[], attempt: number) => Promise<readonly T[]>,
  options: RetryOptions & { maxAttempts: number },
  exhausted: (left: readonly T[]) => Error,
): Promise<void> {
  const wait = options.sleep ?? sleep;
  let pending = first;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt >= options.maxAttempts) throw exhausted(pending);
    if (attempt > 0) await wait(backoffDelay(attempt, options));
    pending = await send(pending, attempt);
  }
}
