import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobKey } from '../accounts.js';
import type { Job } from '../model/types.js';
import { fitJob, fromItem, modelKeyOf, STATUS_RANK, type StoredJob } from './items.js';
import { jobKeyOf, keys, layout } from './table.js';

export type PutJobResult =
  { changed: true; job: StoredJob } | { changed: false; job: StoredJob | undefined };

/** Builds `SET #n0 = :v0, ...` over an object's attributes with placeholder names. */
function setExpression(values: Record<string, unknown>, remove: string[] = []) {
  const names: Record<string, string> = {};
  const exprValues: Record<string, unknown> = {};
  const sets: string[] = [];
  Object.entries(values).forEach(([name, value], index) => {
    names[`#n${index}`] = name;
    exprValues[`:v${index}`] = value;
    sets.push(`#n${index} = :v${index}`);
  });
  const removes = remove.map((name, index) => {
    names[`#r${index}`] = name;
    return `#r${index}`;
  });
  return {
    expression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    names,
    values: exprValues,
  };
}

export async function getJob(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: JobKey,
  consistent = false,
): Promise<StoredJob | undefined> {
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.job(job), ConsistentRead: consistent }),
  );
  return Item ? fromItem<StoredJob>(Item) : undefined;
}

/**
 * Writes the job record only if the description is newer than what is stored (or as new and
 * further along), in one UpdateItem: `version` counts real changes and `previousStatus` keeps
 * the status this change replaced. A stale or duplicate description changes nothing.
 */
export async function putJobRecord(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: Job,
  now: Date,
): Promise<PutJobResult> {
  const fitted = fitJob(job);
  const key = jobKeyOf(fitted);
  const model = modelKeyOf(fitted);
  const attributes: Record<string, unknown> = {
    ...fitted,
    entity: 'job',
    statusRank: STATUS_RANK[fitted.status],
    recordedAt: now.toISOString(),
    ...keys.statusIndex(fitted.status, fitted.lastModifiedTime ?? '', key),
    ...(model ? keys.modelIndex(model, fitted.creationTime ?? '', key) : {}),
  };
  const remove = ['notFound', 'notFoundAt', ...(fitted.trimmed ? [] : ['trimmed'])];
  if (!model) remove.push(layout.byModel.pk, layout.byModel.sk);
  const update = setExpression(attributes, remove);
  try {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.job(key),
        UpdateExpression: `${update.expression.replace(
          /^SET /,
          'SET #version = if_not_exists(#version, :zero) + :one, #previousStatus = if_not_exists(#status, :null), ',
        )}`,
        ConditionExpression:
          'attribute_not_exists(#lmt) OR #lmt < :lmt OR (#lmt = :lmt AND #rank < :rank)',
        ExpressionAttributeNames: {
          ...update.names,
          '#version': 'version',
          '#previousStatus': 'previousStatus',
          '#status': 'status',
          '#lmt': 'lastModifiedTime',
          '#rank': 'statusRank',
        },
        ExpressionAttributeValues: {
          ...update.values,
          ':zero': 0,
          ':one': 1,
          ':null': null,
          ':lmt': fitted.lastModifiedTime ?? '',
          ':rank': STATUS_RANK[fitted.status],
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { changed: true, job: fromItem<StoredJob>(Attributes ?? {}) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { changed: false, job: await getJob(doc, tableName, key, true) };
  }
}

/**
 * Records that the bus accepted the Recorded event of `version` (or, with `attribute`
 * `publishedProgressVersion`, the Progress event), so a retry does not resend it.
 */
export async function markPublished(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: JobKey,
  version: number,
  attribute: 'publishedVersion' | 'publishedProgressVersion' = 'publishedVersion',
): Promise<void> {
  try {
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.job(job),
        UpdateExpression: 'SET #published = :version',
        ConditionExpression:
          'attribute_exists(#pk) AND (attribute_not_exists(#published) OR #published < :version)',
        ExpressionAttributeNames: { '#pk': layout.primary.pk, '#published': attribute },
        ExpressionAttributeValues: { ':version': version },
      }),
    );
  } catch (error) {
    // A concurrent invocation marked the same or a newer version: nothing left to do.
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** SageMaker no longer knows the job: say so on the record instead of retrying forever. */
export async function markNotFound(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: JobKey,
  now: Date,
): Promise<void> {
  await doc.send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.job(job),
      UpdateExpression:
        'SET #notFound = :true, #notFoundAt = :now, #jobName = :jobName, #accountId = :accountId, #region = :region, #entity = if_not_exists(#entity, :entity)',
      ExpressionAttributeNames: {
        '#notFound': 'notFound',
        '#notFoundAt': 'notFoundAt',
        '#jobName': 'jobName',
        '#accountId': 'accountId',
        '#region': 'region',
        '#entity': 'entity',
      },
      ExpressionAttributeValues: {
        ':true': true,
        ':now': now.toISOString(),
        ':jobName': job.jobName,
        ':accountId': job.accountId,
        ':region': job.region,
        ':entity': 'job',
      },
    }),
  );
}
