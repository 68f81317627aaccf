import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../local/cli/cli.js';
import { endAll, freePort, runCli, type CliProcess } from '../support/cli-process.js';

const started: CliProcess[] = [];
afterAll(() => endAll(started, 'SIGKILL'));

async function irwatch(...args: string[]) {
  return irwatchWith({}, ...args);
}

async function irwatchWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const cli = runCli(args, env);
  started.push(cli);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

const freshDir = async () => join(await mkdtemp(join(tmpdir(), 'irwatch-flags-')), 'data');

/** One line, starting with `irwatch:`, and no stack trace. */
function expectOneLineError(result: { code: number | null; output: string }, message: RegExp) {
  expect(result.code).toBe(1);
  const lines = result.output.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^irwatch: /);
  expect(lines[0]).toMatch(message);
  expect(result.output).not.toMatch(/^\s+at /m);
}

describe('irwatch <command> --help', () => {
  it.each(Object.keys(COMMANDS))(
    '%s --help prints its usage, exits 0 and creates nothing',
    async (command) => {
      const dataDir = await freshDir();
      const result = await irwatch(command, '--help', '--data-dir', dataDir, '--port', '0');
      expect(result.code).toBe(0);
      expect(result.output).toMatch(new RegExp(`^Usage: irwatch ${command}`));
      expect(existsSync(dataDir)).toBe(false);
    },
  );

  it('irwatch --help lists every command', async () => {
    const result = await irwatch('--help');
    expect(result.code).toBe(0);
    for (const command of Object.keys(COMMANDS))
      expect(result.output).toContain(`irwatch ${command}`);
  });
});

describe('bad flags are refused before anything starts', () => {
  it.each([
    [['start', '--port', '0'], /--port must be a port number from 1 to 65535, got "0"/],
    [['start', '--port', '70000'], /--port must be a port number/],
    [['start', '--port', 'http'], /--port must be a port number/],
    [['start', '--port', ''], /--port is empty/],
    [['start', '--poll-interval', '0'], /--poll-interval must be a number above 0/],
    [['start', '--poll-interval', 'soon'], /--poll-interval must be a number above 0/],
    [['start', '--reconcile-interval', '-5'], /--reconcile-interval.*ambiguous/],
    [['start', '--reconcile-interval=-5'], /--reconcile-interval must be a number above 0/],
    [['start', '--retry-delay', '3600'], /--retry-delay must be a number above 0 and at most 600/],
    [['start', '--scenario-speed', 'NaN'], /--scenario-speed must be a number above 0/],
    [
      ['start', '--webhook', 'ftp://example.com'],
      /--webhook must be an http:\/\/ or https:\/\/ URL/,
    ],
    [['start', '--webhook', 'not a url'], /--webhook must be a URL/],
    [['start', '--webhook='], /--webhook is empty/],
    [['start', '--data-dir', '/proc/irwatch'], /--data-dir \/proc\/irwatch is under \/proc/],
    [['start', '--data-dir', ''], /--data-dir is empty/],
    [['start', '--config', '/nonexistent/serverless.yml'], /--config .* does not exist/],
    [['start', '--status', 'COMPLETED'], /irwatch start takes no option --status/],
    [['jobs', '--api-url', 'localhost:3000'], /--api-url must be an http:\/\/ or https:\/\/ URL/],
    [['jobs', '--port', '3000'], /irwatch jobs takes no option --port/],
    [['recs', 'job', '--api-url', ''], /--api-url is empty/],
    [['dashboard'], /dashboard needs --api-url/],
    [
      ['dashboard', '--api-url', 'https://x.example.com', '--port', '99999'],
      /--port must be a port number/,
    ],
    [['redrive', '--stage', 'prod', '--region', 'Europe'], /--region must be an AWS region/],
    [['redrive', '--stage', 'a b'], /--stage must be a stage name/],
    [['backfill', '--verbose'], /irwatch backfill takes no option --verbose/],
    [['frobnicate'], /Unknown command "frobnicate"/],
  ])('%j', async (args, message) => {
    const takesDataDir = 'data-dir' in (COMMANDS[args[0]!]?.options ?? {});
    const dataDir = await freshDir();
    const addDataDir = takesDataDir && !args.includes('--data-dir');
    const result = await irwatch(...args, ...(addDataDir ? ['--data-dir', dataDir] : []));
    if (args[0] === 'frobnicate') {
      expect(result.code).toBe(1);
      expect(result.output).toMatch(message);
      return;
    }
    expectOneLineError(result, message);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('a deployed API without AWS credentials', () => {
  it('says in one line how to provide them', async () => {
    const result = await irwatchWith(
      {
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      },
      'jobs',
      '--api-url',
      'https://abc123.execute-api.eu-west-1.amazonaws.com',
    );
    expectOneLineError(result, /No AWS credentials found .*set AWS_PROFILE/);
  });
});

describe('irwatch start --no-iam', () => {
  it('says at start-up that IAM is off, and on by default', async () => {
    const start = async (...flags: string[]) => {
      const cli = runCli([
        'start',
        '--data-dir',
        await freshDir(),
        '--port',
        String(await freePort()),
        '--poll-interval',
        '3600',
        ...flags,
      ]);
      started.push(cli);
      await cli.waitFor(/local stack up in \d+ ms/);
      cli.child.kill('SIGINT');
      await cli.exited;
      return cli.output();
    };
    const off = await start('--no-iam');
    expect(off).toMatch(/IAM is off \(--no-iam\): every signed call is allowed/);
    expect(off).toMatch(/IAM +OFF \(--no-iam\)/);
    const on = await start();
    expect(on).not.toMatch(/IAM is off/);
    expect(on).toMatch(/IAM +each function's calls evaluated against its role/);
  });
});

describe('the data directory', () => {
  it('refuses a second instance, naming the pid that holds the lock', async () => {
    const dataDir = await freshDir();
    await mkdir(dataDir, { recursive: true });
    // This test's own process is alive: a lock naming it is held.
    await writeFile(join(dataDir, 'irwatch.lock'), `${process.pid}\n`);
    const result = await irwatch(
      'start',
      '--data-dir',
      dataDir,
      '--port',
      String(await freePort()),
    );
    expectOneLineError(result, new RegExp(`Another irwatch \\(pid ${process.pid}\\) is using`));
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
  });

  it('takes over the lock of a process that is gone, and says what to delete when the table is corrupt', async () => {
    const dataDir = await freshDir();
    await mkdir(join(dataDir, 'dynamodb'), { recursive: true });
    const gone = spawn(process.execPath, ['-e', '']);
    const deadPid = gone.pid!;
    await new Promise((resolve) => gone.once('exit', resolve));
    await writeFile(join(dataDir, 'irwatch.lock'), `${deadPid}\n`);
    await writeFile(join(dataDir, 'dynamodb', 'CURRENT'), 'garbage\n');
    const result = await irwatch(
      'start',
      '--data-dir',
      dataDir,
      '--port',
      String(await freePort()),
    );
    expectOneLineError(result, /cannot be opened .*delete .*dynamodb to start with an empty table/);
    // The stale lock was taken over, then released when the start failed.
    expect(existsSync(join(dataDir, 'irwatch.lock'))).toBe(false);
  });

  it('refuses a data directory it cannot write to', async () => {
    const parent = await freshDir();
    await writeFile(parent, 'a file, not a folder\n');
    const result = await irwatch('start', '--data-dir', join(parent, 'data'));
    expectOneLineError(result, /is not writable .*pass a --data-dir you can write to/);
    expect(await readFile(parent, 'utf8')).toBe('a file, not a folder\n');
  });
});
