import * as z from 'zod/mini';
import type { JobKey } from '../../../shared/accounts.js';
import { keyValues, layout } from '../../../shared/db/table.js';
import { jobRecord, resolveJob } from '../job-ref.js';
import { listJobItems, jobListingPositionSchema } from '../job-listing.js';
import { queryAll } from '../reader.js';
import type { RouteHandler } from '../route-context.js';
import { benchmarkStepView, endpointPerformanceView, jobSummaryView, jobView } from '../views.js';

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

/** One kind of a job's items (`keyValues.recommendationPrefix` and the like). */
export const childrenQuery = (job: JobKey, prefixOf: (job: JobKey) => string) => ({
  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
  ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
  ExpressionAttributeValues: { ':pk': keyValues.jobPk(job.jobName), ':prefix': prefixOf(job) },
});

export const getJob: RouteHandler<'getJob'> = async ({ path, query }, context) => {
  const found = await resolveJob(context.reader, { ref: path.jobName, ...query });
  const job = jobView(await jobRecord(context.reader, found));
  // Only jobs run on existing endpoints have performances: no Query for the others.
  const performances =
    job.endpointPerformanceCount > 0
      ? await queryAll(context.reader, childrenQuery(found.key, keyValues.performancePrefix))
      : [];
  return {
    body: { job, endpointPerformances: performances.map(endpointPerformanceView) },
    itemsReturned: 1 + performances.length,
  };
};

const keyPositionSchema = z.strictObject({ key: z.record(z.string(), z.string()) });

export const listBenchmarks: RouteHandler<'listBenchmarks'> = async ({ path, query }, context) => {
  const position = await context.cursor.position(keyPositionSchema);
  const { limit, cursor: _cursor, ...where } = query;
  const found = await resolveJob(context.reader, { ref: path.jobName, ...where });
  const { key } = found;
  const page = await context.reader.query({
    ...childrenQuery(key, keyValues.stepPrefix),
    Limit: limit,
    ExclusiveStartKey: position?.key,
  });
  // An empty first page is either a job without steps yet or no job at all.
  if (page.items.length === 0 && !position) await jobRecord(context.reader, found);
  return {
    body: {
      ...key,
      benchmarks: page.items.map(benchmarkStepView),
      nextCursor: page.lastEvaluatedKey
        ? await context.cursor.next({ key: page.lastEvaluatedKey })
        : null,
    },
    itemsReturned: page.items.length,
  };
};
