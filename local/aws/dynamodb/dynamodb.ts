import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface LocalDynamoDb {
  /** `http://host:port`, or `unix:<path>` when it listens on a socket file. */
  url: string;
  port: number;
  /** The socket file, when it listens on one instead of a port. */
  socketPath?: string;
  close(): Promise<void>;
}

export interface IndexRepair {
  tables: number;
  items: number;
  /** Index entries written from the items. */
  indexEntries: number;
  /** Index entries that no item backed, or that differed from what the item says (removed). */
  staleEntries: number;
}

/** The data folder's table files cannot be opened: the fix is to delete them. */
export class CorruptDataError extends Error {
  override name = 'CorruptDataError';
}

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
  iterator(options: { gte: string; lt: string }): AsyncIterable<[string, unknown]>;
  batch(operations: Array<{ type: 'put' | 'del'; key: string; value?: unknown }>): Promise<void>;
}

interface DynaliteTable {
  TableName: string;
  GlobalSecondaryIndexes?: unknown[];
  LocalSecondaryIndexes?: unknown[];
}

interface DynaliteDbModule {
  getIndexActions(
    indexes: unknown[],
    existingItem: undefined,
    item: unknown,
    table: DynaliteTable,
  ): { puts: Array<{ index: string; key: string; item: unknown }> };
}

// The very LevelDB and key layout dynalite stores in: the repair cannot drift from what it reads.
const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
const { Level } = fromDynalite('level') as {
  Level: new (path: string, options: { valueEncoding: 'json' }) => LevelDb;
};
const dynaliteDb = fromDynalite('./db') as DynaliteDbModule;

const BATCH = 500;

async function entries(db: LevelDb, prefix: string): Promise<Array<[string, unknown]>> {
  const found: Array<[string, unknown]> = [];
  for await (const entry of db.iterator({ gte: prefix, lt: `${prefix}\xff` })) found.push(entry);
  return found;
}

/**
 * Rebuilds every secondary index of a dynalite folder from its items. dynalite writes an item's
 * index entries and then the item, in separate LevelDB writes: a process killed between the two
 * leaves an index entry no item backs (a job listed twice, once in a status it no longer has).
 * DynamoDB never shows that, so the local stack repairs it before it serves anything.
 */
export async function repairIndexes(path: string): Promise<IndexRepair> {
  const db = new Level(path, { valueEncoding: 'json' });
  try {
    await db.open();
  } catch (error) {
    const cause = (error as { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new CorruptDataError(
      `The local table in ${path} cannot be opened (${cause}): stop any other irwatch using it, or delete ${path} to start with an empty table`,
    );
  }
  const repair: IndexRepair = { tables: 0, items: 0, indexEntries: 0, staleEntries: 0 };
  try {
    for (const [, value] of await entries(db, 'table~')) {
      const table = value as DynaliteTable;
      const kinds = [
        ['global', table.GlobalSecondaryIndexes ?? []],
        ['local', table.LocalSecondaryIndexes ?? []],
      ] as const;
      if (kinds.every(([, indexes]) => indexes.length === 0)) continue;
      repair.tables += 1;
      const wanted = new Map<string, unknown>();
      for (const [, item] of await entries(db, `item-${table.TableName}~`)) {
        repair.items += 1;
        for (const [kind, indexes] of kinds) {
          for (const put of dynaliteDb.getIndexActions([...indexes], undefined, item, table).puts) {
            wanted.set(`index-${kind}~${table.TableName}~${put.index}~${put.key}`, put.item);
          }
        }
      }
      const operations: Array<{ type: 'put' | 'del'; key: string; value?: unknown }> = [];
      for (const [kind] of kinds) {
        for (const [key, entry] of await entries(db, `index-${kind}~${table.TableName}~`)) {
          const expected = wanted.get(key);
          if (expected === undefined) {
            operations.push({ type: 'del', key });
            repair.staleEntries += 1;
          } else if (JSON.stringify(expected) === JSON.stringify(entry)) {
            wanted.delete(key);
          } else {
            repair.staleEntries += 1;
          }
        }
      }
      for (const [key, value] of wanted) operations.push({ type: 'put', key, value });
      repair.indexEntries += wanted.size;
      for (let i = 0; i < operations.length; i += BATCH) {
        await db.batch(operations.slice(i, i + BATCH));
      }
    }
  } finally {
    await db.close();
  }
  return repair;
}

/**
 * dynalite speaks DynamoDB's wire protocol in-process: in memory, or persisted to `path`.
 * Table changes are instant so tests and the local stack never wait for ACTIVE.
 */
export async function startDynalite(
  options: { path?: string; port?: number; host?: string; socketPath?: string } = {},
): Promise<LocalDynamoDb> {
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const host = options.host ?? '127.0.0.1';
  const { socketPath } = options;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ready = () => {
      server.off('error', reject);
      resolve();
    };
    if (socketPath) server.listen(socketPath, ready);
    else server.listen(options.port ?? 0, host, ready);
  });
  const port = socketPath ? 0 : (server.address() as AddressInfo).port;
  return {
    url: socketPath ? `unix:${socketPath}` : `http://${host}:${port}`,
    port,
    ...(socketPath ? { socketPath } : {}),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
