import { describe, expect, it } from 'vitest';
import { listJobItems } from '../../functions/api/job-listing.js';
import type { Item, QueryInput, TableReader } from '../../functions/api/reader.js';
import { keyValues, layout } from '../../shared/db/table.js';
import { JOB_STATUSES, type JobStatus } from '../../shared/events.js';

/**
 * GSI1 in memory: `jobs` jobs, one a minute, their statuses in `cycle` order over and over; each
 * status partition newest first, Limit and ExclusiveStartKey as DynamoDB takes them.
 */
function statusIndex(jobs: number, cycle: readonly JobStatus[]) {
  const partitions = new Map<string, Item[]>(
    JOB_STATUSES.map((status) => [keyValues.statusPk(status), []]),
  );
  for (let minute = 0; minute < jobs; minute += 1) {
    const status = cycle[minute % cycle.length]!;
    const time = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
    partitions.get(keyValues.statusPk(status))!.unshift({
      [layout.byStatus.sk]: `${time}#job-${minute}`,
      status,
    });
  }
  const queries: number[] = [];
  const reader: TableReader = {
    async query(input: QueryInput) {
      const pk = String((input.ExpressionAttributeValues as Record<string, unknown>)[':pk']);
      const all = partitions.get(pk) ?? [];
      const after = input.ExclusiveStartKey?.[layout.byStatus.sk];
      const start =
        after === undefined ? 0 : all.findIndex((item) => item[layout.byStatus.sk] === after) + 1;
      const items = all.slice(start, start + (input.Limit ?? all.length));
      queries.push(items.length);
      const last = items.at(-1);
      return {
        items,
        scannedCount: items.length,
        lastEvaluatedKey:
          last && start + items.length < all.length
            ? { [layout.byStatus.sk]: String(last[layout.byStatus.sk]) }
            : undefined,
      };
    },
    get: async () => undefined,
    batchGet: async () => ({ items: [], calls: 0 }),
  };
  return { reader, queries };
}

describe('GET /jobs without a status: the status partitions merged', () => {
  it('asks each partition for its share of the page once a page was merged: one round, little over-read', async () => {
    // As the benchmark's table: 80% COMPLETED, 8% FAILED, 6% STOPPED, 4% IN_PROGRESS, 2% PENDING.
    const cycle: JobStatus[] = [
      ...Array<JobStatus>(40).fill('COMPLETED'),
      ...Array<JobStatus>(4).fill('FAILED'),
      ...Array<JobStatus>(3).fill('STOPPED'),
      ...Array<JobStatus>(2).fill('IN_PROGRESS'),
      'PENDING',
    ];
    const { reader, queries } = statusIndex(1_000, cycle);
    const first = await listJobItems(reader, { limit: 50 }, undefined);
    const firstQueries = queries.splice(0);
    // Even chunks of ceil(50 / 8): the partitions holding most of the page are asked again.
    expect(firstQueries.length).toBeGreaterThan(8);

    const second = await listJobItems(reader, { limit: 50 }, undefined);
    expect(second.items).toEqual(first.items);
    // One Query per partition, each for its share and a margin; the page read at most 1.5 times.
    expect(queries).toHaveLength(JOB_STATUSES.length);
    const read = queries.reduce((sum, count) => sum + count, 0);
    expect(read).toBeGreaterThanOrEqual(50);
    expect(read / 50).toBeLessThanOrEqual(1.5);
  });
});
