import { randomUUID } from 'node:crypto';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';

/** A journal line that is not JSON anywhere but at the very end: not a torn last write. */
export class CorruptJournalError extends Error {
  override name = 'CorruptJournalError';
}

type JournalLine<T> = { op: 'add'; id: string; entry: T } | { op: 'done'; id: string };

export interface Journal<T> {
  /** Entries added and not yet marked done, oldest first: what a crash left undelivered. */
  pending(): Array<{ id: string; entry: T }>;
  /** Appends the entries and resolves once they are on disk (fsync), each with its id. */
  add(entries: readonly T[]): Promise<string[]>;
  /** Marks an entry handled; the file is rewritten without handled entries now and then. */
  done(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Rewrites the file once this many lines say nothing any more. */
const COMPACT_AFTER = 500;

/**
 * An append-only JSON lines file of work accepted and not yet finished, so it survives the
 * process being killed at any moment: an entry is acknowledged only after fsync, and removed by a
 * later `done` line. A torn last line (the kill came mid-write) is ignored: its `add` was never
 * acknowledged. Compaction writes a fresh file and renames it over the old one, so a kill during
 * compaction leaves one whole file or the other.
 */
export async function openJournal<T>(file: string): Promise<Journal<T>> {
  const live = new Map<string, T>();
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line === '') return;
    let parsed: JournalLine<T>;
    try {
      parsed = JSON.parse(line) as JournalLine<T>;
    } catch {
      if (index === lines.length - 1) return;
      throw new CorruptJournalError(
        `${file} line ${index + 1} is not JSON: delete ${file} to start over (its undelivered events are then lost)`,
      );
    }
    if (parsed.op === 'add') live.set(parsed.id, parsed.entry);
    else live.delete(parsed.id);
  });

  let handle: FileHandle;
  let stale = 0;
  // One write at a time: appends and compaction never interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <R>(work: () => Promise<R>): Promise<R> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  async function compact(): Promise<void> {
    const fresh = `${file}.compacting`;
    const out = await open(fresh, 'w', 0o600);
    try {
      const body = [...live].map(([id, entry]) => `${JSON.stringify({ op: 'add', id, entry })}\n`);
      await out.writeFile(body.join(''));
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(fresh, file);
    await handle.close();
    handle = await open(file, 'a', 0o600);
    stale = 0;
  }

  handle = await open(file, 'a', 0o600);
  await serial(compact);

  // A lost `done` line only means one more (idempotent) delivery after a crash: no fsync for it.
  const append = async (records: JournalLine<T>[], durable: boolean) => {
    await handle.appendFile(records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    if (durable) await handle.sync();
  };

  return {
    pending: () => [...live].map(([id, entry]) => ({ id, entry })),
    add: (entries) =>
      serial(async () => {
        const records = entries.map((entry) => ({ op: 'add' as const, id: randomUUID(), entry }));
        await append(records, true);
        for (const record of records) live.set(record.id, record.entry);
        return records.map((record) => record.id);
      }),
    done: (id) =>
      serial(async () => {
        if (!live.delete(id)) return;
        await append([{ op: 'done', id }], false);
        stale += 2;
        if (stale >= COMPACT_AFTER) await compact();
      }),
    close: () =>
      serial(async () => {
        await handle.close();
      }),
  };
}
