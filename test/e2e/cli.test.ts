import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { eventually, runCli } from '../support/cli-process.js';

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'irwatch-cli-'));
  stack = await startStack({
    dataDir,
    port: 0,
    pollIntervalSeconds: 1,
    scenarioSpeed: 8,
    log: () => undefined,
  });
  await eventually(
    async () => {
      const body = (await (await fetch(`${stack.url}/jobs?status=COMPLETED`)).json()) as {
        jobs: unknown[];
      };
      return body.jobs.length === 6 ? true : undefined;
    },
    90_000,
    'the completed scenario jobs',
  );
  await stack.bus.idle();
}, 120_000);

afterAll(() => stack?.stop());

async function irwatch(...args: string[]) {
  const cli = runCli([...args, '--data-dir', dataDir]);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

/** The lines of a table after its header and its rule of dashes. */
const lines = (output: string) => output.trim().split('\n');
const ruleAt = (output: string) => lines(output).findIndex((line) => /^-+(\s+-+)*$/.test(line));
const rows = (output: string) => lines(output).slice(ruleAt(output) + 1);
const header = (output: string) => lines(output)[ruleAt(output) - 1]!;

describe('the irwatch CLI against the local stack', () => {
  it('lists jobs as a table, filtered by status', async () => {
    const all = await irwatch('jobs');
    expect(all.code).toBe(0);
    expect(all.output).toMatch(/^JOB\s+ACCOUNT\s+REGION\s+STATUS\s+TYPE\s+MODEL/m);
    expect(rows(all.output)).toHaveLength(8);
    // Every job of the local stack runs in its account and region.
    expect(rows(all.output).every((row) => /^\S+\s+000000000000\s+us-east-1\s/.test(row))).toBe(
      true,
    );
    const failed = await irwatch('jobs', '--status', 'failed');
    expect(rows(failed.output).map((row) => row.split(/\s+/)[0])).toEqual(['sklearn-failed']);
  });

  it('shows the Pareto-optimal recommendations of a job', async () => {
    const { code, output } = await irwatch('recs', 'xgboost-churn-default', '--pareto');
    expect(code).toBe(0);
    expect(lines(output)[0]).toBe('Job xgboost-churn-default in account 000000000000, us-east-1');
    expect(
      rows(output)
        .map((row) => row.split(/\s+/)[0])
        .sort(),
    ).toEqual(['a9e3s7gw', 'k3v9x2qa', 'x6d4r8mv']);
  });

  it('filters by latency and sorts as asked', async () => {
    const { output } = await irwatch(
      'recs',
      'xgboost-churn-default',
      '--max-latency',
      '4',
      '--sort',
      'modelLatency',
    );
    const columns = header(output).split(/\s{2,}/);
    const latency = columns.indexOf('LATENCY ms');
    const latencies = rows(output).map((row) => Number(row.split(/\s{2,}/)[latency]));
    expect(latencies.length).toBeGreaterThan(0);
    expect(latencies.every((value) => value <= 4)).toBe(true);
    expect(latencies).toEqual([...latencies].sort((a, b) => a - b));
  });

  it('says in one line what is wrong with a request', async () => {
    const { code, output } = await irwatch('recs', 'no-such-job');
    expect(code).toBe(1);
    expect(output.trim()).toMatch(/^irwatch: .*no-such-job/);
    const bad = await irwatch('recs', 'xgboost-churn-default', '--max-latency', 'fast');
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/^irwatch: .*maxModelLatency/m);
  });

  it('backfills through the detector and replays an event onto the bus', async () => {
    const backfill = await irwatch('backfill');
    expect(backfill.code).toBe(0);
    expect(backfill.output).toMatch(/backfill: .*"mode":"backfill"/);
    const replay = await irwatch('replay', 'events/eventbridge/state-change.json');
    expect(replay.code).toBe(0);
    expect(replay.output).toMatch(/replay: event \S+ sent to ingest/);
    await stack.bus.idle();
  });

  it('redrives an outbox dead letter into outbox.jsonl and keeps a webhook one', async () => {
    const line = {
      messageId: 'redriven-1',
      subject: 'irwatch COMPLETED x',
      message: { default: 'x' },
    };
    await appendFile(
      join(dataDir, 'dead-letter.jsonl'),
      [
        {
          time: '2026-01-01T00:00:00Z',
          functionName: 'outbox',
          attempts: 3,
          error: 'EISDIR',
          message: line,
        },
        {
          time: '2026-01-01T00:00:00Z',
          functionName: 'webhook',
          attempts: 3,
          error: '503',
          message: line,
        },
      ]
        .map((letter) => `${JSON.stringify(letter)}\n`)
        .join(''),
    );
    const redrive = await irwatch('redrive');
    expect(redrive.output).toMatch(
      /1 written to outbox\.jsonl, .* 1 refused or webhook letters kept/,
    );
    expect(redrive.code).toBe(1);
    const outbox = await readFile(join(dataDir, 'outbox.jsonl'), 'utf8');
    expect(outbox).toContain('"messageId":"redriven-1"');
    const left = (await readFile(join(dataDir, 'dead-letter.jsonl'), 'utf8')).trim().split('\n');
    expect(
      left.map((letter) => (JSON.parse(letter) as { functionName: string }).functionName),
    ).toEqual(['webhook']);
  });
});
