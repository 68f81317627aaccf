import { createRequire } from 'node:module';
import { mkdtemp, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  CorruptDataError,
  repairIndexes,
  startDynalite,
} from '../../local/aws/dynamodb/dynamodb.js';
import { createTableInput } from '../../shared/db/table.js';

const TABLE = 'irwatch-local';
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const dynaliteDb = fromDynalite('./db') as {
  getIndexActions(
    indexes: unknown[],
    existing: undefined,
    item: unknown,
    table: unknown,
  ): { puts: Array<{ index: string; key: string; item: unknown }> };
};
const { Level } = fromDynalite('level') as {
  Level: new (
    path: string,
    options: { valueEncoding: 'json' },
  ) => {
    iterator(options: { gte: string; lt: string }): AsyncIterable<[string, unknown]>;
    get(key: string): Promise<unknown>;
    put(key: string, value: unknown): Promise<void>;
    close(): Promise<void>;
  };
};

const client = (url: string) =>
  new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

const job = (status: string, time: string) => ({
  PK: { S: 'JOB#crashed' },
  SK: { S: 'JOB' },
  GSI1PK: { S: `STATUS#${status}` },
  GSI1SK: { S: `${time}#crashed` },
  status: { S: status },
});

async function jobsByStatus(url: string, status: string): Promise<number> {
  const dynamo = client(url);
  try {
    const result = await dynamo.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: `STATUS#${status}` } },
      }),
    );
    return result.Count ?? 0;
  } finally {
    dynamo.destroy();
  }
}

describe('dynalite on disk: secondary indexes rebuilt from the items on open', () => {
  it('drops the index entry a crash left between index and item writes, and keeps the rest', async () => {
    const path = await mkdtemp(join(tmpdir(), 'irwatch-repair-'));
    let server = await startDynalite({ path });
    const dynamo = client(server.url);
    await dynamo.send(new CreateTableCommand(createTableInput(TABLE)));
    await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: job('PENDING', '2026-01-01') }));
    dynamo.destroy();
    await server.close();

    // What dynalite's putItem leaves when killed after its index write and before its item
    // write: the index says COMPLETED, the item still says PENDING.
    const db = new Level(path, { valueEncoding: 'json' });
    const table = (await db.get(`table~${TABLE}`)) as { GlobalSecondaryIndexes: unknown[] };
    const completed = job('COMPLETED', '2026-01-02');
    const [put] = dynaliteDb
      .getIndexActions(table.GlobalSecondaryIndexes, undefined, completed, table)
      .puts.filter((action) => action.index === 'GSI1');
    await db.put(`index-global~${TABLE}~GSI1~${put!.key}`, put!.item);
    await db.close();

    server = await startDynalite({ path });
    expect(await jobsByStatus(server.url, 'COMPLETED')).toBe(1);
    await server.close();

    const repair = await repairIndexes(path);
    expect(repair).toMatchObject({ tables: 1, items: 1, staleEntries: 1 });

    server = await startDynalite({ path });
    try {
      expect(await jobsByStatus(server.url, 'COMPLETED')).toBe(0);
      expect(await jobsByStatus(server.url, 'PENDING')).toBe(1);
    } finally {
      await server.close();
    }
    expect(await repairIndexes(path)).toMatchObject({ staleEntries: 0, indexEntries: 0 });
  });

  it('names the folder to delete when the files are not a LevelDB', async () => {
    const path = await mkdtemp(join(tmpdir(), 'irwatch-corrupt-'));
    await writeFile(join(path, 'CURRENT'), 'not a manifest\n');
    expect(await readdir(path)).toContain('CURRENT');
    const error = await repairIndexes(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CorruptDataError);
    expect((error as Error).message).toContain(`delete ${path}`);
  });
});
