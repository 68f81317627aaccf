import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  paginateScan,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { parseJobArn, type AccountRegion, type JobKey } from '../../shared/accounts.js';
import { batchWriteAll, type WriteRequest } from '../../shared/db/batch-write.js';
import { modelKeyOf } from '../../shared/db/items.js';
import { keys, keyValues, layout } from '../../shared/db/table.js';
import { backfillModelItems } from './backfill-model-items.js';
import { backfillRecommendationLists } from './backfill-recommendation-lists.js';

/**
 * The one-off migration of a table written before jobs were keyed by account and region.
 *
 * Before, a job's items sat under `JOB#<name>` with sort keys `JOB`, `REC#<id>`, `STEP#<n>`,
 * `PERF#<endpoint>`, `SUMMARY#<n>` and `NOTIFY#<status>`, and detect kept `WATERMARK` and
 * `SEEN#<name>`. Now (shared/db/table.ts) the partition is `JOB#<lower-case name>`, the record
 * `JOB#<account>#<region>`, the rest `<account>#<region>#<KIND>#...`, every item carries
 * `accountId` and `region`, and detect keeps a watermark and seen marks per account and region.
 * The account and region of an old job come from its ARN; only the hub's own account was
 * watched then, so the detector's items go to the account and region of the old jobs' ARNs.
 *
 * Idempotent and safe to interrupt: each job's new items are written before its old ones are
 * deleted, a job record is written only where none is (a record ingest wrote since the upgrade
 * is newer and stays, with its items), and a table already migrated is recognized by one read
 * of its schema item.
 */

/** The item that says which layout a table holds. */
export const SCHEMA_KEY = { [layout.primary.pk]: 'META', [layout.primary.sk]: 'SCHEMA' };
/**
 * 2: jobs keyed by account and region; 3: each model's item of its newest jobs built; 4: those
 * items' entries as strings, each model's answers to best= (shared/db/model-best.ts), and each
 * job's recommendation list (JOBRECS#). The readers take a model item of version 3 as it is and
 * read a job without a list from its recommendation items, so the step from 3 only adds.
 */
export const SCHEMA_VERSION = 4;

/** Says a table holds this layout (a table made by this version starts with it). */
export const schemaItem = () => ({ ...SCHEMA_KEY, entity: 'schema', version: SCHEMA_VERSION });

export interface MigrationReport {
  /** True when the schema item said the table was migrated: nothing else was read. */
  alreadyMigrated: boolean;
  itemsScanned: number;
  jobsMigrated: number;
  /** Old jobs whose new record was already there (ingested since the upgrade): only deleted. */
  jobsAlreadyRecorded: number;
  itemsWritten: number;
  itemsDeleted: number;
  detectorItemsMigrated: number;
  /** Old items that could not be placed (no ARN and no account given), left untouched. */
  skipped: string[];
  /** Jobs given the list the list route reads (local/stack/backfill-recommendation-lists.ts). */
  recommendationListsWritten: number;
  /** Entries written into models' items (local/stack/backfill-model-items.ts). */
  modelEntriesWritten: number;
}

export interface MigrationOptions {
  /**
   * Where jobs without an ARN, and the detector's items, belong when the table holds no job ARN
   * to tell: the account and region irwatch runs in.
   */
  home?: AccountRegion;
}

type Item = Record<string, unknown>;

const OLD_CHILD = /^(REC|STEP|PERF|SUMMARY|NOTIFY)#(.*)$/s;
const NEW_SEEN = /^SEEN#\d{12}#[a-z0-9-]+#/;

const pkOf = (item: Item) => String(item[layout.primary.pk]);
const skOf = (item: Item) => String(item[layout.primary.sk]);
const keyOf = (item: Item) => ({
  [layout.primary.pk]: item[layout.primary.pk],
  [layout.primary.sk]: item[layout.primary.sk],
});

/** Whether an item is in the layout before account and region. */
function isOldJobItem(item: Item): boolean {
  if (!pkOf(item).startsWith('JOB#')) return false;
  const sk = skOf(item);
  return sk === 'JOB' || OLD_CHILD.test(sk);
}

function isOldDetectorItem(item: Item): boolean {
  if (pkOf(item) !== keyValues.detectorPk) return false;
  const sk = skOf(item);
  return sk === 'WATERMARK' || (sk.startsWith('SEEN#') && !NEW_SEEN.test(sk));
}

/** The new key of an old child item of `job`. */
function newChildKey(job: JobKey, item: Item): Record<string, string> | undefined {
  const match = OLD_CHILD.exec(skOf(item));
  if (!match) return undefined;
  const [, kind, rest] = match as unknown as [string, string, string];
  switch (kind) {
    case 'REC':
      return keys.recommendation(job, rest);
    case 'STEP':
      return keys.step(job, Number(rest));
    case 'PERF':
      return keys.performance(job, rest);
    case 'SUMMARY':
      return keys.summary(job, Number(rest));
    default:
      return keys.notification(job, rest);
  }
}

/** The job record in the new layout: its key, its place in both indexes, where it runs. */
function newJobRecord(job: JobKey, old: Item): Item {
  const item: Item = { ...old, ...keys.job(job), accountId: job.accountId, region: job.region };
  delete item[layout.byStatus.pk];
  delete item[layout.byStatus.sk];
  delete item[layout.byModel.pk];
  delete item[layout.byModel.sk];
  if (typeof old.status === 'string') {
    const lastModified = typeof old.lastModifiedTime === 'string' ? old.lastModifiedTime : '';
    Object.assign(item, keys.statusIndex(old.status, lastModified, job));
  }
  const model = modelKeyOf({
    modelName: typeof old.modelName === 'string' ? old.modelName : null,
    modelPackageVersionArn:
      typeof old.modelPackageVersionArn === 'string' ? old.modelPackageVersionArn : null,
  });
  if (model) {
    const created = typeof old.creationTime === 'string' ? old.creationTime : '';
    Object.assign(item, keys.modelIndex(model, created, job));
  }
  return item;
}

export async function migrateJobKeys(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: MigrationOptions = {},
): Promise<MigrationReport> {
  const report: MigrationReport = {
    alreadyMigrated: false,
    itemsScanned: 0,
    jobsMigrated: 0,
    jobsAlreadyRecorded: 0,
    itemsWritten: 0,
    itemsDeleted: 0,
    detectorItemsMigrated: 0,
    skipped: [],
    recommendationListsWritten: 0,
    modelEntriesWritten: 0,
  };
  const { Item: schema } = await doc.send(
    new GetCommand({ TableName: tableName, Key: SCHEMA_KEY, ConsistentRead: true }),
  );
  if (typeof schema?.version === 'number' && schema.version >= SCHEMA_VERSION) {
    return { ...report, alreadyMigrated: true };
  }

  const oldJobs = new Map<string, Item[]>();
  const oldDetector: Item[] = [];
  for await (const page of paginateScan(
    { client: doc },
    { TableName: tableName, ConsistentRead: true },
  )) {
    for (const item of page.Items ?? []) {
      report.itemsScanned += 1;
      if (isOldJobItem(item)) {
        const items = oldJobs.get(pkOf(item)) ?? [];
        items.push(item);
        oldJobs.set(pkOf(item), items);
      } else if (isOldDetectorItem(item)) {
        oldDetector.push(item);
      }
    }
  }

  let seenLocation: AccountRegion | undefined;
  for (const [partition, items] of oldJobs) {
    const record = items.find((item) => skOf(item) === 'JOB');
    const jobName = String(record?.jobName ?? items.find((item) => item.jobName)?.jobName ?? '');
    const arn = typeof record?.jobArn === 'string' ? parseJobArn(record.jobArn) : undefined;
    const where = arn ?? options.home;
    if (!where || jobName === '') {
      report.skipped.push(
        `${partition}: no job ARN to tell its account and region (give the account and region irwatch runs in)`,
      );
      continue;
    }
    seenLocation ??= arn && { accountId: arn.accountId, region: arn.region };
    const job: JobKey = { jobName, accountId: where.accountId, region: where.region };
    const location = { accountId: job.accountId, region: job.region };

    const { Item: current } = await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.job(job), ConsistentRead: true }),
    );
    const writes: WriteRequest[] = [];
    if (current) {
      report.jobsAlreadyRecorded += 1;
    } else {
      // The job's model, for recommendations stored before they carried it.
      const model = {
        modelName: record?.modelName ?? null,
        modelPackageVersionArn: record?.modelPackageVersionArn ?? null,
      };
      for (const item of items) {
        const key = skOf(item) === 'JOB' ? undefined : newChildKey(job, item);
        if (!key) continue;
        const isRecommendation = skOf(item).startsWith('REC#');
        writes.push({
          PutRequest: {
            Item: {
              ...(isRecommendation ? model : {}),
              ...item,
              ...key,
              ...location,
            },
          },
        });
      }
    }
    // Children first: once the record is there, its recommendations are too (as ingest does).
    report.itemsWritten += writes.length;
    await batchWriteAll(doc, tableName, writes);
    if (!current && record) {
      try {
        await doc.send(
          new PutCommand({
            TableName: tableName,
            Item: newJobRecord(job, record),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': layout.primary.pk },
          }),
        );
        report.itemsWritten += 1;
      } catch (error) {
        // Ingested while this ran: that record is newer.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    if (!current) report.jobsMigrated += 1;
    report.itemsDeleted += items.length;
    await batchWriteAll(
      doc,
      tableName,
      items.map((item) => ({ DeleteRequest: { Key: keyOf(item) } })),
    );
  }

  const detectorHome = seenLocation ?? options.home;
  if (oldDetector.length > 0 && detectorHome) {
    const moved = oldDetector.map((item): Item => {
      const sk = skOf(item);
      const key =
        sk === 'WATERMARK'
          ? keys.watermark(detectorHome)
          : keys.seen({ ...detectorHome, jobName: sk.slice('SEEN#'.length) });
      return { ...item, ...key, ...detectorHome };
    });
    await batchWriteAll(
      doc,
      tableName,
      moved.map((Item) => ({ PutRequest: { Item } })),
    );
    await batchWriteAll(
      doc,
      tableName,
      oldDetector.map((item) => ({ DeleteRequest: { Key: keyOf(item) } })),
    );
    report.detectorItemsMigrated = oldDetector.length;
  } else if (oldDetector.length > 0) {
    // Without them detect looks back DETECT_LOOKBACK_HOURS once and sees those jobs again:
    // ingest and notify take repeats without effect.
    report.skipped.push(
      `${oldDetector.length} detector item(s): no account and region to file them under`,
    );
  }

  if (report.skipped.length === 0) {
    // A table of before the jobs' recommendation lists (version 3 or older): write them from
    // the jobs' recommendation items.
    report.recommendationListsWritten = (
      await backfillRecommendationLists(doc, tableName)
    ).listsWritten;
    // A table of before the models' items (version 2 or older), or of before their answers (3):
    // build them from its jobs (an entry of version 3 is replaced by the same one as a string).
    report.modelEntriesWritten = (await backfillModelItems(doc, tableName)).entriesWritten;
    await doc.send(new PutCommand({ TableName: tableName, Item: schemaItem() }));
  }
  return report;
}
