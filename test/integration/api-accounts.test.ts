import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloneJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { jobArnOf, scopeOf, type AccountRegion } from '../../shared/accounts.js';
import {
  decodeModelEntry,
  MODEL_ROW_FIELDS,
  modelEntryAttribute,
  writeModelEntry,
  type ModelEntry,
} from '../../shared/db/model-store.js';
import { LISTED_FIELDS } from '../../shared/db/items.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import { useApiWorld } from '../support/api.js';
import { queryPartition } from '../support/fixtures.js';
import { HOME, sampleJob } from '../support/world.js';

/**
 * Two jobs named `my-ir-job`, one in the fixtures' account and region and one in another account
 * and region (the first one's items, keyed and labelled for the second, with its costs doubled so
 * that an answer shows which it read).
 */
const api = useApiWorld({
  samples: false,
  extraJobs: [
    cloneJob(sampleJob('xgboost-churn-default'), {
      jobName: 'my-ir-job',
      start: Date.parse('2026-10-01T00:00:00Z'),
    }),
  ],
});

const OTHER: AccountRegion = { accountId: '444455556666', region: 'eu-west-1' };
const NAME = 'my-ir-job';
const homeArn = jobArnOf({ ...HOME, jobName: NAME });
const otherArn = jobArnOf({ ...OTHER, jobName: NAME });
const MODEL = 'arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3';

type Item = Record<string, unknown>;

/** An item of the home job as the same job of OTHER would be stored. */
function inOther(item: Item): Item {
  const home = `${scopeOf(HOME)}`;
  const moved: Item = { ...item, ...OTHER };
  for (const attribute of [layout.primary.sk, layout.byStatus.sk, layout.byModel.sk]) {
    if (typeof item[attribute] === 'string') {
      moved[attribute] = String(item[attribute]).replace(home, scopeOf(OTHER));
    }
  }
  if (item.jobArn === homeArn) moved.jobArn = otherArn;
  const doubled = (entry: Item): Item => {
    const metrics = entry.metrics as Record<string, number | null> | undefined;
    return metrics?.costPerHour
      ? { ...entry, metrics: { ...metrics, costPerHour: metrics.costPerHour * 2 } }
      : entry;
  };
  // A recommendation list chunk holds its recommendations as rows of values (LISTED_FIELDS).
  if (typeof item.list === 'string') {
    const costPerHour = LISTED_FIELDS.indexOf('metrics.costPerHour');
    const rows = (JSON.parse(item.list) as unknown[][]).map((row) =>
      row.map((value, index) =>
        index === costPerHour && typeof value === 'number' ? value * 2 : value,
      ),
    );
    return { ...moved, list: JSON.stringify(rows) };
  }
  return doubled(moved);
}

beforeAll(async () => {
  const { doc, tableName } = api.table;
  const items = await queryPartition(doc, tableName, keyValues.jobPk(NAME));
  // Summaries hold rows, not recommendation items: copied as they are, under the other key.
  const copies = items.map(inOther);
  for (let start = 0; start < copies.length; start += 25) {
    await doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName]: copies.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
  // The model's item (shared/db/model-store.ts) gets the copy's entry too, written as ingest
  // writes it: the home entry under the other account and region, its costs per hour doubled
  // alike.
  const model = await doc.send(
    new GetCommand({ TableName: tableName, Key: keys.modelJobs(MODEL), ConsistentRead: true }),
  );
  const homeEntry = decodeModelEntry(model.Item![modelEntryAttribute({ ...HOME, jobName: NAME })])!;
  const costPerHour = MODEL_ROW_FIELDS.indexOf('costPerHour');
  const otherEntry: ModelEntry = {
    ...homeEntry,
    sortKey: homeEntry.sortKey.replace(scopeOf(HOME), scopeOf(OTHER)),
    job: { ...homeEntry.job, ...OTHER, jobArn: otherArn },
    rows:
      homeEntry.rows &&
      homeEntry.rows.map((row) =>
        row.map((value, index) =>
          index === costPerHour && typeof value === 'number' ? value * 2 : value,
        ),
      ),
  };
  expect(await writeModelEntry(doc, tableName, MODEL, otherEntry)).toBe('written');
}, 60_000);

type Body = Record<string, unknown>;
const body = async (target: string, status = 200) => {
  const response = await api.request(target);
  expect({ target, status: response.status }).toEqual({ target, status });
  return response.body as Body;
};
const where = (location: AccountRegion) =>
  `accountId=${location.accountId}&region=${location.region}`;

describe('one job name in two accounts and regions', () => {
  it('answers a bare name with 409, listing both, on every job route', async () => {
    for (const route of ['', '/recommendations', '/benchmarks', '/recommendations/abc']) {
      const problem = await body(`/jobs/${NAME}${route}`, 409);
      expect(problem).toMatchObject({ status: 409, title: 'Conflict' });
      expect(problem.detail).toContain('accountId and region');
      expect(
        (problem.matches as Body[]).map((match) => [match.accountId, match.region, match.jobArn]),
      ).toEqual(
        expect.arrayContaining([
          [HOME.accountId, HOME.region, homeArn],
          [OTHER.accountId, OTHER.region, otherArn],
        ]),
      );
      expect(problem.matches).toHaveLength(2);
    }
    expect((await api.request(`/compare?jobs=${NAME}`)).status).toBe(409);
  });

  it('tells them apart by accountId and region, or by ARN (encoded, or decoded as API Gateway delivers it)', async () => {
    for (const [location, arn] of [
      [HOME, homeArn],
      [OTHER, otherArn],
    ] as const) {
      const byQuery = await body(`/jobs/${NAME}?${where(location)}`);
      const byArn = await body(`/jobs/${encodeURIComponent(arn)}`);
      expect(byQuery).toEqual(byArn);
      expect(byQuery.job).toMatchObject({ jobName: NAME, ...location, jobArn: arn });

      const recs = await body(`/jobs/${encodeURIComponent(arn)}/recommendations?limit=500`);
      expect(recs).toMatchObject({ jobName: NAME, ...location });
      const list = recs.recommendations as Body[];
      expect(list.length).toBeGreaterThan(0);
      expect(
        list.every((rec) => rec.accountId === location.accountId && rec.region === location.region),
      ).toBe(true);
      // The ARN's slash as API Gateway delivers it: decoded, so the path has one more segment.
      const decoded = await api.request(`/jobs/${arn}/recommendations?limit=500`);
      expect(decoded.status).toBe(200);
      expect(decoded.body).toEqual(recs);

      const id = String(list[0]!.recommendationId);
      const one = await body(
        `/jobs/${NAME}/recommendations/${encodeURIComponent(id)}?${where(location)}`,
      );
      expect((one.recommendation as Body).accountId).toBe(location.accountId);
      const steps = await body(`/jobs/${encodeURIComponent(arn)}/benchmarks`);
      expect(steps).toMatchObject({ jobName: NAME, ...location });
    }
    const [home, other] = await Promise.all(
      [HOME, OTHER].map(
        async (location) =>
          (
            (
              await body(
                `/jobs/${NAME}/recommendations?sortBy=costPerHour&limit=1&${where(location)}`,
              )
            ).recommendations as Array<{ metrics: { costPerHour: number } }>
          )[0]!.metrics.costPerHour,
      ),
    );
    // Each answer comes from its own job's items.
    expect(other).toBeCloseTo(home! * 2);
  });

  it('filters the job lists by account and region, and carries them on every job', async () => {
    const all = (await body('/jobs')).jobs as Body[];
    expect(all.map((job) => `${job.accountId}/${job.region}`).sort()).toEqual([
      `${HOME.accountId}/${HOME.region}`,
      `${OTHER.accountId}/${OTHER.region}`,
    ]);
    for (const location of [HOME, OTHER]) {
      for (const target of [
        `/jobs?accountId=${location.accountId}`,
        `/jobs?region=${location.region}`,
        `/jobs?status=COMPLETED&${where(location)}`,
        `/models/${encodeURIComponent(MODEL)}/jobs?${where(location)}`,
      ]) {
        const jobs = (await body(target)).jobs as Body[];
        expect({ target, jobs: jobs.map((job) => job.jobArn) }).toEqual({
          target,
          jobs: [location === HOME ? homeArn : otherArn],
        });
      }
      const best = await body(
        `/models/${encodeURIComponent(MODEL)}/recommendations?best=costPerInference&${where(location)}`,
      );
      expect(best.job).toMatchObject(location);
    }
    const none = await body(`/models/${encodeURIComponent(MODEL)}/jobs?accountId=999999999999`);
    expect(none.jobs).toEqual([]);
  });

  it('compares the two by their ARNs', async () => {
    const comparison = await body(`/compare?jobs=${encodeURIComponent(`${homeArn},${otherArn}`)}`);
    expect((comparison.jobs as Body[]).map((job) => job.accountId)).toEqual([
      HOME.accountId,
      OTHER.accountId,
    ]);
    const runs = (comparison.configurations as Array<{ runs: Body[] }>)[0]!.runs;
    expect(runs.map((run) => run.accountId).sort()).toEqual(
      [HOME.accountId, OTHER.accountId].sort(),
    );
  });

  it('says what is wrong with a location that does not fit', async () => {
    const conflicting = await body(
      `/jobs/${encodeURIComponent(homeArn)}?accountId=${OTHER.accountId}`,
      400,
    );
    expect(conflicting.invalidParams).toEqual([
      expect.objectContaining({
        name: 'accountId',
        in: 'query',
        reason: expect.stringContaining(HOME.accountId),
      }),
    ]);
    const bad = await body(`/jobs/${NAME}?accountId=12345&region=mars`, 400);
    expect((bad.invalidParams as Body[]).map((param) => param.name).sort()).toEqual([
      'accountId',
      'region',
    ]);
    const unknown = await body(`/jobs/${NAME}?accountId=999999999999&region=us-east-1`, 404);
    expect(unknown.detail).toContain('999999999999');
    const notArn = await body(`/jobs/${encodeURIComponent('arn:aws:s3:::bucket')}`, 400);
    expect((notArn.invalidParams as Body[])[0]).toMatchObject({ name: 'jobName' });
    // One location narrows a bare name enough.
    expect((await body(`/jobs/${NAME}?accountId=${OTHER.accountId}`)).job).toMatchObject(OTHER);
    expect((await body(`/jobs/${NAME}?region=${HOME.region}`)).job).toMatchObject(HOME);
  });

  it('documents the 409 in the OpenAPI document', async () => {
    const document = await body('/openapi.json');
    const paths = document.paths as Record<string, { get: { responses: Record<string, unknown> } }>;
    expect(Object.keys(paths['/jobs/{jobName}']!.get.responses)).toContain('409');
  });
});
