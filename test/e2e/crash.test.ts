import { stackUserCredentials } from '../support/aws-clients.js';
import { readFile, stat } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeInferenceRecommendationsJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { afterAll, describe, expect, it } from 'vitest';
import {
  eventually,
  freePort,
  runCli,
  type CliProcess,
  startArgs,
} from '../support/cli-process.js';

const SCENARIO_JOBS = 8;
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'STOPPED']);
const running: CliProcess[] = [];

afterAll(async () => {
  for (const cli of running) {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  }
});

interface OutboxLine {
  attributes: Record<string, string>;
}
interface DeadLetter {
  functionName: string;
  error?: string;
}

const jsonLines = async <T>(file: string): Promise<T[]> =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);

const sizeOf = async (file: string) => (await stat(file).catch(() => undefined))?.size ?? 0;

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

describe('the local stack killed with SIGKILL at many points, restarted on the same data', () => {
  it('ends with every job terminal and stored as SageMaker describes it, notified once, nothing lost', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-crash-'));
    const port = await freePort();
    const outbox = join(dataDir, 'outbox.jsonl');
    const journal = join(dataDir, 'bus-journal.jsonl');

    const start = async () => {
      const cli = runCli(
        startArgs(
          { dataDir, port, pollInterval: 1, scenarioSpeed: 4 },
          // Longer than notify's claim lease (45 s) over the three attempts, as Lambda's own
          // retries are: a claim left by a killed invocation has expired by the last attempt.
          '--retry-delay',
          '20',
        ),
      );
      running.push(cli);
      await cli.waitFor(/local stack up in \d+ ms/, 60_000);
      return cli;
    };
    const outboxCount = async () => (await jsonLines<OutboxLine>(outbox)).length;

    /** Moments of the scenario, in the order they come: a kill follows each as soon as it is seen. */
    const moments: Array<[string, (cli: CliProcess, journalAtStart: number) => Promise<unknown>]> =
      [
        ['a poll that found changes', (cli) => cli.waitFor(/poll listed \d+ job\(s\), [1-9]/)],
        [
          'deliveries journalled (ingest running)',
          (_cli, atStart) =>
            eventually(
              async () => ((await sizeOf(journal)) > atStart ? true : undefined),
              30_000,
              'journal growth',
            ),
        ],
        [
          'the first notification',
          () =>
            eventually(
              async () => ((await outboxCount()) >= 1 ? true : undefined),
              60_000,
              'outbox 1',
            ),
        ],
        [
          'another poll that found changes',
          (cli) => cli.waitFor(/poll listed \d+ job\(s\), [1-9]/),
        ],
        [
          'the third notification',
          () =>
            eventually(
              async () => ((await outboxCount()) >= 3 ? true : undefined),
              60_000,
              'outbox 3',
            ),
        ],
        [
          'deliveries journalled again',
          (_cli, atStart) =>
            eventually(
              async () => ((await sizeOf(journal)) > atStart ? true : undefined),
              30_000,
              'journal growth',
            ),
        ],
        [
          'the fifth notification',
          () =>
            eventually(
              async () => ((await outboxCount()) >= 5 ? true : undefined),
              60_000,
              'outbox 5',
            ),
        ],
        [
          'the seventh notification',
          () =>
            eventually(
              async () => ((await outboxCount()) >= 7 ? true : undefined),
              60_000,
              'outbox 7',
            ),
        ],
      ];

    let kills = 0;
    for (const [, moment] of moments) {
      const cli = await start();
      const journalAtStart = await sizeOf(journal);
      const reached = await moment(cli, journalAtStart).then(
        () => true,
        () => false,
      );
      cli.child.kill('SIGKILL');
      await cli.exited;
      if (reached) kills += 1;
    }

    const last = await start();
    const stackInfo = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as {
      sagemaker: string;
    };
    const sagemaker = new SageMakerClient({
      endpoint: stackInfo.sagemaker,
      region: 'us-east-1',
      credentials: stackUserCredentials(dataDir),
    });
    const base = `http://127.0.0.1:${port}`;

    interface StoredJob {
      jobName: string;
      status: string;
      lastModifiedTime: string | null;
    }
    const settled = await eventually(
      async () => {
        const { jobs } = await getJson<{ jobs: StoredJob[] }>(`${base}/jobs?limit=100`);
        if (jobs.length !== SCENARIO_JOBS || !jobs.every((job) => TERMINAL.has(job.status))) {
          return undefined;
        }
        const lines = await jsonLines<OutboxLine>(outbox);
        const notified = new Set(
          lines.map((line) => `${line.attributes.jobName}:${line.attributes.status}`),
        );
        if (!jobs.every((job) => notified.has(`${job.jobName}:${job.status}`))) return undefined;
        return { jobs, lines };
      },
      150_000,
      'every job terminal and notified',
    );

    let stuck = 0;
    let mismatched = 0;
    for (const job of settled.jobs) {
      const { job: stored } = await getJson<{ job: StoredJob }>(`${base}/jobs/${job.jobName}`);
      const described = await sagemaker.send(
        new DescribeInferenceRecommendationsJobCommand({ JobName: job.jobName }),
      );
      if (!TERMINAL.has(stored.status)) stuck += 1;
      if (
        stored.status !== described.Status ||
        stored.lastModifiedTime !== described.LastModifiedTime?.toISOString()
      ) {
        mismatched += 1;
      }
    }
    sagemaker.destroy();
    // Each job listed once, and no index entry left in a status no job has (dynalite's index
    // and item writes are not atomic; the stack rebuilds the index on open).
    expect(new Set(settled.jobs.map((job) => job.jobName)).size).toBe(SCENARIO_JOBS);
    for (const status of ['PENDING', 'IN_PROGRESS', 'STOPPING']) {
      const { jobs } = await getJson<{ jobs: StoredJob[] }>(`${base}/jobs?status=${status}`);
      expect(jobs).toEqual([]);
    }

    const perKey = new Map<string, number>();
    for (const line of settled.lines) {
      const key = `${line.attributes.jobName}:${line.attributes.status}`;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    const duplicates = [...perKey.values()].reduce((sum, count) => sum + count - 1, 0);
    const lost = settled.jobs.filter((job) => !perKey.has(`${job.jobName}:${job.status}`)).length;
    const deadLetters = await jsonLines<DeadLetter>(join(dataDir, 'dead-letter.jsonl'));
    const restartOutput = last.output();

    console.log(
      `crash test: kills ${kills}, jobs ${settled.jobs.length}, notifications ${settled.lines.length}, ` +
        `duplicates ${duplicates} (publish window of notify), lost ${lost}, stuck ${stuck}, ` +
        `mismatched ${mismatched}, dead letters ${deadLetters.length}`,
    );

    expect(kills).toBeGreaterThanOrEqual(5);
    expect(settled.jobs).toHaveLength(SCENARIO_JOBS);
    expect(stuck).toBe(0);
    expect(mismatched).toBe(0);
    expect(lost).toBe(0);
    // Only notify's documented window (killed after SNS accepted, before the claim was marked
    // sent) may notify twice, and each kill can open it at most once.
    expect(duplicates).toBeLessThanOrEqual(kills);
    for (const letter of deadLetters) expect(letter.error).toMatch(/\S/);
    expect(restartOutput).not.toMatch(/Error: .*\n\s+at /);

    last.child.kill('SIGINT');
    expect(await last.exited).toBe(0);
  }, 300_000);
});
