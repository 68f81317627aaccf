import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { launchChromium } from '../support/browser.js';
import { eventually, runCli } from '../support/cli-process.js';
import { repoRoot } from '../support/serverless.js';

/**
 * The README's capacity plan example on the local stack: about 80 requests a minute, 250 at a
 * 10-hour daytime peak, under 2 s, for the resnet-serverless scenario job, through the API and
 * the CLI and the dashboard (in Debian's Chromium).
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
let userDataDir: string;
let browser: BrowserContext | undefined;

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
  await browser?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
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

  it('asks SageMaker’s own scaling recommendation with --sagemaker / source=sagemaker', async () => {
    const response = await fetch(`${stack.url}/jobs/${JOB}/plan?${EXAMPLE}&source=sagemaker`);
    expect(response.status).toBe(200);
    const plan = (await response.json()) as {
      entries: Array<Entry & { recommendationId: string }>;
      sagemaker: { recommendationId: string; sagemaker: { targetValue: number | null } } | null;
    };
    const firstRealTime = plan.entries.find((entry) => entry.endpointType === 'RealTime')!;
    expect(plan.sagemaker?.recommendationId).toBe(firstRealTime.recommendationId);
    expect(plan.sagemaker?.sagemaker.targetValue).toBeGreaterThan(0);

    const cli = runCli([
      'plan',
      JOB,
      '--peak',
      '250/min',
      '--baseline',
      '80/min',
      '--sagemaker',
      '--data-dir',
      dataDir,
    ]);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(
      /Scaling of #\d+ \(\w+\) at 80 to 250 invocations\/min, irwatch next to SageMaker's GetScalingConfigurationRecommendation:/,
    );
    expect(cli.output()).toMatch(/^SageMaker \(50% CPU\/core\)/m);
  });

  it('prices the endpoint the llama job benchmarked and gives each entry its saving', async () => {
    const job = 'llama-existing-endpoints';
    await eventually(
      async () => {
        const response = await fetch(`${stack.url}/jobs/${job}`);
        if (!response.ok) return undefined;
        const body = (await response.json()) as { job: { status: string } };
        return body.job.status === 'COMPLETED' ? true : undefined;
      },
      90_000,
      `${job} completed`,
    );
    const plan = (await (await fetch(`${stack.url}/jobs/${job}/plan?${EXAMPLE}`)).json()) as {
      existingEndpoints: Array<{
        endpointName: string;
        found: boolean;
        monthlyCost: number | null;
      }>;
      savingsAgainst: string | null;
      entries: Array<{ monthlySaving: number | null }>;
    };
    expect(plan.existingEndpoints.map((e) => [e.endpointName, e.found])).toEqual([
      ['llama-2-7b-chat-prod', true],
      ['llama-2-7b-chat-canary', false],
    ]);
    expect(plan.savingsAgainst).toBe('llama-2-7b-chat-prod');
    expect(plan.entries.every((entry) => typeof entry.monthlySaving === 'number')).toBe(true);
    const cli = runCli(['plan', job, '--peak', '250/min', '--data-dir', dataDir]);
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/^Today \(savings are against llama-2-7b-chat-prod\):/m);
    expect(cli.output()).toMatch(/SAVING\/MONTH/);
  }, 120_000);

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

  it('plans the example in the dashboard: the API’s ranking as a table and a plot', async () => {
    const plan = (await (await fetch(`${stack.url}/jobs/${JOB}/plan?${EXAMPLE}`)).json()) as {
      entries: Array<Entry & { recommendationId: string }>;
    };
    userDataDir = await mkdtemp(join(tmpdir(), 'irwatch-plan-chromium-'));
    browser = await launchChromium(userDataDir, { viewport: { width: 1280, height: 900 } });
    const page = browser.pages()[0] ?? (await browser.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${stack.url}/#/jobs/000000000000/us-east-1/${JOB}`);
    await page.getByLabel('Peak invocations / min').fill('250');
    await page.getByLabel('Baseline invocations / min').fill('80');
    await page.getByLabel('Peak hours a day').fill('10');
    await page.getByLabel('Latency target (ms)').fill('2000');
    await page.getByRole('button', { name: 'Plan' }).click();
    const rows = page.locator('#plan-table tbody tr');
    await expect.poll(() => rows.count()).toBe(plan.entries.length);
    expect(
      await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-recommendation-id'))),
    ).toEqual(plan.entries.map((entry) => entry.recommendationId));
    const cheapest = await rows.first().locator('td').nth(3).textContent();
    expect(cheapest).toBe(`$${plan.entries[0]!.monthlyCost!.toFixed(2)}`);
    // One point per configuration that serves the traffic, and the 2 s target line.
    expect(await page.locator('#plan-plot circle').count()).toBe(
      plan.entries.filter((entry) => entry.monthlyCost !== null).length,
    );
    expect(await page.locator('#plan-target').count()).toBe(1);
    expect(await page.locator('#plan-assumptions li').first().textContent()).toMatch(/730 hours/);
    const artifacts = join(repoRoot, 'test/artifacts/dashboard');
    await mkdir(artifacts, { recursive: true });
    await page.locator('#plan-heading').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'plan.png'), fullPage: true });

    // No script error nor Content-Security-Policy violation.
    expect(pageErrors).toEqual([]);

    // SageMaker's opinion, next to irwatch's, when asked.
    await page.getByLabel('Ask SageMaker too').check();
    await page.getByRole('button', { name: 'Plan' }).click();
    const policies = page.locator('#plan-sagemaker tbody tr');
    await expect.poll(() => policies.count()).toBe(2);
    expect(await policies.nth(1).locator('th').textContent()).toMatch(/^SageMaker/);
    await page.getByLabel('Ask SageMaker too').uncheck();

    // A bad input is the API's 400, shown next to the form (the browser logs the 400 itself).
    await page.getByLabel('Peak hours a day').fill('30');
    await page.getByRole('button', { name: 'Plan' }).click();
    await expect.poll(() => page.locator('#plan-error').textContent()).toMatch(/peakHoursPerDay/);
    expect(pageErrors.every((text) => /status of 400/.test(text))).toBe(true);
  }, 60_000);
});
