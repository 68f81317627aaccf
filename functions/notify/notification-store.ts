import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { JobKey } from '../../shared/accounts.js';
import { fromItem } from '../../shared/db/items.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import type { BenchmarkStep, Recommendation } from '../../shared/model/types.js';
import type { ClaimRequest, ClaimResult, JobChildren } from './notify.js';

/** The item at `<account>#<region>#NOTIFY#<status>` in the job's partition: who publishes, and what was sent. */
export interface NotificationRecord {
  entity: 'notification';
  jobName: string;
  accountId: string;
  region: string;
  status: string;
  state: 'pending' | 'sent';
  token: string;
  claimedAt: string;
  /** Set while pending. */
  expiresAt?: string;
  messageId?: string;
  sentAt?: string;
}

/** A claim that vanished or expired between our write and our read is simply tried again. */
const CLAIM_ATTEMPTS = 3;

async function readNotification(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: JobKey,
  status: string,
): Promise<NotificationRecord | undefined> {
  const { Item } = await doc.send(
    new GetCommand({
      TableName: tableName,
      Key: keys.notification(job, status),
      ConsistentRead: true,
    }),
  );
  return Item ? fromItem<NotificationRecord>(Item) : undefined;
}

/**
 * One conditional PutItem: the claim is written only where there is none, or where a pending
 * claim expired (its holder died). ISO 8601 UTC strings compare in time order.
 */
export async function claimNotification(
  doc: DynamoDBDocumentClient,
  tableName: string,
  request: ClaimRequest,
): Promise<ClaimResult> {
  const { job, status, token } = request;
  for (let attempt = 1; ; attempt += 1) {
    const now = request.now.toISOString();
    const record: NotificationRecord = {
      entity: 'notification',
      ...job,
      status,
      state: 'pending',
      token,
      claimedAt: now,
      expiresAt: request.expiresAt.toISOString(),
    };
    try {
      await doc.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.notification(job, status), ...record },
          ConditionExpression:
            'attribute_not_exists(#pk) OR (#state = :pending AND #expiresAt < :now)',
          ExpressionAttributeNames: {
            '#pk': layout.primary.pk,
            '#state': 'state',
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: { ':pending': 'pending', ':now': now },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = await readNotification(doc, tableName, job, status);
    if (existing?.state === 'sent') {
      return { claimed: false, state: 'sent', messageId: existing.messageId ?? null };
    }
    const expiresAt = existing?.expiresAt;
    if (existing && expiresAt !== undefined && expiresAt >= now) {
      return { claimed: false, state: 'pending', expiresAt };
    }
    if (attempt >= CLAIM_ATTEMPTS) {
      return { claimed: false, state: 'pending', expiresAt: expiresAt ?? now };
    }
  }
}

export async function markNotificationSent(
  doc: DynamoDBDocumentClient,
  tableName: string,
  request: { job: JobKey; status: string; token: string; messageId: string; sentAt: Date },
): Promise<boolean> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.notification(request.job, request.status),
        UpdateExpression:
          'SET #state = :sent, #messageId = :messageId, #sentAt = :sentAt REMOVE #expiresAt',
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: {
          '#state': 'state',
          '#messageId': 'messageId',
          '#sentAt': 'sentAt',
          '#expiresAt': 'expiresAt',
          '#token': 'token',
        },
        ExpressionAttributeValues: {
          ':sent': 'sent',
          ':messageId': request.messageId,
          ':sentAt': request.sentAt.toISOString(),
          ':token': request.token,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function releaseNotification(
  doc: DynamoDBDocumentClient,
  tableName: string,
  request: { job: JobKey; status: string; token: string },
): Promise<void> {
  try {
    await doc.send(
      new DeleteCommand({
        TableName: tableName,
        Key: keys.notification(request.job, request.status),
        ConditionExpression: '#token = :token AND #state = :pending',
        ExpressionAttributeNames: { '#token': 'token', '#state': 'state' },
        ExpressionAttributeValues: { ':token': request.token, ':pending': 'pending' },
      }),
    );
  } catch (error) {
    // The claim is someone else's now: theirs to finish.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * One Query over the job's recommendations and benchmark steps, which sort next to each other
 * (`REC#` and `STEP#` under the job's scope): every page, consistent, as ingest wrote them just
 * before it emitted the event. Not the summary chunks after them: the message needs the full
 * recommendations and steps, not the compact copies the API ranks with.
 */
export async function readJobChildren(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: JobKey,
): Promise<JobChildren> {
  const recommendations: Recommendation[] = [];
  const steps: BenchmarkStep[] = [];
  const recPrefix = keyValues.recommendationPrefix(job);
  const stepPrefix = keyValues.stepPrefix(job);
  const pages = paginateQuery(
    { client: doc },
    {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :last',
      ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
      ExpressionAttributeValues: {
        ':pk': keyValues.jobPk(job.jobName),
        ':first': recPrefix,
        // `STEP#` keys continue with digits, all below `~`.
        ':last': `${stepPrefix}~`,
      },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const sk = item[layout.primary.sk];
      if (typeof sk !== 'string') continue;
      if (sk.startsWith(recPrefix)) {
        recommendations.push(fromItem<Recommendation>(item));
      } else if (sk.startsWith(stepPrefix)) {
        steps.push(fromItem<BenchmarkStep>(item));
      }
    }
  }
  return { recommendations, steps };
}
