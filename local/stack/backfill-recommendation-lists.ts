import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  paginateQuery,
  paginateScan,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { fromItem, recommendationListItems, type StoredJob } from '../../shared/db/items.js';
import { jobKeyOf, keyValues, layout } from '../../shared/db/table.js';
import type { Recommendation } from '../../shared/model/types.js';

export interface ListBackfillReport {
  jobsScanned: number;
  /** Jobs whose recommendation list this run wrote. */
  listsWritten: number;
}

/**
 * Writes the recommendation list (shared/db/items.ts recommendationListItems, what the list route
 * reads in one request) of each job of a table written before ingest kept them, from the job's
 * stored recommendation items. Each chunk is put only where none is: a list ingest wrote since
 * (from a newer description) is never replaced, and a job that has its list is left alone, so a
 * second run writes nothing. A job without recommendations needs no list.
 */
export async function backfillRecommendationLists(
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<ListBackfillReport> {
  const report: ListBackfillReport = { jobsScanned: 0, listsWritten: 0 };
  const jobs: StoredJob[] = [];
  const listed = new Set<string>();
  for await (const page of paginateScan(
    { client: doc },
    {
      TableName: tableName,
      ConsistentRead: true,
      FilterExpression: '#entity IN (:job, :list)',
      ExpressionAttributeNames: { '#entity': 'entity' },
      ExpressionAttributeValues: { ':job': 'job', ':list': 'recommendationList' },
    },
  )) {
    for (const item of page.Items ?? []) {
      if (item.entity === 'recommendationList') {
        listed.add(String(item[layout.primary.pk]) + String(item.accountId) + String(item.region));
        continue;
      }
      report.jobsScanned += 1;
      jobs.push(fromItem<StoredJob>(item));
    }
  }
  for (const job of jobs) {
    const key = jobKeyOf(job);
    const partition = keyValues.jobPk(key.jobName);
    if (!(job.recommendationCount > 0) || listed.has(partition + key.accountId + key.region)) {
      continue;
    }
    const recommendations: Recommendation[] = [];
    for await (const page of paginateQuery(
      { client: doc },
      {
        TableName: tableName,
        ConsistentRead: true,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
        ExpressionAttributeValues: {
          ':pk': partition,
          ':prefix': keyValues.recommendationPrefix(key),
        },
      },
    )) {
      recommendations.push(...(page.Items ?? []).map((item) => fromItem<Recommendation>(item)));
    }
    if (recommendations.length === 0) continue;
    try {
      for (const Item of recommendationListItems({ job, recommendations })) {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': layout.primary.pk },
          }),
        );
      }
      report.listsWritten += 1;
    } catch (error) {
      // Ingest wrote the job's list while this ran: that one is newer.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  return report;
}
