import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../../shared/db/batch-get.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import { RUNNING_STATUSES, type RunningJob } from './refresh-schedule.js';

/** The attributes a refresh reads from the status index (detect's role allows only these). */
export const RUNNING_JOB_ATTRIBUTES = [
  'jobName',
  'accountId',
  'region',
  'jobArn',
  'status',
  'lastModifiedTime',
] as const;

/** Every stored job in a running status: one Query (per 1 MB page) per running status. */
export async function readRunningJobs(
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<{ jobs: RunningJob[]; calls: number }> {
  const jobs: RunningJob[] = [];
  let calls = 0;
  const names = Object.fromEntries(RUNNING_JOB_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
  for (const status of RUNNING_STATUSES) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: layout.byStatus.indexName,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: { ...names, '#pk': layout.byStatus.pk },
          ExpressionAttributeValues: { ':pk': keyValues.statusPk(status) },
          ExclusiveStartKey: startKey,
        }),
      );
      calls += 1;
      for (const item of page.Items ?? []) {
        if (typeof item.jobName !== 'string' || typeof item.accountId !== 'string') continue;
        if (typeof item.region !== 'string') continue;
        jobs.push({
          jobName: item.jobName,
          accountId: item.accountId,
          region: item.region,
          jobArn: typeof item.jobArn === 'string' ? item.jobArn : null,
          status,
          lastModifiedTime:
            typeof item.lastModifiedTime === 'string' ? item.lastModifiedTime : null,
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return { jobs, calls };
}

/** The refresh mark among items read with it (a poll reads it with the watermarks), or null. */
export function refreshMarkOf(items: readonly Record<string, unknown>[]): string | null {
  const mark = keys.refreshMark();
  const item = items.find((candidate) =>
    Object.entries(mark).every(([name, value]) => candidate[name] === value),
  );
  return typeof item?.refreshedAt === 'string' ? item.refreshedAt : null;
}

/** The last round's mark alone: a BatchGetItem of one key, the one read detect's role has (no GetItem). */
export async function readRefreshMark(
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<string | null> {
  const { items } = await batchGetAll(doc, tableName, [keys.refreshMark()], {
    consistentRead: true,
  });
  return refreshMarkOf(items);
}

/** Moves the mark forward only: an overlapping poll's later round stays. */
export async function writeRefreshMark(
  doc: DynamoDBDocumentClient,
  tableName: string,
  at: string,
): Promise<void> {
  try {
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...keys.refreshMark(), entity: 'refresh-mark', refreshedAt: at },
        ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
        ExpressionAttributeNames: { '#at': 'refreshedAt' },
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
