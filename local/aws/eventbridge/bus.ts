import { appendFile } from 'node:fs/promises';
import type { Journal } from '../journal.js';
import { matchesEventPattern, parseEventPattern, type EventPattern } from './event-pattern.js';
import type { BusEvent } from './eventbridge-endpoint.js';
import type { FunctionDefinition } from '../../stack/serverless-config.js';

export interface LocalRule {
  functionName: string;
  bus: 'default' | 'irwatch';
  pattern: EventPattern;
  /** Retries after the first attempt, as Lambda's asynchronous invocation does. */
  maximumRetryAttempts: number;
}

export interface DeadLetter {
  time: string;
  /** The function, or `outbox` / `webhook` for an SNS message its subscriber never took. */
  functionName: string;
  attempts: number;
  error: string;
  /** The outbox's letters (`outbox`, `webhook`) carry the SNS `message` in its place. */
  event: BusEvent;
}

export interface LocalBusOptions {
  functions: FunctionDefinition[];
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  /** JSON lines of events whose handler kept failing. */
  deadLetterFile?: string;
  /**
   * Where accepted deliveries wait until their target succeeded or dead-lettered: with one,
   * `publish` resolves only once they are on disk, and `resume` delivers what a crash left.
   */
  journal?: Journal<PendingDelivery>;
  /** First retry delay; doubles each time (Lambda waits about 1 and 2 minutes; locally shorter). */
  retryDelayMs?: number;
  onUnmatched?: (event: BusEvent) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
  onRetry?: (functionName: string, attempt: number, error: unknown) => void;
  /** A dead letter or journal line that could not be written; the journal keeps the delivery. */
  onError?: (error: unknown) => void;
}

/** One event on its way to one rule's function. */
export interface PendingDelivery {
  functionName: string;
  event: BusEvent;
}

export interface LocalBusStats {
  delivered: number;
  unmatched: number;
  retries: number;
  deadLetters: number;
}

export interface LocalBus {
  readonly rules: LocalRule[];
  readonly stats: LocalBusStats;
  /**
   * Routes events put on a bus to every function whose rule matches, without waiting for the
   * functions; resolves once the deliveries are journalled (at once without a journal).
   */
  publish(bus: 'default' | 'irwatch', events: BusEvent[]): Promise<void>;
  /** Starts the deliveries the journal still holds (those a previous process never finished). */
  resume(): number;
  /** Resolves once every delivery in flight (and those it caused) has finished or dead-lettered. */
  idle(): Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The rules of serverless.yml, read from the same file osls deploys: no second copy. */
export function rulesOf(functions: FunctionDefinition[]): LocalRule[] {
  return functions.flatMap((fn) =>
    fn.eventBridge
      .filter((trigger) => trigger.pattern !== undefined)
      .map((trigger) => ({
        functionName: fn.name,
        bus: trigger.bus,
        pattern: parseEventPattern(trigger.pattern),
        maximumRetryAttempts: fn.maximumRetryAttempts,
      })),
  );
}

/**
 * The irwatch bus on one machine: EventBridge pattern matching, asynchronous delivery, bounded
 * retries with backoff, and a dead-letter file, so a failing handler loses nothing.
 */
export function createLocalBus(options: LocalBusOptions): LocalBus {
  const rules = rulesOf(options.functions);
  const stats: LocalBusStats = { delivered: 0, unmatched: 0, retries: 0, deadLetters: 0 };
  const inFlight = new Set<Promise<void>>();
  const retryDelayMs = options.retryDelayMs ?? 1_000;

  const journal = options.journal;
  const retriesOf = new Map(rules.map((rule) => [rule.functionName, rule.maximumRetryAttempts]));

  async function deliver(functionName: string, event: BusEvent): Promise<void> {
    const attempts = (retriesOf.get(functionName) ?? 0) + 1;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await options.invoke(functionName, event);
        stats.delivered += 1;
        return;
      } catch (error) {
        if (attempt >= attempts) {
          const letter: DeadLetter = {
            time: new Date().toISOString(),
            functionName,
            attempts,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
            event,
          };
          stats.deadLetters += 1;
          if (options.deadLetterFile) {
            await appendFile(options.deadLetterFile, `${JSON.stringify(letter)}\n`);
          }
          options.onDeadLetter?.(letter);
          return;
        }
        stats.retries += 1;
        options.onRetry?.(functionName, attempt, error);
        await wait(retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  function track(work: Promise<void>): void {
    const tracked = work.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }

  function start(delivery: PendingDelivery, id: string | undefined): void {
    track(
      deliver(delivery.functionName, delivery.event)
        .then(async () => {
          if (journal && id !== undefined) await journal.done(id);
        })
        .catch((error: unknown) => options.onError?.(error)),
    );
  }

  return {
    rules,
    stats,
    publish(bus, events) {
      const deliveries: PendingDelivery[] = [];
      for (const event of events) {
        const matched = rules.filter(
          (rule) => rule.bus === bus && matchesEventPattern(rule.pattern, event),
        );
        if (matched.length === 0) {
          stats.unmatched += 1;
          options.onUnmatched?.(event);
        }
        for (const rule of matched) deliveries.push({ functionName: rule.functionName, event });
      }
      if (!journal) {
        for (const delivery of deliveries) start(delivery, undefined);
        return Promise.resolve();
      }
      if (deliveries.length === 0) return Promise.resolve();
      const journalled = journal.add(deliveries).then((ids) => {
        deliveries.forEach((delivery, index) => start(delivery, ids[index]));
      });
      // Tracked too, so idle() also waits for deliveries still being written down.
      track(journalled.catch(() => undefined));
      return journalled;
    },
    resume() {
      const pending = journal?.pending() ?? [];
      for (const { id, entry } of pending) start(entry, id);
      return pending.length;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
