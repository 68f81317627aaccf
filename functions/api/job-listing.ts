import * as z from 'zod/mini';
import { JOB_STATUSES, type JobStatus } from '../../shared/job-status.js';
import { keyValues, layout } from '../../shared/db/table.js';
import type { Item, ItemKey, QueryInput, TableReader } from './reader.js';

/**
 * Jobs newest first, each listing one Query (or one per status partition) on an index, never a
 * read of the whole table:
 * - by model: GSI2, sort key `<creationTime>#<jobName>#<account>#<region>`, so `createdAfter`
 *   is a key condition; `status` is a filter.
 * - by status: GSI1, sort key `<lastModifiedTime>#<jobName>#<account>#<region>`; `createdAfter` narrows the key
 *   range (a job modified before that time cannot have been created after it) and a filter on
 *   `creationTime` makes it exact.
 * - `accountId` and `region` are filters on any of these.
 * - neither: the 8 status partitions of GSI1 merged newest first. Each partition is read lazily
 *   in chunks sized to what the page still needs, so a page reads little more than it returns
 *   instead of `limit` items from every partition.
 */

export interface JobListingQuery {
  status?: JobStatus | undefined;
  modelName?: string | undefined;
  /** Only jobs of this account, of this region: filters on the index's items. */
  accountId?: string | undefined;
  region?: string | undefined;
  createdAfter?: string | undefined;
  limit: number;
}

interface Filter {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/** Each condition that is given, ANDed; undefined when none is. */
function allOf(...filters: Array<Filter | undefined>): Filter | undefined {
  const given = filters.filter((filter) => filter !== undefined);
  if (given.length === 0) return undefined;
  return {
    expression: given.map((filter) => filter.expression).join(' AND '),
    names: Object.assign({}, ...given.map((filter) => filter.names)),
    values: Object.assign({}, ...given.map((filter) => filter.values)),
  };
}

const equals = (attribute: string, value: string | undefined): Filter | undefined =>
  value === undefined
    ? undefined
    : {
        expression: `#${attribute} = :${attribute}`,
        names: { [`#${attribute}`]: attribute },
        values: { [`:${attribute}`]: value },
      };

export const jobListingPositionSchema = z.union([
  z.strictObject({ key: z.record(z.string(), z.string()) }),
  z.strictObject({ before: z.string() }),
]);
export type JobListingPosition = z.infer<typeof jobListingPositionSchema>;

export interface JobListing {
  items: Item[];
  sortedBy: 'lastModifiedTime' | 'creationTime';
  next: JobListingPosition | undefined;
}

/**
 * Every sort key of both indexes is `<ISO time>#<jobName>#<account>#<region>`, and none of those hold `$` (which
 * sorts just above `#`): `<time>$` lies above every key of that exact time and below every later
 * one, which turns "created strictly after" into a key condition.
 */
const afterTime = (time: string) => `${time}$`;

function sortKeyCondition(lower: string | undefined, upper: string | undefined) {
  if (lower !== undefined && upper !== undefined) {
    return {
      expression: ' AND #sk BETWEEN :lower AND :upper',
      values: { ':lower': lower, ':upper': upper },
    };
  }
  if (lower !== undefined) return { expression: ' AND #sk > :lower', values: { ':lower': lower } };
  if (upper !== undefined) return { expression: ' AND #sk < :upper', values: { ':upper': upper } };
  return { expression: '', values: {} };
}

function indexQuery(
  index: { indexName: string; pk: string; sk: string },
  partition: string,
  range: { lower?: string; upper?: string },
  filter?: Filter,
): QueryInput {
  const sk = sortKeyCondition(range.lower, range.upper);
  return {
    IndexName: index.indexName,
    KeyConditionExpression: `#pk = :pk${sk.expression}`,
    ...(filter ? { FilterExpression: filter.expression } : {}),
    ExpressionAttributeNames: {
      '#pk': index.pk,
      // DynamoDB rejects a name the expressions do not use.
      ...(sk.expression ? { '#sk': index.sk } : {}),
      ...filter?.names,
    },
    ExpressionAttributeValues: { ':pk': partition, ...sk.values, ...filter?.values },
    ScanIndexForward: false,
  };
}

/** One partition, page by page: Limit counts items read, so a filtered page never overshoots. */
async function pageOfPartition(
  reader: TableReader,
  input: QueryInput,
  limit: number,
  startKey: ItemKey | undefined,
): Promise<{ items: Item[]; next: ItemKey | undefined }> {
  const items: Item[] = [];
  let key = startKey;
  do {
    const page = await reader.query({
      ...input,
      Limit: limit - items.length,
      ExclusiveStartKey: key,
    });
    items.push(...page.items);
    key = page.lastEvaluatedKey;
  } while (key && items.length < limit);
  return { items, next: key };
}

interface PartitionCursor {
  input: QueryInput;
  buffer: Item[];
  startKey: ItemKey | undefined;
  exhausted: boolean;
  /** Queries sent to it so far. */
  queries: number;
  /** Jobs of it on the page. */
  taken: number;
}

/**
 * The share of a merged page each status partition held, learnt per container from the pages it
 * merged (most jobs are COMPLETED; few are PENDING): a partition's first Query asks for its share
 * of the page and a margin, so a page takes one round of parallel Queries, seldom two, where
 * chunks of limit ÷ 8 took several rounds in turn. Even until a page was merged; a wrong guess
 * costs a round or a few items read, never a job of the answer.
 *
 * One index of every job by time (a sparse GSI with a constant partition key) would make this one
 * Query; it was weighed and left for now: a third index written with every job record (a write
 * per change, and a hot partition for all writes), a migration that backfills its key on every
 * record, and the local stack's index repair for tables made without it.
 */
const partitionShares = new Map<string, number>();
const SHARE_MARGIN = 1.2;

const partitionOf = (input: QueryInput) =>
  String((input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[':pk']);

function learnShares(partitions: readonly PartitionCursor[], pageSize: number) {
  if (pageSize === 0) return;
  for (const partition of partitions) {
    const share = partition.taken / pageSize;
    const known = partitionShares.get(partitionOf(partition.input));
    partitionShares.set(
      partitionOf(partition.input),
      known === undefined ? share : (known + share) / 2,
    );
  }
}

const statusSortKey = (item: Item) => String(item[layout.byStatus.sk]);

async function mergedPartitions(
  reader: TableReader,
  inputs: QueryInput[],
  limit: number,
  upper: string | undefined,
): Promise<{ items: Item[]; more: boolean }> {
  const partitions: PartitionCursor[] = inputs.map((input) => ({
    input,
    buffer: [],
    startKey: undefined,
    exhausted: false,
    queries: 0,
    taken: 0,
  }));
  const items: Item[] = [];
  while (items.length < limit) {
    const open = partitions.filter((p) => p.buffer.length > 0 || !p.exhausted);
    if (open.length === 0) break;
    const empty = open.filter((p) => p.buffer.length === 0);
    if (empty.length > 0) {
      const even = Math.max(1, Math.ceil((limit - items.length) / open.length));
      await Promise.all(
        empty.map(async (partition) => {
          const share = partitionShares.get(partitionOf(partition.input));
          const chunk =
            partition.queries === 0 && share !== undefined
              ? Math.max(1, Math.ceil(limit * share * SHARE_MARGIN))
              : even;
          partition.queries += 1;
          const page = await reader.query({
            ...partition.input,
            Limit: chunk,
            ExclusiveStartKey: partition.startKey,
          });
          // BETWEEN includes its upper bound: the previous page's last job, already returned.
          partition.buffer.push(...page.items.filter((item) => statusSortKey(item) !== upper));
          partition.startKey = page.lastEvaluatedKey;
          partition.exhausted = page.lastEvaluatedKey === undefined;
        }),
      );
      continue;
    }
    let newest = open[0] as PartitionCursor;
    for (const partition of open) {
      if (statusSortKey(partition.buffer[0] as Item) > statusSortKey(newest.buffer[0] as Item)) {
        newest = partition;
      }
    }
    items.push(newest.buffer.shift() as Item);
    newest.taken += 1;
  }
  learnShares(partitions, items.length);
  return { items, more: partitions.some((p) => p.buffer.length > 0 || !p.exhausted) };
}

export async function listJobItems(
  reader: TableReader,
  query: JobListingQuery,
  position: JobListingPosition | undefined,
): Promise<JobListing> {
  const lower = query.createdAfter === undefined ? undefined : afterTime(query.createdAfter);
  const startKey = position && 'key' in position ? position.key : undefined;

  const location = allOf(equals('accountId', query.accountId), equals('region', query.region));
  if (query.modelName !== undefined) {
    const filter = allOf(equals('status', query.status), location);
    const input = indexQuery(layout.byModel, keyValues.modelPk(query.modelName), { lower }, filter);
    const page = await pageOfPartition(reader, input, query.limit, startKey);
    return { items: page.items, sortedBy: 'creationTime', next: page.next && { key: page.next } };
  }

  const createdFilter = allOf(
    query.createdAfter === undefined
      ? undefined
      : {
          expression: '#creationTime > :createdAfter',
          names: { '#creationTime': 'creationTime' },
          values: { ':createdAfter': query.createdAfter },
        },
    location,
  );

  if (query.status !== undefined) {
    const input = indexQuery(
      layout.byStatus,
      keyValues.statusPk(query.status),
      { lower },
      createdFilter,
    );
    const page = await pageOfPartition(reader, input, query.limit, startKey);
    return {
      items: page.items,
      sortedBy: 'lastModifiedTime',
      next: page.next && { key: page.next },
    };
  }

  const upper = position && 'before' in position ? position.before : undefined;
  const inputs = JOB_STATUSES.map((status) =>
    indexQuery(layout.byStatus, keyValues.statusPk(status), { lower, upper }, createdFilter),
  );
  const merged = await mergedPartitions(reader, inputs, query.limit, upper);
  const last = merged.items[merged.items.length - 1];
  return {
    items: merged.items,
    sortedBy: 'lastModifiedTime',
    next: merged.more && last ? { before: statusSortKey(last) } : undefined,
  };
}
