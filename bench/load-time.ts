import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths.js';

const run = promisify(execFile);

/** Requires the bundle in a fresh process and prints how long the require took (ms). */
const PROBE = [
  "const { performance } = require('node:perf_hooks');",
  'const start = performance.now();',
  'require(process.argv[1]);',
  'process.stdout.write(String(performance.now() - start));',
].join('\n');

/**
 * What a function's module needs to load: its table, bus and topic names, never a real account
 * (no credentials are read at load, and the endpoints are never called).
 */
export const bundleEnv = (): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  // Bundles live outside the repository: anything serverless.yml leaves external resolves here.
  NODE_PATH: join(repoRoot, 'node_modules'),
  HOME: process.env.HOME,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_MAX_ATTEMPTS: '5',
  TABLE_NAME: 'irwatch-bench',
  EVENT_BUS_NAME: 'irwatch-bench',
  TOPIC_ARN: 'arn:aws:sns:us-east-1:111122223333:irwatch-bench',
  HOME_ACCOUNT_ID: '111122223333',
  CURSOR_KEY: 'irwatch-bench-cursor-key-0123456789abcdef',
  POWERTOOLS_SERVICE_NAME: 'irwatch',
  POWERTOOLS_METRICS_NAMESPACE: 'irwatch',
  POWERTOOLS_LOG_LEVEL: 'INFO',
});

/** Milliseconds one fresh `node` process spends requiring `bundlePath`. */
export async function loadOnce(bundlePath: string): Promise<number> {
  const { stdout } = await run(process.execPath, ['-e', PROBE, bundlePath], {
    env: bundleEnv(),
    timeout: 30_000,
  });
  const value = Number(stdout.trim());
  if (!Number.isFinite(value)) throw new Error(`Load probe of ${bundlePath} printed "${stdout}"`);
  return value;
}

/**
 * Load times of several bundles, `runs` fresh processes each, interleaved (one of each per
 * round) so that a slow moment of the machine spreads over all of them alike.
 */
export async function loadTimes(
  paths: readonly string[],
  runs: number,
): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(paths.map((path) => [path, []]));
  for (let round = 0; round < runs; round += 1) {
    for (const path of paths) times.get(path)?.push(await loadOnce(path));
  }
  return times;
}
