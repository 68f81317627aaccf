import { chmod, mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/** A data directory irwatch cannot use; the message says what to do instead. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

const PSEUDO_FILESYSTEMS = ['/proc', '/sys', '/dev'];

/** The data directory, resolved, refused when empty or on a kernel pseudo-filesystem. */
export function dataDirPath(raw: string): string {
  if (raw.trim() === '')
    throw new DataDirError('--data-dir is empty: give a folder, e.g. .irwatch');
  const path = resolve(raw);
  const pseudo = PSEUDO_FILESYSTEMS.find((root) => path === root || path.startsWith(root + sep));
  if (pseudo) {
    throw new DataDirError(
      `--data-dir ${path} is under ${pseudo}, a kernel filesystem that cannot hold data: pick a folder such as .irwatch`,
    );
  }
  return path;
}

/** Creates the folder if needed and proves it writable, before anything else is started. */
export async function ensureWritableDataDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
    // The data, the keys and the socket of the local DynamoDB are the user's alone.
    await chmod(path, 0o700);
    const probe = join(path, `.write-check-${process.pid}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (error) {
    throw new DataDirError(
      `Data folder ${path} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): pass a --data-dir you can write to`,
    );
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export interface DataDirLock {
  file: string;
  release(): Promise<void>;
}

/**
 * One irwatch per data folder: two would write the same table and journals. The lock file names
 * the holder's pid; a lock whose process is gone (killed, crashed) is taken over.
 */
export async function lockDataDir(path: string): Promise<DataDirLock> {
  const file = join(path, 'irwatch.lock');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        file,
        async release() {
          const holder = await readFile(file, 'utf8').catch(() => '');
          if (Number(holder.trim()) === process.pid) await unlink(file).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new DataDirError(
        `Another irwatch (pid ${pid}) is using ${path}: stop it first, or pass another --data-dir`,
      );
    }
    // Stale (its process is gone) or unreadable: take it over.
    await unlink(file).catch(() => undefined);
  }
  throw new DataDirError(`Could not take the lock ${file}: delete it if no irwatch is running`);
}

/**
 * The cursor key a data folder from before the stack generated its secret kept in `cursor-key`;
 * undefined when there is none. The stack gives it to the secret, so cursors handed out then
 * still continue, and then removes the file (takeLegacyCursorKey's `done`).
 */
export async function takeLegacyCursorKey(
  dataDir: string,
): Promise<{ key: string; done: () => Promise<void> } | undefined> {
  const file = join(dataDir, 'cursor-key');
  let key: string;
  try {
    key = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { key, done: () => unlink(file) };
}
