import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resendUntilDone, type RetryOptions } from '../retry.js';

export const BATCH_WRITE_LIMIT = 25;

export class UnprocessedItemsError extends Error {
  override name = 'UnprocessedItemsError';
}

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * Puts every item with BatchWriteItem, 25 a call, resending UnprocessedItems with backoff until
 * they are written or the attempts run out (then it throws: the caller's retry takes over).
 * Returns the number of BatchWriteItem calls made.
 */
export const batchPutAll = (
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: ReadonlyArray<Record<string, unknown>>,
  options: RetryOptions = {},
): Promise<number> =>
  batchWriteAll(
    doc,
    tableName,
    items.map((Item) => ({ PutRequest: { Item } })),
    options,
  );

/** Puts and deletes, as batchPutAll puts: 25 a call, resending what was left unprocessed. */
export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly WriteRequest[],
  options: RetryOptions = {},
): Promise<number> {
  const maxAttempts = options.maxAttempts ?? 8;
  let calls = 0;
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    const chunk = requests.slice(start, start + BATCH_WRITE_LIMIT);
    await resendUntilDone(
      chunk,
      async (pending) => {
        const result = await doc.send(
          new BatchWriteCommand({ RequestItems: { [tableName]: [...pending] } }),
        );
        calls += 1;
        return (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
      },
      { ...options, maxAttempts },
      (left) =>
        new UnprocessedItemsError(
          `${left.length} item(s) still unprocessed after ${maxAttempts} BatchWriteItem attempts`,
        ),
    );
  }
  return calls;
}
