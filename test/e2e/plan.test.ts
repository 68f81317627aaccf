import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type LocalStack } from '../../local/stack.js';
import { eventually, runCli } from '../support/cli-process.js';

/**
 * The README's capacity plan example on the local stack: about 80 requests a minute, 250 at a
 * 10-hour daytime peak, under 2 s, for the resnet-serverless scenario job, through the API and
 * the CLI.
 */

const JOB = 'resnet-serverless';
const EXAMPLE =
  'peakInvocationsPerMinute=250&baselineInvocationsPerMinute=80&peakHoursPerDay=10&maxModelLatency=2000';

interface Entry {
  rank: number;
  endpointType: string;
  instanceType: string | null;
  serverless: { memorySizeInMB: number } | null;
  instancesAtPeak: number | null;
  monthlyCost: number | null;
  latency: string;
}

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'irwatch-plan-'));
  stack = await startStack({
    dataDir,
    port: 0,
    pollIntervalSeconds: 1,
    scenarioSpeed: 8,
    log: () => undefined,
  });
  await eventually(
    async () => {
      const response = await fetch(`${stack.url}/jobs/${JOB}`);
      if (!response.ok) return undefined;
      const { job } = (await response.json()) as { job: { status: string } };
      return job.status === 'COMPLETED' ? true : undefined;
    },
    90_000,
    `${JOB} completed`,
  );
  await stack.bus.idle();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the capacity plan on the local stack', () => {
  it('answers the example through the API and the CLI, the same ranking in both', async () => {
    const response = await fetch(`${stack.url}/jobs/${JOB}/plan?${EXAMPLE}`);
    expect(response.status).toBe(200);
    const plan = (await response.json()) as { entries: Entry[]; hoursPerMonth: number };
    expect(plan.hoursPerMonth).toBe(730);
    const [cheapest] = plan.entries;
    expect(cheapest).toMatchObject({ endpointType: 'Serverless', latency: 'met' });
    expect(cheapest!.serverless!.memorySizeInMB).toBe(2048);

    const cli = runCli([
      'plan',
      JOB,
      '--peak',
      '250/min',
      '--baseline',
      '80/min',
      '--peak-hours',
      '10',
      '--max-latency',
      '2000',
      '--data-dir',
      dataDir,
    ]);
    expect(await cli.exited).toBe(0);
    const output = cli.output();
    expect(output).toMatch(
      /^Job resnet-serverless in account \d{12}, us-east-1: 6,606,500 inferences in a 730-hour month/m,
    );
    const lines = output.split('\n');
    const rule = lines.findIndex((line) => /^-+(\s+-+)*$/.test(line));
    expect(lines[rule - 1]).toMatch(/^#\s+CONFIGURATION\s+ID\s+AT PEAK\s+AT BASELINE\s+\$\/MONTH/);
    const rows = lines.slice(rule + 1, rule + 1 + plan.entries.length);
    plan.entries.forEach((entry, index) => {
      const dollars = `$${entry.monthlyCost!.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
      expect(rows[index]).toContain(dollars);
      expect(rows[index]!.startsWith(String(entry.rank))).toBe(true);
    });
    expect(output).toMatch(/Assumptions:\n {2}- A month is 730 hours/);
  });

  it('refuses a bad rate before asking, and relays the API’s 400 naming the parameter', async () => {
    const rate = runCli(['plan', JOB, '--peak', 'lots', '--data-dir', dataDir]);
    expect(await rate.exited).toBe(1);
    expect(rate.output()).toMatch(/--peak must be a rate such as 250\/min/);
    const utilization = runCli([
      'plan',
      JOB,
      '--peak',
      '250/min',
      '--target-utilization',
      '2',
      '--data-dir',
      dataDir,
    ]);
    expect(await utilization.exited).toBe(1);
    expect(utilization.output()).toMatch(/targetUtilization must be a share from 0\.1 to 1/);
  });
});
