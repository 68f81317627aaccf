import * as z from 'zod/mini';
import { keys, keyValues, layout } from '../../../shared/db/table.js';
import { listJobItems, jobListingPositionSchema } from '../job-listing.js';
import { notFound } from '../problem.js';
import { queryAll, type TableReader } from '../reader.js';
import type { RouteHandler } from '../route-context.js';
import {
  benchmarkStepView,
  endpointPerformanceView,
  isStoredJob,
  jobSummaryView,
  jobView,
} from '../views.js';

export const listJobs: RouteHandler<'listJobs'> = async ({ query }, context) => {
  const position = await context.cursor.position(jobListingPositionSchema);
  const listing = await listJobItems(context.reader, query, position);
  return {
    body: {
      jobs: listing.items.map(jobSummaryView),
      sortedBy: listing.sortedBy,
      nextCursor: listing.next ? await context.cursor.next(listing.next) : null,
    },
    itemsReturned: listing.items.length,
  };
};

export async function requireJob(reader: TableReader, jobName: string) {
  const item = await reader.get(keys.job(jobName));
  if (!isStoredJob(item)) throw notFound(`No job named ${jobName} has been recorded.`);
  return item;
}

export const childrenQuery = (jobName: string, prefix: string) => ({
  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
  ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
  ExpressionAttributeValues: { ':pk': keyValues.jobPk(jobName), ':prefix': prefix },
});

export const getJob: RouteHandler<'getJob'> = async ({ path }, context) => {
  const item = await requireJob(context.reader, path.jobName);
  const job = jobView(item);
  // Only jobs run on existing endpoints have performances: no Query for the others.
  const performances =
    job.endpointPerformanceCount > 0
      ? await queryAll(context.reader, childrenQuery(path.jobName, keyValues.performancePrefix))
      : [];
  return {
    body: { job, endpointPerformances: performances.map(endpointPerformanceView) },
    itemsReturned: 1 + performances.length,
  };
};

const keyPositionSchema = z.strictObject({ key: z.record(z.string(), z.string()) });

export const listBenchmarks: RouteHandler<'listBenchmarks'> = async ({ path, query }, context) => {
  const position = await context.cursor.position(keyPositionSchema);
  const page = await context.reader.query({
    ...childrenQuery(path.jobName, keyValues.stepPrefix),
    Limit: query.limit,
    ExclusiveStartKey: position?.key,
  });
  // An empty first page is either a job without steps yet or no job at all.
  if (page.items.length === 0 && !position) await requireJob(context.reader, path.jobName);
  return {
    body: {
      jobName: path.jobName,
      benchmarks: page.items.map(benchmarkStepView),
      nextCursor: page.lastEvaluatedKey
        ? await context.cursor.next({ key: page.lastEvaluatedKey })
        : null,
    },
    itemsReturned: page.items.length,
  };
};
