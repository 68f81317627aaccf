import { BATCH_GET_LIMIT } from '../../shared/db/batch-get.js';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;
export type ItemKey = Record<string, string>;

/** A Query without its table: the reader knows which table it reads. */
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'Select'> & {
  ExclusiveStartKey?: ItemKey;
};

export interface QueryPage {
  items: Item[];
  lastEvaluatedKey: ItemKey | undefined;
  /** Items DynamoDB read for this page, before any FilterExpression (its ScannedCount). */
  scannedCount: number;
}

/** The read-only DynamoDB operations the API is allowed: Query, GetItem, BatchGetItem; never a whole-table read. */
export interface TableReader {
  query(input: QueryInput): Promise<QueryPage>;
  get(key: ItemKey): Promise<Item | undefined>;
  /** Every key's item (absent ones left out), resending UnprocessedKeys; `calls` counts requests. */
  batchGet(keys: readonly ItemKey[]): Promise<{ items: Item[]; calls: number }>;
}

/** What one request cost in DynamoDB: the numerator of read amplification. */
export interface ReadStats {
  requests: number;
  itemsRead: number;
}

/**
 * Wraps a reader to count what it reads. GetItem and BatchGetItem count the items found; Query
 * counts ScannedCount, so items a FilterExpression discarded are counted as read, as DynamoDB
 * bills them.
 */
export function countingReader(reader: TableReader): { reader: TableReader; stats: ReadStats } {
  const stats: ReadStats = { requests: 0, itemsRead: 0 };
  return {
    stats,
    reader: {
      async query(input) {
        const page = await reader.query(input);
        stats.requests += 1;
        stats.itemsRead += page.scannedCount;
        return page;
      },
      async get(key) {
        const item = await reader.get(key);
        stats.requests += 1;
        stats.itemsRead += item ? 1 : 0;
        return item;
      },
      async batchGet(keys) {
        if (keys.length === 0) return { items: [], calls: 0 };
        const result = await reader.batchGet(keys);
        stats.requests += result.calls;
        stats.itemsRead += result.items.length;
        return result;
      },
    },
  };
}

/** Reads every page of a Query (for partitions known to be small: one job's recommendations). */
export async function queryAll(reader: TableReader, input: QueryInput): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: ItemKey | undefined;
  do {
    const page = await reader.query({ ...input, ExclusiveStartKey: startKey });
    items.push(...page.items);
    startKey = page.lastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Every key's item (absent ones left out), BATCH_GET_LIMIT keys a request, sent in parallel. */
export async function batchGetAll(reader: TableReader, keys: readonly ItemKey[]): Promise<Item[]> {
  const requests: Array<Promise<{ items: Item[] }>> = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    requests.push(reader.batchGet(keys.slice(start, start + BATCH_GET_LIMIT)));
  }
  return (await Promise.all(requests)).flatMap((result) => result.items);
}
