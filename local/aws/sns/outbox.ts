import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeadLetter } from '../eventbridge/bus.js';
import { openJournal, type Journal } from '../journal.js';
import type { PublishedMessage } from './sns-endpoint.js';

/** One published message as `outbox.jsonl` and the webhook receive it. */
export interface OutboxLine {
  time: string;
  messageId: string;
  subject: string | undefined;
  /**
   * The message as JSON: with MessageStructure json, an object per protocol whose JSON values
   * (sqs, lambda, https) are objects too; a plain JSON message is its object; text stays text.
   */
  message: unknown;
  attributes: Record<string, string | undefined>;
}

interface OutboxDelivery {
  target: 'outbox' | 'webhook';
  line: OutboxLine;
}

export interface LocalOutbox {
  /** Journals the message's deliveries (the SNS Publish is acknowledged after) and starts them. */
  accept(message: PublishedMessage): Promise<void>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalOutboxOptions {
  dataDir: string;
  webhook?: string;
  /** First retry delay; doubles per attempt. */
  retryDelayMs: number;
  /** Attempts before a delivery is dead-lettered (Lambda's three for an async target). */
  attempts?: number;
  log: (line: string) => void;
}

const parseIfJson = (text: string): unknown => {
  if (!/^\s*[[{]/.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

export function outboxLine(message: PublishedMessage): OutboxLine {
  let body = parseIfJson(message.message);
  if (message.messageStructure === 'json' && typeof body === 'object' && body !== null) {
    body = Object.fromEntries(
      Object.entries(body).map(([protocol, value]) => [
        protocol,
        typeof value === 'string' ? parseIfJson(value) : value,
      ]),
    );
  }
  return {
    time: message.receivedAt,
    messageId: message.messageId,
    subject: message.subject,
    message: body,
    attributes: Object.fromEntries(
      Object.entries(message.messageAttributes).map(([name, value]) => [name, value.stringValue]),
    ),
  };
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * SNS's subscribers on one machine: `outbox.jsonl` and an optional webhook. A message is
 * journalled before Publish is acknowledged and stays there until each subscriber has it or it
 * was dead-lettered, so a crash loses none. The file gets each message once (a line already
 * written before a crash is not written again); the webhook gets it at least once.
 */
export async function createOutbox(options: LocalOutboxOptions): Promise<LocalOutbox> {
  const outboxFile = join(options.dataDir, 'outbox.jsonl');
  const deadLetterFile = join(options.dataDir, 'dead-letter.jsonl');
  const journal: Journal<OutboxDelivery> = await openJournal(
    join(options.dataDir, 'outbox-journal.jsonl'),
  );
  const attempts = options.attempts ?? 3;
  const written = new Set<string>();
  const existing = await readFile(outboxFile, 'utf8').catch(() => '');
  for (const line of existing.split('\n')) {
    const id = /"messageId":"([^"]+)"/.exec(line)?.[1];
    if (id) written.add(id);
  }
  const inFlight = new Set<Promise<void>>();

  async function send({ target, line }: OutboxDelivery): Promise<void> {
    if (target === 'outbox') {
      if (written.has(line.messageId)) return;
      await appendFile(outboxFile, `${JSON.stringify(line)}\n`, { mode: 0o600 });
      written.add(line.messageId);
      options.log(`notify: ${line.subject ?? '(no subject)'}`);
      return;
    }
    const response = await fetch(options.webhook ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(line),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`${options.webhook} answered ${response.status}`);
  }

  async function deliver(id: string, delivery: OutboxDelivery): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await send(delivery);
        break;
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (attempt >= attempts) {
          const letter: Omit<DeadLetter, 'event'> & { message: OutboxLine } = {
            time: new Date().toISOString(),
            functionName: delivery.target,
            attempts,
            error: reason,
            message: delivery.line,
          };
          await appendFile(deadLetterFile, `${JSON.stringify(letter)}\n`, { mode: 0o600 });
          options.log(
            `notify: ${delivery.target} gave up after ${attempts} attempts (${reason}) -> dead-letter.jsonl`,
          );
          break;
        }
        options.log(`notify: ${delivery.target} failed (attempt ${attempt}), retrying: ${reason}`);
        await wait(options.retryDelayMs * 2 ** (attempt - 1));
      }
    }
    await journal.done(id);
  }

  function start(id: string, delivery: OutboxDelivery): void {
    const work = deliver(id, delivery)
      .catch((error: unknown) =>
        // The journal keeps it: the next start delivers it again.
        options.log(
          `notify: ${delivery.target} delivery kept for the next start: ${String(error)}`,
        ),
      )
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  }

  for (const { id, entry } of journal.pending()) start(id, entry);

  return {
    async accept(message) {
      const line = outboxLine(message);
      const deliveries: OutboxDelivery[] = [
        { target: 'outbox', line },
        ...(options.webhook ? [{ target: 'webhook' as const, line }] : []),
      ];
      const ids = await journal.add(deliveries);
      deliveries.forEach((delivery, index) => start(ids[index]!, delivery));
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    close: () => journal.close(),
  };
}
