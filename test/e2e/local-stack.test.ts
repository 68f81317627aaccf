import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  endAll,
  eventually,
  freePort,
  runCli,
  type CliProcess,
  startArgs,
} from '../support/cli-process.js';

const SCENARIO_JOBS = 8;
const TERMINAL = ['COMPLETED', 'FAILED', 'STOPPED'];
const running: CliProcess[] = [];

afterAll(() => endAll(running, 'SIGKILL'));

interface JobsPage {
  jobs: Array<{ jobName: string; status: string }>;
}

const getJobs = async (port: number): Promise<JobsPage> => {
  const response = await fetch(`http://localhost:${port}/jobs?limit=100`);
  if (!response.ok) throw new Error(`GET /jobs answered ${response.status}`);
  return (await response.json()) as JobsPage;
};

const outboxLines = async (dataDir: string) =>
  (await readFile(join(dataDir, 'outbox.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { subject: string; attributes: Record<string, string> });

async function startCli(dataDir: string, port: number): Promise<CliProcess> {
  const cli = runCli(startArgs({ dataDir, port, pollInterval: 1, scenarioSpeed: 8 }, '--verbose'));
  running.push(cli);
  await cli.waitFor(/local stack up in \d+ ms/);
  return cli;
}

describe('npm start: the local stack from the command line', () => {
  it('runs the scenario to the end, notifies each terminal job once, and keeps it all across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-e2e-'));
    // A data folder of an earlier version kept the cursor key in a file of its own.
    const legacyKey = 'k'.repeat(64);
    await writeFile(join(dataDir, 'cursor-key'), `${legacyKey}\n`);
    const port = await freePort();
    const first = await startCli(dataDir, port);
    // The generated secret took it over, and the file is gone.
    const secretsFile = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<
      string,
      { name: string; secretString: string }
    >;
    expect(
      Object.values(secretsFile).find((secret) => secret.name.endsWith('/api/cursor-key'))
        ?.secretString,
    ).toBe(legacyKey);
    await expect(readFile(join(dataDir, 'cursor-key'))).rejects.toMatchObject({ code: 'ENOENT' });

    const finished = await eventually(
      async () => {
        const { jobs } = await getJobs(port);
        const done = jobs.filter((job) => TERMINAL.includes(job.status));
        return done.length === SCENARIO_JOBS ? jobs : undefined;
      },
      90_000,
      'every scenario job in a terminal state',
    );
    expect(new Set(finished.map((job) => job.status))).toEqual(new Set(TERMINAL));
    const outbox = await eventually(
      async () => {
        const lines = await outboxLines(dataDir);
        return lines.length >= SCENARIO_JOBS ? lines : undefined;
      },
      30_000,
      'one message per terminal job in the outbox',
    );
    expect(outbox.map((line) => line.attributes.jobName).sort()).toEqual(
      finished.map((job) => job.jobName).sort(),
    );

    // A cursor signed with the key the stack generated into its Secrets Manager (secrets.json).
    const firstPage = (await (await fetch(`http://127.0.0.1:${port}/jobs?limit=1`)).json()) as {
      nextCursor: string | null;
    };
    expect(firstPage.nextCursor).toEqual(expect.any(String));

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = await startCli(dataDir, port);
    // The same key after the restart: the cursor still continues its listing.
    const nextPage = await fetch(
      `http://127.0.0.1:${port}/jobs?limit=1&cursor=${encodeURIComponent(firstPage.nextCursor!)}`,
    );
    expect(nextPage.status).toBe(200);
    const { jobs } = await getJobs(port);
    expect(jobs.map((job) => `${job.jobName}:${job.status}`).sort()).toEqual(
      finished.map((job) => `${job.jobName}:${job.status}`).sort(),
    );
    // A few detector rounds after the restart: nothing is notified a second time.
    const polls = (second.output().match(/detect: poll listed/g) ?? []).length;
    await second.waitFor(new RegExp(`(?:[\\s\\S]*?detect: poll listed){${polls + 3}}`), 30_000);
    expect(await outboxLines(dataDir)).toHaveLength(SCENARIO_JOBS);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 180_000);

  it('says in one line that the port is taken, and exits non-zero', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-e2e-'));
    const port = await freePort();
    const holder = await startCli(dataDir, port);
    const second = runCli([
      'start',
      '--data-dir',
      await mkdtemp(join(tmpdir(), 'irwatch-e2e-')),
      '--port',
      String(port),
    ]);
    running.push(second);
    expect(await second.exited).toBe(1);
    expect(
      second
        .output()
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('irwatch:')),
    ).toEqual([`irwatch: Port ${port} is in use: stop what runs there or pass --port`]);
    expect(second.output()).not.toMatch(/\n\s+at /);
    holder.child.kill('SIGINT');
    await holder.exited;
  }, 60_000);

  it('says in one line that the data folder cannot be written or serverless.yml does not parse', async () => {
    // A data folder under a plain file cannot be created, whoever runs the test.
    const file = join(await mkdtemp(join(tmpdir(), 'irwatch-e2e-')), 'not-a-folder');
    await writeFile(file, '');
    const unwritable = runCli([
      'start',
      '--data-dir',
      join(file, 'data'),
      '--port',
      String(await freePort()),
    ]);
    running.push(unwritable);
    const broken = join(await mkdtemp(join(tmpdir(), 'irwatch-e2e-')), 'serverless.yml');
    await writeFile(broken, 'functions: [unclosed\n');
    const unparsable = runCli(['start', '--config', broken, '--port', String(await freePort())]);
    running.push(unparsable);
    expect(await unwritable.exited).toBe(1);
    expect(unwritable.output()).toMatch(/^irwatch: Data folder .* is not writable/m);
    expect(await unparsable.exited).toBe(1);
    expect(unparsable.output().trim()).toMatch(/^irwatch: .*serverless\.yml does not parse: /m);
    for (const cli of [unwritable, unparsable]) expect(cli.output()).not.toMatch(/\n\s+at /);
  }, 60_000);
});
