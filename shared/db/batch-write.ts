import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const BATCH_WRITE_LIMIT = 25;

export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
}

export interface RetryOptions {
  /** Calls per chunk before giving up on the items DynamoDB keeps returning unprocessed. */
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

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

/**
 * Puts every item with BatchWriteItem, 25 a call, resending UnprocessedItems with backoff until
 * they are written or the attempts run out (then it throws: the caller's retry takes over).
 * Returns the number of BatchWriteItem calls made.
 */
export async function batchPutAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: ReadonlyArray<Record<string, unknown>>,
  options: RetryOptions = {},
): Promise<number> {
  const maxAttempts = options.maxAttempts ?? 8;
  const wait = options.sleep ?? sleep;
  let calls = 0;
  for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] = items
      .slice(start, start + BATCH_WRITE_LIMIT)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= maxAttempts) {
        throw new UnprocessedItemsError(
          `${pending.length} item(s) still unprocessed after ${maxAttempts} BatchWriteItem attempts`,
        );
      }
      if (attempt > 0) await wait(backoffDelay(attempt, options));
      const result = await doc.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      calls += 1;
      pending = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
  return calls;
}
