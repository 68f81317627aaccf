import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchWriteCommand, DeleteCommand, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloneJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { migrateJobKeys, SCHEMA_KEY, SCHEMA_VERSION } from '../../local/stack/migrate-keys.js';
import { modelEntriesOf } from '../../shared/db/model-store.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import { useApiWorld } from '../support/api.js';
import { HOME, jobKey, sampleJob } from '../support/world.js';

/**
 * The migration of a table the version before account and region wrote. Its items are made from
 * what this version stores, turned back into that layout as it was: partition `JOB#<name as
 * spelled>`, sort keys `JOB`, `REC#<id>`, `STEP#<n>`, `PERF#<name>`, `SUMMARY#<n>`,
 * `NOTIFY#<status>`, index sort keys `<time>#<name>`, no accountId or region; detect's
 * `WATERMARK` and `SEEN#<name>`.
 */

const api = useApiWorld({
  samples: false,
  extraJobs: [
    cloneJob(sampleJob('xgboost-churn-default'), {
      jobName: 'Churn-Run-A',
      start: Date.parse('2026-10-01T00:00:00Z'),
    }),
    cloneJob(sampleJob('llama-existing-endpoints'), {
      jobName: 'llama-run',
      start: Date.parse('2026-10-02T00:00:00Z'),
    }),
    cloneJob(sampleJob('bert-qa-advanced'), {
      jobName: 'bert-run',
      start: Date.parse('2026-10-03T00:00:00Z'),
    }),
  ],
});

type Item = Record<string, unknown>;

const TARGETS = [
  '/jobs',
  '/jobs/Churn-Run-A',
  '/jobs/Churn-Run-A/recommendations?limit=500',
  '/jobs/llama-run',
  '/jobs/llama-run/benchmarks',
  '/jobs/bert-run/recommendations?sortBy=modelLatency',
  `/models/${encodeURIComponent('arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3')}/jobs`,
  `/models/${encodeURIComponent('arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3')}/recommendations?best=modelLatency&maxCostPerHour=2`,
  `/models/${encodeURIComponent('arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3')}/plan?peakInvocationsPerMinute=250`,
];

async function scanAll(doc: DynamoDBDocumentClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** JSON with every object's keys sorted. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );

/**
 * An item as compared: a model's item by its entries (a string per job, whose JSON's key order
 * is not a difference) and its answers by what they say; `version` counts the writes that built
 * them, one per entry from the migration, one per recorded state change from ingest.
 */
function comparable(item: Item): Item {
  if (item.entity === 'model') {
    const { version: _version, ...rest } = item;
    for (const [name, entry] of modelEntriesOf(item)) rest[name] = entry;
    return rest;
  }
  if (item.entity === 'model-best') {
    const { version: _version, ...rest } = item;
    return { ...rest, answers: JSON.parse(String(item.answers)) as unknown };
  }
  if (item.entity === 'recommendationList') {
    // Ingest lists a job's recommendations in its description's order, the migration in its
    // recommendation items' (by id), whose maps DynamoDB keeps in no particular key order: the
    // same rows.
    return {
      ...item,
      list: (JSON.parse(String(item.list)) as unknown[]).map((row) => canonical(row)).sort(),
    };
  }
  if (item.entity === 'model-plan') {
    const { version: _version, ...rest } = item;
    return { ...rest, plan: JSON.parse(String(item.plan)) as unknown };
  }
  return item;
}

const sortedItems = (items: Item[]) => items.map((item) => canonical(comparable(item))).sort();

const scope = `${HOME.accountId}#${HOME.region}#`;

/** An item of this version as the version before wrote it. */
function previousLayout(item: Item): Item {
  const old: Item = { ...item };
  const pk = String(item[layout.primary.pk]);
  const sk = String(item[layout.primary.sk]);
  delete old.accountId;
  delete old.region;
  if (pk.startsWith('JOB#')) {
    old[layout.primary.pk] = `JOB#${String(item.jobName)}`;
    old[layout.primary.sk] = sk.startsWith('JOB#') ? 'JOB' : sk.slice(scope.length);
    const suffix = `#${scope.slice(0, -1)}`;
    for (const index of [layout.byStatus.sk, layout.byModel.sk]) {
      if (typeof old[index] === 'string') old[index] = String(old[index]).replace(suffix, '');
    }
  } else if (pk === keyValues.detectorPk) {
    old[layout.primary.sk] = sk.startsWith('WATERMARK')
      ? 'WATERMARK'
      : `SEEN#${String(item.jobName)}`;
  }
  return old;
}

/** The items of this version as the version before had them: no schema item, no lists. */
const previousTable = (items: Item[]) =>
  items
    .filter((item) => item[layout.primary.pk] !== 'META' && item.entity !== 'recommendationList')
    .map(previousLayout);

/** Replaces the table's contents with `items`. */
async function replaceAll(doc: DynamoDBDocumentClient, tableName: string, items: Item[]) {
  const requests = [
    ...(await scanAll(doc, tableName)).map((item) => ({
      DeleteRequest: {
        Key: {
          [layout.primary.pk]: item[layout.primary.pk],
          [layout.primary.sk]: item[layout.primary.sk],
        },
      },
    })),
    ...items.map((Item) => ({ PutRequest: { Item } })),
  ];
  for (let start = 0; start < requests.length; start += 25) {
    await doc.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: requests.slice(start, start + 25) } }),
    );
  }
}

let migrated: Item[];
const answers = new Map<string, unknown>();

beforeAll(async () => {
  const { doc, tableName } = api.table;
  // What detect keeps, as this version writes it.
  await doc.send(
    new BatchWriteCommand({
      RequestItems: {
        [tableName]: [
          {
            PutRequest: {
              Item: {
                ...keys.watermark(HOME),
                entity: 'watermark',
                watermark: '2026-10-03T00:00:00.000Z',
                ...HOME,
              },
            },
          },
          {
            PutRequest: {
              Item: {
                ...keys.seen(jobKey('llama-run')),
                entity: 'seen',
                jobName: 'llama-run',
                status: 'COMPLETED',
                lastModifiedTime: null,
                ...HOME,
              },
            },
          },
        ],
      },
    }),
  );
  for (const target of TARGETS) answers.set(target, (await api.request(target)).body);
  migrated = await scanAll(doc, tableName);
}, 120_000);

describe('irwatch migrate: jobs keyed by name alone, keyed by account and region', () => {
  it('turns the old layout into what this version writes, item for item, and the API answers as before', async () => {
    const { doc, tableName } = api.table;
    // The version before kept no models' items and no recommendation lists: the migration builds
    // them as ingest does.
    const old = migrated
      .filter(
        (item) =>
          item[layout.primary.pk] !== 'META' &&
          item.entity !== 'model' &&
          item.entity !== 'model-best' &&
          item.entity !== 'recommendationList',
      )
      .map(previousLayout);
    const lists = new Set(
      migrated
        .filter((item) => item.entity === 'recommendationList')
        .map((item) => String(item.jobName)),
    );
    expect(lists.size).toBeGreaterThan(0);
    const entries = migrated
      .filter((item) => item.entity === 'model')
      .reduce(
        (sum, item) => sum + Object.keys(item).filter((name) => name.startsWith('J#')).length,
        0,
      );
    expect(entries).toBeGreaterThan(0);
    await replaceAll(doc, tableName, old);
    // The old layout is invisible to this version: the proof that the test starts from it.
    expect((await api.request('/jobs/Churn-Run-A')).status).toBe(404);

    const report = await migrateJobKeys(doc, tableName);

    expect(report).toMatchObject({
      alreadyMigrated: false,
      jobsMigrated: 3,
      detectorItemsMigrated: 2,
      skipped: [],
      recommendationListsWritten: lists.size,
      modelEntriesWritten: entries,
    });
    const after = await scanAll(doc, tableName);
    expect(sortedItems(after.filter((item) => item[layout.primary.pk] !== 'META'))).toEqual(
      sortedItems(migrated.filter((item) => item[layout.primary.pk] !== 'META')),
    );
    for (const target of TARGETS) {
      expect({ target, body: (await api.request(target)).body }).toEqual({
        target,
        body: answers.get(target),
      });
    }
  });

  it('reads one item of a migrated table, and changes nothing when run again without it', async () => {
    const { doc, tableName } = api.table;
    expect(await migrateJobKeys(doc, tableName)).toMatchObject({
      alreadyMigrated: true,
      itemsScanned: 0,
    });
    await doc.send(new DeleteCommand({ TableName: tableName, Key: SCHEMA_KEY }));
    const before = sortedItems(await scanAll(doc, tableName));

    const report = await migrateJobKeys(doc, tableName);

    expect(report).toMatchObject({
      alreadyMigrated: false,
      jobsMigrated: 0,
      itemsWritten: 0,
      itemsDeleted: 0,
    });
    expect(
      sortedItems(
        (await scanAll(doc, tableName)).filter((item) => item[layout.primary.pk] !== 'META'),
      ),
    ).toEqual(before);
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: SCHEMA_KEY }));
    expect(Item).toMatchObject({ version: SCHEMA_VERSION });
  });

  it('finishes a run that was cut off after writing the new items and before deleting the old', async () => {
    const { doc, tableName } = api.table;
    const old = previousTable(migrated);
    await replaceAll(doc, tableName, old);
    // Cut off at the first delete: the new items of the first job are written, none deleted.
    let cut = false;
    const cutting = Object.assign(Object.create(doc) as DynamoDBDocumentClient, {
      send: (command: { input: Record<string, unknown> }) => {
        const requests = JSON.stringify(command.input);
        if (command instanceof BatchWriteCommand && requests.includes('DeleteRequest')) {
          cut = true;
          return Promise.reject(new Error('process killed'));
        }
        return doc.send(command as never);
      },
    });
    await expect(migrateJobKeys(cutting, tableName)).rejects.toThrow('process killed');
    expect(cut).toBe(true);

    await migrateJobKeys(doc, tableName);

    expect(
      sortedItems(
        (await scanAll(doc, tableName)).filter((item) => item[layout.primary.pk] !== 'META'),
      ),
    ).toEqual(sortedItems(migrated.filter((item) => item[layout.primary.pk] !== 'META')));
  });

  it('keeps a job record ingested since the upgrade, and drops the old one', async () => {
    const { doc, tableName } = api.table;
    const newer = migrated.find(
      (item) => item[layout.primary.sk] === keyValues.jobSk(HOME) && item.jobName === 'llama-run',
    )!;
    const old = previousTable(migrated);
    await replaceAll(doc, tableName, [...old, { ...newer, version: 99 }]);

    const report = await migrateJobKeys(doc, tableName);

    expect(report).toMatchObject({ jobsMigrated: 2, jobsAlreadyRecorded: 1 });
    const { Item } = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.job(jobKey('llama-run')) }),
    );
    expect(Item?.version).toBe(99);
    const stale = (await scanAll(doc, tableName)).filter(
      (item) => item[layout.primary.sk] === 'JOB',
    );
    expect(stale).toEqual([]);
  });

  it("rebuilds a table of schema v3: its models' entries as strings, their answers and plan input, its jobs' lists", async () => {
    const { doc, tableName } = api.table;
    // Version 3 kept each entry as a map, and no answers, plan input or recommendation lists.
    const v3 = migrated
      .filter(
        (item) =>
          item.entity !== 'model-best' &&
          item.entity !== 'model-plan' &&
          item.entity !== 'recommendationList',
      )
      .map((item): Item => {
        if (item[layout.primary.pk] === 'META') return { ...item, version: 3 };
        if (item.entity !== 'model') return item;
        const { version: _version, ...rest } = item;
        for (const [name, entry] of modelEntriesOf(item)) rest[name] = entry;
        return rest;
      });
    await replaceAll(doc, tableName, v3);
    // Without answers best= reads the model's item of version 3 as it is.
    for (const target of TARGETS) {
      expect({ target, body: (await api.request(target)).body }).toEqual({
        target,
        body: answers.get(target),
      });
    }

    const report = await migrateJobKeys(doc, tableName);

    expect(report.alreadyMigrated).toBe(false);
    expect(report.recommendationListsWritten).toBe(
      new Set(migrated.filter((item) => item.entity === 'recommendationList').map((i) => i.jobName))
        .size,
    );
    const after = await scanAll(doc, tableName);
    const models = after.filter((item) => item.entity === 'model');
    expect(models.length).toBeGreaterThan(0);
    for (const model of models) {
      const entries = Object.keys(model).filter((name) => name.startsWith('J#'));
      expect(entries.every((name) => typeof model[name] === 'string')).toBe(true);
    }
    expect(sortedItems(after.filter((item) => item[layout.primary.pk] !== 'META'))).toEqual(
      sortedItems(migrated.filter((item) => item[layout.primary.pk] !== 'META')),
    );
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: SCHEMA_KEY }));
    expect(Item).toMatchObject({ version: SCHEMA_VERSION });
  });
});
