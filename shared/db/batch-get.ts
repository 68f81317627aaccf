import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { resendUntilDone, type RetryOptions } from '../retry.js';

/** DynamoDB's limit of keys in one BatchGetItem request. */
export const BATCH_GET_LIMIT = 100;

export class UnprocessedKeysError extends Error {
  override name = 'UnprocessedKeysError';
}

export interface BatchGetOptions extends RetryOptions {
  consistentRead?: boolean;
  /** Attribute names to read; all of them when absent. */
  attributes?: readonly string[];
}

/**
 * Reads every key's item (absent ones are left out), BatchGetItem 100 keys a call, resending
 * UnprocessedKeys with backoff until they are read or the attempts run out (then it throws: the
 * caller's retry takes over). Returns the items and the number of calls made.
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: ReadonlyArray<Record<string, unknown>>,
  options: BatchGetOptions = {},
): Promise<{ items: Array<Record<string, unknown>>; calls: number }> {
  const maxAttempts = options.maxAttempts ?? 8;
  const projection = options.attributes && {
    ProjectionExpression: options.attributes.map((_, i) => `#a${i}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(
      options.attributes.map((name, i) => [`#a${i}`, name]),
    ),
  };
  const items: Array<Record<string, unknown>> = [];
  let calls = 0;
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    await resendUntilDone(
      keys.slice(start, start + BATCH_GET_LIMIT),
      async (pending) => {
        const result = await doc.send(
          new BatchGetCommand({
            RequestItems: {
              [tableName]: {
                Keys: [...pending],
                ...(options.consistentRead ? { ConsistentRead: true } : {}),
                ...projection,
              },
            },
          }),
        );
        calls += 1;
        items.push(...(result.Responses?.[tableName] ?? []));
        return result.UnprocessedKeys?.[tableName]?.Keys ?? [];
      },
      { ...options, maxAttempts },
      (left) =>
        new UnprocessedKeysError(
          `${left.length} key(s) still unprocessed after ${maxAttempts} BatchGetItem attempts`,
        ),
    );
  }
  return { items, calls };
}
