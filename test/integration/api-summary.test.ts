import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloneJob, type SimulatedJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { batchPutAll } from '../../shared/db/batch-write.js';
import { summaryItems } from '../../shared/db/items.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import type { Recommendation } from '../../shared/model/types.js';
import { rerunOf, useApiWorld, type ApiResponse } from '../support/api.js';
import { HOME, jobKey, sampleJob } from '../support/world.js';

/**
 * The recommendation summary item behind GET /jobs/{jobName}/recommendations for a job stored
 * before ingest wrote recommendation lists, and behind the filtered per-model best: several
 * chunks, stale chunks, a missing summary (a job stored before ingest wrote them) and a
 * 1,000-recommendation job, each answering exactly as the plain summary does.
 */

const START = Date.parse('2025-03-01T00:00:00.000Z');
const sweep = sampleJob('large-sweep-250');
const MODEL = 'distilbert-sentiment-pt';

/** The 250-recommendation sample four times over, under ids of its own. */
function thousandRecommendations(jobName: string): SimulatedJob {
  const clone = cloneJob(sweep, { jobName, start: START + 7_200_000 });
  const base = clone.describe.InferenceRecommendations as Array<Record<string, unknown>>;
  clone.describe = {
    ...clone.describe,
    InferenceRecommendations: Array.from({ length: 1_000 }, (_, i) => ({
      ...base[i % base.length],
      RecommendationId: `${jobName}/${i.toString(36).padStart(8, '0')}`,
    })),
  };
  clone.steps = [];
  return clone;
}

const api = useApiWorld({
  samples: false,
  extraJobs: [
    cloneJob(sweep, { jobName: 'summary-a', start: START }),
    rerunOf(sweep, {
      jobName: 'summary-b',
      start: START + 3_600_000,
      latencyFactor: 0.9,
      costFactor: 1.2,
    }),
    thousandRecommendations('summary-1000'),
    cloneJob(sampleJob('sklearn-failed'), { jobName: 'summary-failed', start: START }),
  ],
});

type Body = { recommendations: Recommendation[]; matchedCount: number; nextCursor: string | null };
const readsOf = (response: ApiResponse) => ({
  requests: response.reads?.requests,
  itemsRead: response.reads?.itemsRead,
  itemsReturned: response.reads?.itemsReturned,
});

async function storedRecommendations(jobName: string): Promise<Recommendation[]> {
  const { Items } = await api.table.doc.send(
    new QueryCommand({
      TableName: api.table.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
      ExpressionAttributeValues: {
        ':pk': keyValues.jobPk(jobName),
        ':prefix': keyValues.recommendationPrefix(HOME),
      },
    }),
  );
  return (Items ?? []) as Recommendation[];
}

const putItems = (items: Array<Record<string, unknown>>) =>
  batchPutAll(api.table.doc, api.table.tableName, items);

/** The summary jobs' account and region: their keys known, nothing is read to find them. */
const LOCATED = `accountId=${HOME.accountId}&region=${HOME.region}`;

const deleteSummaryChunk = (jobName: string, index: number) =>
  api.table.doc.send(
    new DeleteCommand({
      TableName: api.table.tableName,
      Key: keys.summary(jobKey(jobName), index),
    }),
  );

/** What the plain one-item summary answers, to compare every other layout with. */
async function answers(jobName: string) {
  const targets = [
    `/jobs/${jobName}/recommendations?sortBy=modelLatency&limit=20`,
    `/jobs/${jobName}/recommendations?instanceType=ml.g5&sortBy=maxInvocations`,
    `/jobs/${jobName}/recommendations?limit=500`,
    `/models/${MODEL}/recommendations?best=costPerInference&maxModelLatency=40`,
    `/models/${MODEL}/recommendations?best=maxInvocations&instanceType=ml.c5`,
  ];
  const bodies: unknown[] = [];
  for (const target of targets) bodies.push(await api.get(target));
  // None of them vacuous: every answer holds recommendations.
  expect((bodies[1] as Body).recommendations.length).toBeGreaterThan(0);
  expect((bodies[3] as { recommendation: unknown }).recommendation).not.toBeNull();
  expect((bodies[4] as { recommendation: unknown }).recommendation).not.toBeNull();
  return bodies;
}

/** Deletes a job's recommendation list chunks: the job as stored before ingest wrote them. */
async function deleteLists(jobName: string) {
  const { Items } = await api.table.doc.send(
    new QueryCommand({
      TableName: api.table.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
      ExpressionAttributeValues: {
        ':pk': keyValues.jobPk(jobName),
        ':prefix': keyValues.recommendationListFamily,
      },
    }),
  );
  expect(Items?.length).toBeGreaterThan(0);
  for (const item of Items ?? []) {
    await api.table.doc.send(
      new DeleteCommand({
        TableName: api.table.tableName,
        Key: {
          [layout.primary.pk]: item[layout.primary.pk],
          [layout.primary.sk]: item[layout.primary.sk],
        },
      }),
    );
  }
}

describe('GET /jobs/{jobName}/recommendations from the summary item (jobs stored before lists)', () => {
  beforeAll(async () => {
    for (const jobName of ['summary-a', 'summary-b', 'summary-1000']) await deleteLists(jobName);
  });

  it('answers from chunks as from one item, reading only the chunks chunk 0 counts', async () => {
    const expected = await answers('summary-a');
    const recommendations = await storedRecommendations('summary-a');
    const chunks = summaryItems(
      { job: jobKey('summary-a') as never, recommendations },
      { entriesPerChunk: 100 },
    );
    expect(chunks.map((chunk) => chunk.chunkCount)).toEqual([3, 3, 3]);
    // Left by an earlier, longer description: ids that would fail the request if read.
    const stale = [3, 4].map((index) => ({
      ...keys.summary(jobKey('summary-a'), index),
      entity: 'summary',
      ...jobKey('summary-a'),
      chunkIndex: index,
      chunkCount: 5,
      fields: chunks[0]!.fields,
      entries: [(chunks[0]!.entries as unknown[][])[0]!.map((v, i) => (i === 0 ? 'gone' : v))],
    }));
    await putItems([...chunks, ...stale]);

    expect(await answers('summary-a')).toEqual(expected);
    const page = await api.request(
      `/jobs/summary-a/recommendations?sortBy=modelLatency&limit=20&${LOCATED}`,
    );
    // The Query that finds no list; chunk 0, then chunks 1 and 2 (one BatchGetItem), then the
    // page (one BatchGetItem).
    expect(readsOf(page)).toEqual({ requests: 1 + 3, itemsRead: 3 + 20, itemsReturned: 20 });

    // Every page through the cursor, each recommendation once, in the one-item order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body: Body = await api.get(
        `/jobs/summary-a/recommendations?limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...body.recommendations.map((rec) => rec.recommendationId));
      cursor = body.nextCursor;
    } while (cursor);
    const all = expected[2] as Body;
    expect(seen).toEqual(all.recommendations.map((rec) => rec.recommendationId));

    // One chunk again: chunks 1 to 4 stay behind and are never read.
    await putItems(summaryItems({ job: jobKey('summary-a') as never, recommendations }));
    const single = await api.request(
      `/jobs/summary-a/recommendations?sortBy=modelLatency&limit=20&${LOCATED}`,
    );
    // The same answer as by the bare name (a cursor is scoped to its query: it differs).
    const withoutCursor = (body: unknown) => ({ ...(body as Body), nextCursor: null });
    expect(withoutCursor(single.body)).toEqual(withoutCursor(expected[0]));
    expect(readsOf(single)).toEqual({ requests: 1 + 2, itemsRead: 1 + 20, itemsReturned: 20 });
  });

  it('falls back to the recommendations themselves for a job stored without a summary', async () => {
    const expected = await answers('summary-b');
    await deleteSummaryChunk('summary-b', 0);
    try {
      expect(await answers('summary-b')).toEqual(expected);
      const page = await api.request(
        '/jobs/summary-b/recommendations?sortBy=modelLatency&limit=20',
      );
      // The summary missed, the job record, one Query of all 250.
      expect(readsOf(page)).toEqual({ requests: 3, itemsRead: 1 + 250, itemsReturned: 20 });
    } finally {
      await putItems(
        summaryItems({
          job: jobKey('summary-b') as never,
          recommendations: await storedRecommendations('summary-b'),
        }),
      );
    }
  });

  it('falls back when the chunks are not all from one write (read mid-rewrite)', async () => {
    const expected = await answers('summary-b');
    const recommendations = await storedRecommendations('summary-b');
    const [first] = summaryItems(
      { job: jobKey('summary-b') as never, recommendations },
      { entriesPerChunk: 100 },
    );
    // Chunk 0 of a three-chunk write, chunks 1 and 2 not there yet.
    await putItems([first!]);
    try {
      expect(await answers('summary-b')).toEqual(expected);
      const page = await api.request(
        '/jobs/summary-b/recommendations?sortBy=modelLatency&limit=20',
      );
      expect(readsOf(page)).toEqual({ requests: 4, itemsRead: 1 + 1 + 250, itemsReturned: 20 });
    } finally {
      await putItems(summaryItems({ job: jobKey('summary-b') as never, recommendations }));
    }
  });

  it('ranks 1,000 recommendations from one item and reads 500 in five BatchGetItem requests', async () => {
    const first = await api.request(`/jobs/summary-1000/recommendations?${LOCATED}`);
    expect((first.body as Body).matchedCount).toBe(1_000);
    expect(readsOf(first)).toEqual({ requests: 1 + 2, itemsRead: 1 + 50, itemsReturned: 50 });
    const most = await api.request(`/jobs/summary-1000/recommendations?limit=500&${LOCATED}`);
    const body = most.body as Body;
    expect(body.recommendations).toHaveLength(500);
    expect(readsOf(most)).toEqual({
      requests: 1 + 1 + 5,
      itemsRead: 1 + 500,
      itemsReturned: 500,
    });
    const costs = body.recommendations.map((rec) => rec.metrics.costPerInference ?? Infinity);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    const rest: Body = await api.get(
      `/jobs/summary-1000/recommendations?limit=500&${LOCATED}&cursor=${encodeURIComponent(body.nextCursor!)}`,
    );
    expect(rest.nextCursor).toBeNull();
    const ids = [...body.recommendations, ...rest.recommendations].map((r) => r.recommendationId);
    expect(new Set(ids).size).toBe(1_000);
  });

  it('answers a job without recommendations from its record, and 404 for an unknown job', async () => {
    const response = await api.request('/jobs/summary-failed/recommendations');
    expect(response.body).toMatchObject({ recommendations: [], matchedCount: 0, nextCursor: null });
    // The Query of the bare name reads its record, which counts no recommendations: nothing else.
    expect(readsOf(response)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 0 });
    expect((await api.request('/jobs/summary-ghost/recommendations')).status).toBe(404);
  });
});

describe('GET /models/{modelName}/recommendations with filters from the summaries', () => {
  it('reads the model’s item, the summary of the job kept there without rows, and the winner', async () => {
    const cheapest = (await api.get(`/models/${MODEL}/recommendations?best=costPerInference`))
      .recommendation as Recommendation;
    // A filter the cheapest of all fails: the model's answers (read first) cannot say.
    const response = await api.request(
      `/models/${MODEL}/recommendations?best=costPerInference&maxModelLatency=${cheapest.metrics.modelLatency! - 1}`,
    );
    expect(response.body).toMatchObject({ jobsConsidered: 3 });
    expect((response.body as { recommendation: unknown }).recommendation).not.toBeNull();
    // The 1,000-recommendation job's rows pass what one entry keeps (MAX_JOB_ROWS_BYTES): its
    // summary is read (one BatchGetItem); the other jobs answer from their rows.
    expect(readsOf(response)).toEqual({
      requests: 4,
      itemsRead: 1 + 1 + 1 + 1,
      itemsReturned: 2,
    });
    // One it passes: the answers say, and nothing else is read.
    const passing = await api.request(
      `/models/${MODEL}/recommendations?best=costPerInference&maxModelLatency=${cheapest.metrics.modelLatency!}`,
    );
    expect((passing.body as { recommendation: Recommendation }).recommendation).toEqual(cheapest);
    expect(readsOf(passing)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 2 });
  });
});
