import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { offlineEnv } from '../test/support/fixtures.js';
import { repoRoot } from './paths.js';
import { zipEntries } from '../test/support/zip.js';

const run = promisify(execFile);

/** Left out of the copy osls packages: dependencies are linked, generated output is not needed. */
const SKIPPED = new Set([
  'node_modules',
  '.git',
  '.serverless',
  '.esbuild',
  '.irwatch',
  'coverage',
  'bench',
]);

export interface PackagedFunction {
  zipBytes: number;
  /** The handler file inside the zip, uncompressed: the bundle Lambda loads. */
  handlerBytes: number;
  files: number;
}

/**
 * Runs `osls package` offline on a copy of the service (so it never races a test run's
 * `.esbuild/` folder in the working tree) and reads the zips it made.
 */
export async function packageWithOsls(): Promise<Map<string, PackagedFunction>> {
  const work = mkdtempSync(join(tmpdir(), 'irwatch-bench-package-'));
  try {
    for (const entry of readdirSync(repoRoot)) {
      if (!SKIPPED.has(entry))
        cpSync(join(repoRoot, entry), join(work, entry), { recursive: true });
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'));
    const out = join(work, 'package');
    await run(
      join(repoRoot, 'node_modules/.bin/osls'),
      ['package', '--stage', 'dev', '--package', out],
      {
        cwd: work,
        env: offlineEnv(),
        maxBuffer: 16 * 1024 * 1024,
        timeout: 180_000,
      },
    );
    const packaged = new Map<string, PackagedFunction>();
    for (const file of readdirSync(out).filter((name) => name.endsWith('.zip'))) {
      const path = join(out, file);
      if (!existsSync(path)) continue;
      const entries = zipEntries(path);
      const handler = entries.find((entry) => /handler\.[cm]?js$/.test(entry.name));
      packaged.set(file.replace(/\.zip$/, ''), {
        zipBytes: statSync(path).size,
        handlerBytes: handler?.bytes ?? Number.NaN,
        files: entries.length,
      });
    }
    return packaged;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
