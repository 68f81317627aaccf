import {
  PutEventsCommand,
  type EventBridgeClient,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import {
  DeleteMessageBatchCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export const REDRIVE_FUNCTIONS = ['detect', 'ingest', 'notify'] as const;

const BATCH = 10;
/** Long enough that a message refused in this run is not received again before the run ends. */
const VISIBILITY_TIMEOUT_SECONDS = 120;

export interface QueueRedrive {
  queueName: string;
  /** The queue does not exist (stage not deployed, or the function was removed). */
  missing: boolean;
  received: number;
  putBack: number;
  /** aws.* events (schedule, CloudTrail): deleted, since the next poll catches up. */
  skipped: number;
  /** Not JSON, or no event inside: left in the queue for a human. */
  unreadable: number;
  /** PutEvents refused the entry: left in the queue, received again after its visibility timeout. */
  refused: number;
  /** Put back, but the delete failed: the message comes back, harmless since handlers are idempotent. */
  deleteFailed: number;
}

export interface RedriveReport {
  busName: string;
  queues: QueueRedrive[];
}

export interface RedriveQueuesOptions {
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  stage: string;
  /** Defaults to `irwatch-<stage>`. */
  busName?: string;
  /** Defaults to `irwatch-<stage>-<fn>-dlq` for detect, ingest and notify. */
  queueNames?: string[];
  log: (line: string) => void;
}

export interface DeadLetterEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  resources: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The event a dead letter carries: Lambda's on-failure record wraps it in `requestPayload`;
 * EventBridge's own dead letters are the event itself.
 */
export function unwrapDeadLetter(body: string | undefined): DeadLetterEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
  if (!isRecord(parsed)) return undefined;
  const event = 'requestPayload' in parsed ? parsed.requestPayload : parsed;
  if (!isRecord(event)) return undefined;
  const { source, detail } = event;
  const detailType = event['detail-type'];
  if (typeof source !== 'string' || source === '') return undefined;
  if (typeof detailType !== 'string' || detailType === '' || !isRecord(detail)) return undefined;
  const resources = Array.isArray(event.resources)
    ? event.resources.filter((r): r is string => typeof r === 'string')
    : [];
  return { source, 'detail-type': detailType, detail, resources };
}

export function defaultQueueNames(stage: string): string[] {
  return REDRIVE_FUNCTIONS.map((fn) => `irwatch-${stage}-${fn}-dlq`);
}

interface Received {
  message: Message;
  event: DeadLetterEvent;
}

export async function redriveQueues(options: RedriveQueuesOptions): Promise<RedriveReport> {
  const busName = options.busName ?? `irwatch-${options.stage}`;
  const queues: QueueRedrive[] = [];
  for (const queueName of options.queueNames ?? defaultQueueNames(options.stage)) {
    queues.push(await redriveQueue(options, busName, queueName));
  }
  return { busName, queues };
}

async function redriveQueue(
  options: RedriveQueuesOptions,
  busName: string,
  queueName: string,
): Promise<QueueRedrive> {
  const { sqs, log } = options;
  const report: QueueRedrive = {
    queueName,
    missing: false,
    received: 0,
    putBack: 0,
    skipped: 0,
    unreadable: 0,
    refused: 0,
    deleteFailed: 0,
  };
  let queueUrl: string | undefined;
  try {
    ({ QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName })));
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
  }
  if (!queueUrl) {
    log(`${queueName}: no such queue, skipped`);
    return { ...report, missing: true };
  }

  // A message left behind comes back if the run outlasts its visibility timeout: seen once is enough.
  const seen = new Set<string>();
  for (;;) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: BATCH,
        WaitTimeSeconds: 0,
        VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
        MessageAttributeNames: ['All'],
      }),
    );
    const fresh = messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    fresh.forEach((m) => seen.add(m.MessageId ?? ''));
    report.received += fresh.length;

    const toPut: Received[] = [];
    const toDelete: Message[] = [];
    for (const message of fresh) {
      const event = unwrapDeadLetter(message.Body);
      if (!event) {
        report.unreadable += 1;
        log(`${queueName}: message ${message.MessageId} is not an event, left in the queue`);
      } else if (event.source.startsWith('aws.')) {
        report.skipped += 1;
        toDelete.push(message);
        log(
          `${queueName}: ${event.source} "${event['detail-type']}" not re-sendable, deleted (the next poll catches up)`,
        );
      } else {
        toPut.push({ message, event });
      }
    }

    if (toPut.length > 0) {
      const accepted = await putBack(options.eventBridge, busName, toPut, queueName, log);
      report.putBack += accepted.length;
      report.refused += toPut.length - accepted.length;
      toDelete.push(...accepted);
    }
    report.deleteFailed += await deleteMessages(sqs, queueUrl, toDelete, queueName, log);
  }
  log(
    `${queueName}: ${report.received} received, ${report.putBack} put back, ${report.skipped} skipped, ${report.unreadable} unreadable, ${report.refused} refused (left)`,
  );
  return report;
}

/** Puts the events back; returns the messages whose entries were accepted. */
async function putBack(
  eventBridge: EventBridgeClient,
  busName: string,
  received: Received[],
  queueName: string,
  log: (line: string) => void,
): Promise<Message[]> {
  let entries: PutEventsResultEntry[];
  try {
    ({ Entries: entries = [] } = await eventBridge.send(
      new PutEventsCommand({
        Entries: received.map(({ event }) => ({
          EventBusName: busName,
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
          Resources: event.resources,
        })),
      }),
    ));
  } catch (error) {
    log(
      `${queueName}: PutEvents failed (${error instanceof Error ? error.message : String(error)}), ${received.length} left in the queue`,
    );
    return [];
  }
  const accepted: Message[] = [];
  received.forEach(({ message, event }, index) => {
    const result = entries[index];
    if (result?.EventId && !result.ErrorCode) {
      accepted.push(message);
    } else {
      log(
        `${queueName}: "${event['detail-type']}" refused by the bus (${result?.ErrorCode ?? 'no result'}: ${result?.ErrorMessage ?? ''}), left in the queue`,
      );
    }
  });
  return accepted;
}

/** Returns how many could not be deleted. */
async function deleteMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: Message[],
  queueName: string,
  log: (line: string) => void,
): Promise<number> {
  if (messages.length === 0) return 0;
  const { Failed: failed = [] } = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, index) => ({
        Id: String(index),
        ReceiptHandle: m.ReceiptHandle,
      })),
    }),
  );
  for (const failure of failed) {
    log(
      `${queueName}: delete failed (${failure.Code}: ${failure.Message ?? ''}); it will be redriven again, harmless`,
    );
  }
  return failed.length;
}

/** Nonzero when something was left in a queue. */
export function redriveExitCode(report: RedriveReport): number {
  return report.queues.some((q) => q.refused > 0 || q.unreadable > 0) ? 1 : 0;
}
