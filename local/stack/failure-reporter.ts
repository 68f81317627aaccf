/**
 * Reports a recurring failure once per distinct message, then again only after a pause that
 * doubles (up to an hour), with how often it happened meanwhile: a SageMaker that keeps refusing
 * the credentials says so once, not on every poll.
 */
export function createFailureReporter(
  log: (line: string) => void,
  now: () => number = Date.now,
  firstPauseMs = 60_000,
) {
  const failures = new Map<string, { count: number; nextReportAt: number; pauseMs: number }>();
  return (line: string): void => {
    const at = now();
    const seen = failures.get(line);
    if (!seen) {
      failures.set(line, { count: 1, nextReportAt: at + firstPauseMs, pauseMs: firstPauseMs });
      log(line);
      return;
    }
    seen.count += 1;
    if (at < seen.nextReportAt) return;
    log(`${line} (${seen.count} times so far)`);
    seen.pauseMs = Math.min(seen.pauseMs * 2, 3_600_000);
    seen.nextReportAt = at + seen.pauseMs;
  };
}
