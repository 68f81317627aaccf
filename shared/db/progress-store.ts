import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobKey } from '../accounts.js';
import type { BenchmarkStep } from '../model/types.js';
import type { Progress } from '../model/progress.js';
import { fromItem, listedStepItem, type StoredJob } from './items.js';
import { keys, layout } from './table.js';

/** Steps written at once: a refresh's first listing of a large job writes many. */
const STEP_WRITE_CONCURRENCY = 10;

/**
 * Writes each step unless the stored one comes from a later listing (`listedAt`): a refresh that
 * lost a race with the job's final ingest must not put an older view of a benchmark back.
 * One PutItem per changed step; returns how many were written.
 */
export async function putStepsIfNewer(
  doc: DynamoDBDocumentClient,
  tableName: string,
  steps: readonly BenchmarkStep[],
  listedAt: string,
): Promise<number> {
  let written = 0;
  const queue = [...steps];
  const worker = async () => {
    for (let step = queue.shift(); step; step = queue.shift()) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: listedStepItem(step, listedAt),
            ConditionExpression: 'attribute_not_exists(#listedAt) OR #listedAt < :listedAt',
            ExpressionAttributeNames: { '#listedAt': 'listedAt' },
            ExpressionAttributeValues: { ':listedAt': listedAt },
          }),
        );
        written += 1;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: STEP_WRITE_CONCURRENCY }, worker));
  return written;
}

export type PutProgressResult = { changed: true; job: StoredJob } | { changed: false };

/**
 * Stores a running job's progress, its steps' fingerprints and counts, only while the stored job
 * still runs and holds no progress from a later listing. `progressVersion` counts the changes;
 * a change that is not to be announced (the counts stayed) is marked published in the same write.
 */
export async function putProgress(
  doc: DynamoDBDocumentClient,
  tableName: string,
  job: JobKey,
  progress: Progress,
  stepFingerprints: readonly string[],
  announce: boolean,
): Promise<PutProgressResult> {
  const next = 'if_not_exists(#progressVersion, :zero) + :one';
  try {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.job(job),
        UpdateExpression: `SET #progress = :progress, #fingerprints = :fingerprints, #benchmarkCount = :total, #failedCount = :failed, #progressVersion = ${next}${announce ? '' : `, #published = ${next}`}`,
        ConditionExpression:
          'attribute_exists(#pk) AND #status IN (:pending, :inProgress, :stopping) AND (attribute_not_exists(#progress) OR #progress.#listedAt < :listedAt)',
        ExpressionAttributeNames: {
          '#pk': layout.primary.pk,
          '#status': 'status',
          '#progress': 'progress',
          '#listedAt': 'listedAt',
          '#fingerprints': 'stepFingerprints',
          '#benchmarkCount': 'benchmarkCount',
          '#failedCount': 'failedBenchmarkCount',
          '#progressVersion': 'progressVersion',
          ...(announce ? {} : { '#published': 'publishedProgressVersion' }),
        },
        ExpressionAttributeValues: {
          ':progress': progress,
          ':fingerprints': stepFingerprints,
          ':total': progress.total,
          ':failed': progress.failed,
          ':zero': 0,
          ':one': 1,
          ':pending': 'PENDING',
          ':inProgress': 'IN_PROGRESS',
          ':stopping': 'STOPPING',
          ':listedAt': progress.listedAt,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { changed: true, job: fromItem<StoredJob>(Attributes ?? {}) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { changed: false };
  }
}
