import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { cloneJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { batchPutAll } from '../../shared/db/batch-write.js';
import { recommendationListItems } from '../../shared/db/items.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import type { Recommendation } from '../../shared/model/types.js';
import { useApiWorld, type ApiResponse } from '../support/api.js';
import { HOME, jobKey, sampleJob } from '../support/world.js';

/**
 * The recommendation lists behind GET /jobs/{jobName}/recommendations and, by a bare name,
 * /recommendations/{id}: one Query answers, in several chunks as in one, ignoring stale chunks,
 * falling back to the summary mid-rewrite or for a job stored without a list, and a cursor
 * continuing across a re-ingestion.
 */

const START = Date.parse('2025-05-01T00:00:00.000Z');
const api = useApiWorld({
  samples: false,
  extraJobs: [cloneJob(sampleJob('large-sweep-250'), { jobName: 'list-a', start: START })],
});

type Body = { recommendations: Recommendation[]; matchedCount: number; nextCursor: string | null };
const readsOf = (response: ApiResponse) => ({
  requests: response.reads?.requests,
  itemsRead: response.reads?.itemsRead,
  itemsReturned: response.reads?.itemsReturned,
});
const LOCATED = `accountId=${HOME.accountId}&region=${HOME.region}`;
const JOB = jobKey('list-a');

const putItems = (items: Array<Record<string, unknown>>) =>
  batchPutAll(api.table.doc, api.table.tableName, items);

async function partition(prefix: string) {
  const { Items } = await api.table.doc.send(
    new QueryCommand({
      TableName: api.table.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
      ExpressionAttributeValues: { ':pk': keyValues.jobPk('list-a'), ':prefix': prefix },
    }),
  );
  return Items ?? [];
}

/** The job as its list chunks need it: its key and its model. */
const storedJob = async () => (await partition(keyValues.jobSk(HOME)))[0] as never;

const storedRecommendations = async () =>
  (await partition(keyValues.recommendationPrefix(HOME))) as unknown as Recommendation[];

async function deleteLists() {
  for (const item of await partition(keyValues.recommendationListFamily)) {
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

/** The list as ingest writes it again, in one chunk. */
const restoreList = async () => {
  await deleteLists();
  await putItems(
    recommendationListItems({
      job: await storedJob(),
      recommendations: await storedRecommendations(),
    }),
  );
};

const TARGETS = [
  '/jobs/list-a/recommendations?sortBy=modelLatency&limit=20',
  '/jobs/list-a/recommendations?instanceType=ml.g5&sortBy=maxInvocations',
  '/jobs/list-a/recommendations?maxModelLatency=40&sortBy=costPerHour&order=desc&limit=500',
  '/jobs/list-a/recommendations?paretoOnly=true',
  `/jobs/list-a/recommendations?endpointType=RealTime&limit=7&${LOCATED}`,
];

const answers = async () => {
  const bodies: Body[] = [];
  for (const target of TARGETS) bodies.push(await api.get<Body>(target));
  expect(bodies.every((body) => body.recommendations.length > 0)).toBe(true);
  return bodies;
};

describe('GET /jobs/{jobName}/recommendations from the job’s list', () => {
  it('answers as the summary and the recommendation items do, in one Query', async () => {
    const fromList = await answers();
    const named = await api.request(TARGETS[4]!);
    expect(readsOf(named)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 7 });
    const bare = await api.request(TARGETS[0]!);
    expect(readsOf(bare)).toEqual({ requests: 1, itemsRead: 1 + 1, itemsReturned: 20 });

    await deleteLists();
    try {
      // The job as stored before lists: its summary, then the page's recommendation items.
      expect(await answers()).toEqual(fromList);
      expect(readsOf(await api.request(TARGETS[4]!))).toEqual({
        requests: 3,
        itemsRead: 1 + 7,
        itemsReturned: 7,
      });
    } finally {
      await restoreList();
    }
    expect(await answers()).toEqual(fromList);
  });

  it('reads a list in several chunks as in one, and ignores stale higher chunks', async () => {
    const expected = await answers();
    const recommendations = await storedRecommendations();
    const chunks = recommendationListItems(
      { job: await storedJob(), recommendations },
      { itemSize: 60_000 },
    );
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((chunk) => chunk.chunkCount === chunks.length)).toBe(true);
    // Left by an earlier, longer description: a recommendation that must not be answered.
    const [ghost] = recommendationListItems({
      job: await storedJob(),
      recommendations: [{ ...recommendations[0]!, recommendationId: 'list-a/ghost000' }],
    });
    const stale = [chunks.length, chunks.length + 1].map((index) => ({
      ...ghost,
      ...keys.recommendationList(JOB, index),
      chunkIndex: index,
      chunkCount: chunks.length + 2,
    }));
    await putItems([...chunks, ...stale]);
    try {
      expect(await answers()).toEqual(expected);
      const named = await api.request(TARGETS[4]!);
      expect(readsOf(named)).toEqual({
        requests: 1,
        itemsRead: chunks.length + stale.length,
        itemsReturned: 7,
      });
      const ghostly = await api.request('/jobs/list-a/recommendations/ghost000');
      expect(ghostly.status).toBe(404);
    } finally {
      await restoreList();
    }
  });

  it('falls back to the summary when the chunks are not all from one write (read mid-rewrite)', async () => {
    const expected = await answers();
    const [first] = recommendationListItems(
      { job: await storedJob(), recommendations: await storedRecommendations() },
      { itemSize: 60_000 },
    );
    // Chunk 0 of a longer write; its chunk 1 not there yet.
    await putItems([first!]);
    try {
      expect(await answers()).toEqual(expected);
      const named = await api.request(TARGETS[4]!);
      // The list (chunk 0 alone), the summary, the page.
      expect(readsOf(named)).toEqual({ requests: 3, itemsRead: 1 + 1 + 7, itemsReturned: 7 });
    } finally {
      await restoreList();
    }
  });

  it('continues a cursor after the last one shown when the job is re-ingested between pages', async () => {
    const all = (await api.get<Body>('/jobs/list-a/recommendations?sortBy=modelLatency&limit=500'))
      .recommendations;
    const first = await api.get<Body>('/jobs/list-a/recommendations?sortBy=modelLatency&limit=40');
    expect(first.recommendations).toEqual(all.slice(0, 40));
    const recommendations = await storedRecommendations();
    // Re-described in between: in another order and more chunks, one recommendation gone.
    const gone = all[60]!.recommendationId;
    await putItems(
      recommendationListItems(
        {
          job: await storedJob(),
          recommendations: recommendations.filter((rec) => rec.recommendationId !== gone).reverse(),
        },
        { itemSize: 100_000 },
      ),
    );
    try {
      const seen = first.recommendations.map((rec) => rec.recommendationId);
      let cursor = first.nextCursor;
      while (cursor) {
        const page: Body = await api.get(
          `/jobs/list-a/recommendations?sortBy=modelLatency&limit=40&cursor=${encodeURIComponent(cursor)}`,
        );
        expect(page.matchedCount).toBe(all.length - 1);
        seen.push(...page.recommendations.map((rec) => rec.recommendationId));
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(all.map((rec) => rec.recommendationId).filter((id) => id !== gone));
    } finally {
      await restoreList();
    }
  });
});

describe('GET /jobs/{jobName}/recommendations/{id} by a bare name', () => {
  it('reads one item from the job’s list, answering as the recommendation item does', async () => {
    const [rec] = (await api.get<Body>('/jobs/list-a/recommendations?limit=1')).recommendations;
    const id = rec!.recommendationId;
    const bare = await api.request(`/jobs/list-a/recommendations/${encodeURIComponent(id)}`);
    expect(readsOf(bare)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 1 });
    const suffix = await api.request(`/jobs/list-a/recommendations/${id.split('/')[1]}`);
    const named = await api.request(
      `/jobs/list-a/recommendations/${encodeURIComponent(id)}?${LOCATED}`,
    );
    expect(readsOf(named)).toEqual({ requests: 1, itemsRead: 1, itemsReturned: 1 });
    expect(bare.body).toEqual(named.body);
    expect(suffix.body).toEqual(named.body);
    expect(bare.body).toMatchObject({ recommendation: { recommendationId: id, ...HOME } });

    await deleteLists();
    try {
      // Stored before lists: the job's record, then the recommendation item.
      const fallback = await api.request(`/jobs/list-a/recommendations/${encodeURIComponent(id)}`);
      expect(fallback.body).toEqual(named.body);
      expect(readsOf(fallback)).toEqual({ requests: 3, itemsRead: 2, itemsReturned: 1 });
    } finally {
      await restoreList();
    }
    expect((await api.request('/jobs/list-a/recommendations/zzzzzzzz')).status).toBe(404);
    expect((await api.request('/jobs/list-ghost/recommendations/zzzzzzzz')).status).toBe(404);
  });
});
