import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  backoffDelay,
  batchPutAll,
  sleep,
  type RetryOptions,
} from '../../shared/db/batch-write.js';
import { keys } from '../../shared/db/table.js';
import type { SeenStatus } from './detect.js';

/** BatchGetItem's limit of keys per call. */
export const BATCH_GET_LIMIT = 100;

export class UnprocessedKeysError extends Error {
  override name = 'UnprocessedKeysError';
}

type Key = Record<string, string>;

export async function readWatermark(
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<string | undefined> {
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.watermark(), ConsistentRead: true }),
  );
  return typeof Item?.watermark === 'string' ? Item.watermark : undefined;
}

/**
 * Stores the watermark unless a later one is there already: two runs that overlap must not move
 * it back. (ISO 8601 strings from toISOString compare in time order.)
 */
export async function writeWatermark(
  doc: DynamoDBDocumentClient,
  tableName: string,
  watermark: string,
  now: Date,
): Promise<void> {
  try {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.watermark(),
          entity: 'watermark',
          watermark,
          updatedAt: now.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(#watermark) OR #watermark < :watermark',
        ExpressionAttributeNames: { '#watermark': 'watermark' },
        ExpressionAttributeValues: { ':watermark': watermark },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * The last-seen status of each named job (absent when never seen), BatchGetItem 100 keys a
 * call, resending UnprocessedKeys with backoff until read or the attempts run out.
 */
export async function readSeenStatuses(
  doc: DynamoDBDocumentClient,
  tableName: string,
  jobNames: readonly string[],
  options: RetryOptions = {},
): Promise<{ statuses: Map<string, SeenStatus>; calls: number }> {
  const maxAttempts = options.maxAttempts ?? 8;
  const wait = options.sleep ?? sleep;
  const statuses = new Map<string, SeenStatus>();
  const names = [...new Set(jobNames)];
  let calls = 0;
  for (let start = 0; start < names.length; start += BATCH_GET_LIMIT) {
    let pending: Key[] = names.slice(start, start + BATCH_GET_LIMIT).map(keys.seen);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt >= maxAttempts) {
        throw new UnprocessedKeysError(
          `${pending.length} last-seen status(es) still unprocessed after ${maxAttempts} BatchGetItem attempts`,
        );
      }
      if (attempt > 0) await wait(backoffDelay(attempt, options));
      const result = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: '#jobName, #status, #lastModifiedTime',
              ExpressionAttributeNames: {
                '#jobName': 'jobName',
                '#status': 'status',
                '#lastModifiedTime': 'lastModifiedTime',
              },
            },
          },
        }),
      );
      calls += 1;
      for (const item of result.Responses?.[tableName] ?? []) {
        const seen = item as SeenStatus;
        statuses.set(seen.jobName, {
          jobName: seen.jobName,
          status: seen.status,
          lastModifiedTime: seen.lastModifiedTime ?? null,
        });
      }
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    }
  }
  return { statuses, calls };
}

export function seenStatusItem(seen: SeenStatus, now: Date): Record<string, unknown> {
  return {
    ...keys.seen(seen.jobName),
    entity: 'seen',
    jobName: seen.jobName,
    status: seen.status,
    lastModifiedTime: seen.lastModifiedTime,
    seenAt: now.toISOString(),
  };
}

/** Stores last-seen statuses with BatchWriteItem; one item per job (a batch may not repeat a key). */
export async function writeSeenStatuses(
  doc: DynamoDBDocumentClient,
  tableName: string,
  statuses: readonly SeenStatus[],
  now: Date,
  options: RetryOptions = {},
): Promise<number> {
  const byName = new Map(statuses.map((seen) => [seen.jobName, seen]));
  return batchPutAll(
    doc,
    tableName,
    [...byName.values()].map((seen) => seenStatusItem(seen, now)),
    options,
  );
}
