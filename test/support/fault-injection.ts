/**
 * Tools of the fault-injection suite (test/e2e/faults.test.ts): a seeded random source, crashes
 * injected through a handler's deps, and the counts table the suite prints.
 */

/** mulberry32: small, fast and good enough to decide faults; the same seed gives the same draws. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export const randomInt = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));

/** Fisher-Yates, in place. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** What a Lambda invocation dying mid-way looks like to the code around it. */
export class SimulatedCrashError extends Error {
  override name = 'SimulatedCrashError';
}

export type CrashTiming = 'before' | 'after';

/** Where a chosen invocation dies: before or after its `call`-th call (from 1) of an eligible dep. */
export interface CrashPoint {
  call: number;
  timing: CrashTiming;
}

/** Where a crash actually happened; `end` is after the handler's own work, before it returned. */
export interface CrashSite {
  dep: string;
  timing: CrashTiming | 'end';
}

export interface CrashingDeps<T> {
  deps: T;
  /** Where the crash happened, once it did. */
  site(): CrashSite | undefined;
  /**
   * For a handler that finished before reaching the planned call: the crash happens now, after
   * all its side effects (as when Lambda dies before it reports success).
   */
  crashAtEnd(): SimulatedCrashError;
}

/**
 * Wraps a function's real deps object so the planned call of an eligible dep throws a
 * SimulatedCrashError, before or after doing its work: the crash between two side effects.
 * Points that `excluded` names are not crashed at; the crash moves to the next eligible call (or
 * to the end), so it is never silently dropped.
 */
export function crashingDeps<T extends object>(
  real: T,
  options: {
    eligible: ReadonlyArray<keyof T & string>;
    point: CrashPoint;
    excluded?: (dep: string, timing: CrashTiming) => boolean;
  },
): CrashingDeps<T> {
  const eligible = new Set<string>(options.eligible);
  let calls = 0;
  let site: CrashSite | undefined;
  let postponed = false;

  const crash = (dep: string, timing: CrashTiming | 'end') => {
    site = { dep, timing };
    return new SimulatedCrashError(
      timing === 'end'
        ? 'Simulated crash after the handler did its work'
        : `Simulated crash ${timing} ${dep}`,
    );
  };
  const shouldCrash = (dep: string, timing: CrashTiming, call: number) => {
    if (site) return false;
    const due = postponed || (call === options.point.call && timing === options.point.timing);
    if (!due) return false;
    if (options.excluded?.(dep, timing)) {
      postponed = true;
      return false;
    }
    return true;
  };

  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(real)) {
    if (typeof value !== 'function' || !eligible.has(name)) {
      wrapped[name] = typeof value === 'function' ? value.bind(real) : value;
      continue;
    }
    const original = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      calls += 1;
      const call = calls;
      if (shouldCrash(name, 'before', call)) throw crash(name, 'before');
      const result = await original.apply(real, args);
      if (shouldCrash(name, 'after', call)) throw crash(name, 'after');
      return result;
    };
  }
  return {
    deps: wrapped as T,
    site: () => site,
    crashAtEnd: () => crash('(handler)', 'end'),
  };
}

/** Two aligned columns, for the counts the suite prints. */
export function countsTable(title: string, rows: ReadonlyArray<[string, number | string]>): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => String(value).length));
  const rule = '-'.repeat(width + valueWidth + 3);
  return [
    title,
    rule,
    ...rows.map(
      ([label, value]) => `${label.padEnd(width)}   ${String(value).padStart(valueWidth)}`,
    ),
    rule,
  ].join('\n');
}
