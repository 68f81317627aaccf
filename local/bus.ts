import { appendFile } from 'node:fs/promises';
import { matchesEventPattern, parseEventPattern, type EventPattern } from './event-pattern.js';
import type { BusEvent } from './eventbridge-endpoint.js';
import type { FunctionDefinition } from './serverless-config.js';

export interface LocalRule {
  functionName: string;
  bus: 'default' | 'irwatch';
  pattern: EventPattern;
  /** Retries after the first attempt, as Lambda's asynchronous invocation does. */
  maximumRetryAttempts: number;
}

export interface DeadLetter {
  time: string;
  functionName: string;
  attempts: number;
  error: string;
  event: BusEvent;
}

export interface LocalBusOptions {
  functions: FunctionDefinition[];
  invoke: (functionName: string, event: unknown) => Promise<unknown>;
  /** JSON lines of events whose handler kept failing. */
  deadLetterFile?: string;
  /** First retry delay; doubles each time (Lambda waits about 1 and 2 minutes; locally shorter). */
  retryDelayMs?: number;
  onUnmatched?: (event: BusEvent) => void;
  onDeadLetter?: (letter: DeadLetter) => void;
  onRetry?: (functionName: string, attempt: number, error: unknown) => void;
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
  /** Routes events put on a bus to every function whose rule matches, without waiting for them. */
  publish(bus: 'default' | 'irwatch', events: BusEvent[]): void;
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

  async function deliver(rule: LocalRule, event: BusEvent): Promise<void> {
    const attempts = rule.maximumRetryAttempts + 1;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await options.invoke(rule.functionName, event);
        stats.delivered += 1;
        return;
      } catch (error) {
        if (attempt >= attempts) {
          const letter: DeadLetter = {
            time: new Date().toISOString(),
            functionName: rule.functionName,
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
        options.onRetry?.(rule.functionName, attempt, error);
        await wait(retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }

  return {
    rules,
    stats,
    publish(bus, events) {
      for (const event of events) {
        const matched = rules.filter(
          (rule) => rule.bus === bus && matchesEventPattern(rule.pattern, event),
        );
        if (matched.length === 0) {
          stats.unmatched += 1;
          options.onUnmatched?.(event);
        }
        for (const rule of matched) {
          const delivery = deliver(rule, event).finally(() => inFlight.delete(delivery));
          inFlight.add(delivery);
        }
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
