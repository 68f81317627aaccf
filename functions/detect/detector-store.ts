import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchPutAll, type RetryOptions } from '../../shared/db/batch-write.js';
import { batchGetAll } from '../../shared/db/batch-get.js';
import { describeTarget, type AccountRegion, type JobKey } from '../../shared/accounts.js';
import { keys } from '../../shared/db/table.js';
import type { SeenStatus } from './detect.js';
import { refreshMarkOf } from './refresh-store.js';

/** What a poll reads of the detector's own items before it lists anything. */
export interface DetectorMarks {
  /** By describeTarget; a target never polled is absent. */
  watermarks: Map<string, string>;
  /** When the last refresh round of running jobs ended: null if none did, undefined if not read. */
  refreshMark?: string | null;
  calls: number;
}

/**
 * The stored watermarks of these accounts and regions and, with `refreshMark`, the refresh
 * round's mark, all in one BatchGetItem (100 keys a call), strongly consistent.
 */
export async function readWatermarks(
  doc: DynamoDBDocumentClient,
  tableName: string,
  targets: readonly AccountRegion[],
  options: RetryOptions & { refreshMark?: boolean } = {},
): Promise<DetectorMarks> {
  const { refreshMark: withMark = false, ...retry } = options;
  const itemKeys = targets.map(keys.watermark);
  if (withMark) itemKeys.push(keys.refreshMark());
  const { items, calls } = await batchGetAll(doc, tableName, itemKeys, {
    ...retry,
    consistentRead: true,
  });
  const watermarks = new Map<string, string>();
  const marks: DetectorMarks = { watermarks, calls };
  if (withMark) marks.refreshMark = refreshMarkOf(items);
  for (const item of items) {
    if (typeof item.watermark !== 'string') continue;
    if (typeof item.accountId !== 'string' || typeof item.region !== 'string') continue;
    watermarks.set(
      describeTarget({ accountId: item.accountId, region: item.region }),
      item.watermark,
    );
  }
  return marks;
}

/**
 * Stores the watermark unless a later one is there already: two runs that overlap must not move
 * it back. (ISO 8601 strings from toISOString compare in time order.)
 */
export async function writeWatermark(
  doc: DynamoDBDocumentClient,
  tableName: string,
  where: AccountRegion,
  watermark: string,
  now: Date,
): Promise<void> {
  try {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.watermark(where),
          entity: 'watermark',
          accountId: where.accountId,
          region: where.region,
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
 * The status and LastModifiedTime that items keyed by job name hold, BatchGetItem 100 keys a
 * call (strongly consistent, only those attributes), resending UnprocessedKeys with backoff until
 * read or the attempts run out. An absent item is absent from the map.
 */
async function readStatuses(
  doc: DynamoDBDocumentClient,
  tableName: string,
  itemKeys: ReadonlyArray<Record<string, unknown>>,
  attributes: readonly string[],
  options: RetryOptions,
): Promise<{ statuses: Map<string, SeenStatus>; calls: number }> {
  const statuses = new Map<string, SeenStatus>();
  const { items, calls } = await batchGetAll(doc, tableName, itemKeys, {
    ...options,
    consistentRead: true,
    attributes,
  });
  for (const item of items) {
    const found = item as Partial<SeenStatus>;
    if (typeof found.jobName !== 'string') continue;
    statuses.set(found.jobName, {
      jobName: found.jobName,
      // A job record marked not-found carries no status: any status SageMaker shows differs.
      status: found.status ?? (null as unknown as SeenStatus['status']),
      lastModifiedTime: found.lastModifiedTime ?? null,
    });
  }
  return { statuses, calls };
}

/** What a backfill reads of a job record; detect's role allows no other attribute there. */
export const JOB_RECORD_ATTRIBUTES = ['jobName', 'status', 'lastModifiedTime'] as const;

/** Reads, for each named job of one account and region, the status item `keyOf` names (seen mark or job record). */
const statusReader =
  (keyOf: (job: JobKey) => Record<string, unknown>) =>
  (
    doc: DynamoDBDocumentClient,
    tableName: string,
    where: AccountRegion,
    jobNames: readonly string[],
    options: RetryOptions = {},
  ) =>
    readStatuses(
      doc,
      tableName,
      [...new Set(jobNames)].map((jobName) => keyOf({ ...where, jobName })),
      JOB_RECORD_ATTRIBUTES,
      options,
    );

/** The last-seen status of each named job (absent when never seen). */
export const readSeenStatuses = statusReader(keys.seen);

/**
 * The status and LastModifiedTime of each named job's record (absent when there is none): only
 * those attributes of the `JOB` item, which is all detect's role may read of a job's partition.
 */
export const readJobRecords = statusReader(keys.job);

export function seenStatusItem(
  seen: SeenStatus,
  where: AccountRegion,
  now: Date,
): Record<string, unknown> {
  return {
    ...keys.seen({ ...where, jobName: seen.jobName }),
    entity: 'seen',
    jobName: seen.jobName,
    accountId: where.accountId,
    region: where.region,
    status: seen.status,
    lastModifiedTime: seen.lastModifiedTime,
    seenAt: now.toISOString(),
  };
}

/** Stores last-seen statuses with BatchWriteItem; one item per job (a batch may not repeat a key). */
export async function writeSeenStatuses(
  doc: DynamoDBDocumentClient,
  tableName: string,
  where: AccountRegion,
  statuses: readonly SeenStatus[],
  now: Date,
  options: RetryOptions = {},
): Promise<number> {
  const byName = new Map(statuses.map((seen) => [seen.jobName, seen]));
  return batchPutAll(
    doc,
    tableName,
    [...byName.values()].map((seen) => seenStatusItem(seen, where, now)),
    options,
  );
}
