import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  cloneJob,
  createSageMakerSimulator,
  loadSampleJobs,
  type SimulatedJob,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { scenarioJobs } from '../../local/aws/sagemaker/scenario.js';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { eventually } from '../support/cli-process.js';
import { launchChromium } from '../support/browser.js';
import { repoRoot } from '../support/serverless.js';

/**
 * The dashboard in Debian's Chromium, driven by playwright-core, on the local stack: the scenario
 * jobs (at 8× speed) plus a second run of xgboost-churn's model, so that the compare view has two
 * runs to line up. Every figure on the page is checked against the API's own answer.
 */

const ARTIFACTS = join(repoRoot, 'test/artifacts/dashboard');
const TERMINAL = ['COMPLETED', 'FAILED', 'STOPPED'];
const RERUN = 'xgboost-churn-rerun';

interface Rec {
  recommendationId: string;
  metrics: { modelLatency: number | null; costPerInference: number | null };
  derived: { paretoOptimal: boolean };
}
interface RecList {
  matchedCount: number;
  recommendations: Rec[];
}

let stack: LocalStack;
let simulator: LocalServer;
let context: BrowserContext;
let page: Page;
let dataDir: string;
let userDataDir: string;
const pageErrors: string[] = [];
let jobCount = 0;
/** The latency filter applied by one test and kept by the next (they run in order). */
let threshold = 0;

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${stack.url}${path}`);
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

async function shot(name: string, fullPage = false): Promise<void> {
  // Away from the plot, so that no hover tooltip covers it.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
}

/** The same job measured again: a few percent dearer and a millisecond slower. */
function rerunOf(sample: SimulatedJob): SimulatedJob {
  const rerun = cloneJob(sample, {
    jobName: RERUN,
    start: Date.now(),
    timeline: [
      { status: 'PENDING', afterMs: 0 },
      { status: 'IN_PROGRESS', afterMs: 1_000 },
      { status: 'COMPLETED', afterMs: 4_000 },
    ],
  });
  const recs = rerun.describe.InferenceRecommendations as Array<{
    Metrics: Record<string, number>;
  }>;
  for (const rec of recs) {
    rec.Metrics.CostPerInference = (rec.Metrics.CostPerInference ?? 0) * 1.05;
    rec.Metrics.ModelLatency = (rec.Metrics.ModelLatency ?? 0) + 1;
  }
  return rerun;
}

const bodyOverflow = () =>
  page.evaluate(() => ({
    document: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    body: document.body.scrollWidth - document.body.clientWidth,
  }));

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  dataDir = await mkdtemp(join(tmpdir(), 'irwatch-dashboard-'));
  userDataDir = await mkdtemp(join(tmpdir(), 'irwatch-chromium-'));
  const samples = loadSampleJobs(join(repoRoot, 'events/sagemaker/jobs'));
  const sagemaker = createSageMakerSimulator();
  const jobs = [
    ...scenarioJobs(samples, dataDir, { speed: 8 }),
    rerunOf(samples.find((job) => job.describe.JobName === 'xgboost-churn-default')!),
  ];
  for (const job of jobs) sagemaker.addJob(job);
  jobCount = jobs.length;
  simulator = await sagemaker.listen();
  // The stack uses the SageMaker this variable names instead of its own simulator.
  process.env.AWS_ENDPOINT_URL_SAGEMAKER = simulator.url;
  stack = await startStack({
    dataDir,
    port: 0,
    pollIntervalSeconds: 1,
    scenarioSpeed: 8,
    log: () => undefined,
  });
  context = await launchChromium(userDataDir, { viewport: { width: 1280, height: 900 } });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // A Content-Security-Policy violation shows as a console error.
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(`${stack.url}/`);
  await eventually(
    async () => {
      const { jobs } = await api<{ jobs: Array<{ status: string }> }>('/jobs?limit=100');
      return jobs.length === jobCount && jobs.every((job) => TERMINAL.includes(job.status))
        ? jobs
        : undefined;
    },
    90_000,
    'every job terminal in the API',
  );
}, 150_000);

afterAll(async () => {
  await context?.close();
  await stack?.stop();
  await simulator?.close();
  await rm(userDataDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

describe('the dashboard in Chromium', () => {
  it('lists the jobs, refreshing until every one is terminal, filters them by status and pages through them', async () => {
    // Opened before the jobs finished (see beforeAll), the page refreshes itself every 5 s: no
    // reload, the table catches up.
    await page.waitForFunction(
      ({ count, terminal }) => {
        const rows = [...document.querySelectorAll('#jobs-table tbody tr')];
        return (
          rows.length === count &&
          rows.every((row) => terminal.includes(row.getAttribute('data-status') ?? ''))
        );
      },
      { count: jobCount, terminal: TERMINAL },
      { timeout: 30_000 },
    );
    expect(await page.locator('#jobs-table tbody tr th a').allTextContents()).toContain(
      'sklearn-failed',
    );
    await shot('jobs');

    await page.selectOption('#f-status', 'FAILED');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(
      () => document.querySelectorAll('#jobs-table tbody tr').length === 1,
    );
    expect(await page.locator('#jobs-table tbody tr').getAttribute('data-job-name')).toBe(
      'sklearn-failed',
    );
    expect(page.url()).toContain('status=FAILED');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.waitForFunction(
      (count) => document.querySelectorAll('#jobs-table tbody tr').length === count,
      jobCount,
    );

    // Pages of 5 through the API's cursor: forward to the last page and back again.
    const rowNames = () =>
      page
        .locator('#jobs-table tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-job-name')));
    const { jobs: newest } = await api<{ jobs: Array<{ jobName: string }> }>('/jobs?limit=100');
    await page.selectOption('#f-limit', '5');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(rowNames).toEqual(newest.slice(0, 5).map((job) => job.jobName));
    await page.getByRole('link', { name: 'Next page →' }).click();
    await expect.poll(rowNames).toEqual(newest.slice(5).map((job) => job.jobName));
    expect(await page.getByRole('link', { name: 'Next page →' }).count()).toBe(0);
    await page.getByRole('link', { name: '← Previous page' }).click();
    await expect.poll(rowNames).toEqual(newest.slice(0, 5).map((job) => job.jobName));
  }, 60_000);

  for (const jobName of ['xgboost-churn-default', 'large-sweep-250']) {
    it(`plots one point per recommendation of ${jobName}, outlining exactly the API's Pareto points`, async () => {
      const { recommendations, matchedCount } = await api<RecList>(
        `/jobs/${jobName}/recommendations?limit=500`,
      );
      expect(recommendations.length).toBe(matchedCount);
      // Both chosen jobs know every cost and latency, so every recommendation has a point.
      expect(
        recommendations.every(
          (rec) => rec.metrics.costPerInference !== null && rec.metrics.modelLatency !== null,
        ),
      ).toBe(true);
      await page.goto(`${stack.url}/#/`);
      await page.getByRole('link', { name: jobName, exact: true }).click();
      await page.waitForFunction(
        (count) => document.querySelectorAll('.plot .point').length === count,
        recommendations.length,
      );

      const points = await page
        .locator('.plot .point')
        .evaluateAll((marks) =>
          marks.map((mark) => [
            mark.getAttribute('data-recommendation-id'),
            mark.getAttribute('data-pareto'),
          ]),
        );
      const ids = (list: Array<string | null>) => [...list].sort();
      expect(ids(points.map(([id]) => id!))).toEqual(
        ids(recommendations.map((rec) => rec.recommendationId)),
      );
      const paretoIds = recommendations
        .filter((rec) => rec.derived.paretoOptimal)
        .map((rec) => rec.recommendationId);
      expect(paretoIds.length).toBeGreaterThan(0);
      expect(ids(points.filter(([, pareto]) => pareto === 'true').map(([id]) => id!))).toEqual(
        ids(paretoIds),
      );
      expect(points.every(([, pareto]) => pareto === 'true' || pareto === 'false')).toBe(true);
      // The front joins the Pareto points, and those are drawn differently from the others.
      expect(await page.locator('[data-pareto-front]').getAttribute('data-pareto-front')).toBe(
        String(paretoIds.length),
      );
      expect(await page.locator('.plot .point.pareto').count()).toBe(paretoIds.length);
      expect(await page.locator('#recommendations-table tbody tr').count()).toBe(matchedCount);
      await shot(`job-${jobName}`);
      await page.mouse.move(0, 0);
      await page.locator('.plot').screenshot({ path: join(ARTIFACTS, `plot-${jobName}.png`) });
    }, 60_000);
  }

  it('filters by latency through the API parameter: the table shrinks to what the API matches', async () => {
    const { recommendations } = await api<RecList>(
      '/jobs/large-sweep-250/recommendations?limit=500',
    );
    const latencies = recommendations
      .map((rec) => rec.metrics.modelLatency ?? 0)
      .sort((a, b) => a - b);
    threshold = latencies[Math.floor(latencies.length / 3)]!;
    const filtered = await api<RecList>(
      `/jobs/large-sweep-250/recommendations?limit=500&maxModelLatency=${threshold}`,
    );
    expect(filtered.matchedCount).toBeGreaterThan(0);
    expect(filtered.matchedCount).toBeLessThan(recommendations.length);

    await page.fill('#f-maxModelLatency', String(threshold));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(
      (count) => document.querySelectorAll('#recommendations-table tbody tr').length === count,
      filtered.matchedCount,
    );
    expect(page.url()).toContain(`maxModelLatency=${threshold}`);
    expect(await page.locator('.plot .point').count()).toBe(filtered.matchedCount);
    expect(await page.locator('#rec-count').textContent()).toContain(
      `${filtered.matchedCount} of ${recommendations.length}`,
    );
    const shown = await page
      .locator('#recommendations-table tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-recommendation-id')));
    expect([...shown].sort()).toEqual(
      filtered.recommendations.map((rec) => rec.recommendationId).sort(),
    );
    await shot('job-large-sweep-250-filtered');
  }, 60_000);

  it('sorts by a clicked column header in the order the API sorts', async () => {
    const sorted = await api<RecList>(
      `/jobs/large-sweep-250/recommendations?limit=500&sortBy=modelLatency&order=asc&maxModelLatency=${threshold}`,
    );
    await page.getByRole('button', { name: /^Latency/ }).click();
    const header = page.locator('th[aria-sort]');
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('ascending');
    await expect.poll(() => header.textContent()).toContain('Latency');
    await expect
      .poll(() =>
        page
          .locator('#recommendations-table tbody tr')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-recommendation-id'))),
      )
      .toEqual(sorted.recommendations.map((rec) => rec.recommendationId));
    // The header button keeps the focus after the table is rebuilt.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-sort-field'))).toBe(
      'modelLatency',
    );
  }, 60_000);

  it('moves between points with the keyboard, tells what each is, and finds it in the table', async () => {
    await page.locator('.plot .point[tabindex="0"]').focus();
    const first = await page.evaluate(() =>
      document.activeElement?.getAttribute('data-recommendation-id'),
    );
    await page.keyboard.press('ArrowRight');
    const second = await page.evaluate(() =>
      document.activeElement?.getAttribute('data-recommendation-id'),
    );
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    const tooltip = page.locator('.plot .tooltip');
    await expect.poll(() => tooltip.isVisible()).toBe(true);
    expect(await tooltip.textContent()).toMatch(/per million inferences[\s\S]*latency \d+ ms/);
    expect(
      await page.locator(`.point[data-recommendation-id="${second}"]`).getAttribute('aria-label'),
    ).toBe((await tooltip.textContent())!.replace(/\n/g, '; '));
    await page.keyboard.press('Enter');
    await expect
      .poll(() =>
        page.evaluate(() => document.activeElement?.getAttribute('data-recommendation-id')),
      )
      .toBe(second);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TR');
    expect(await page.locator('tr.selected').getAttribute('data-recommendation-id')).toBe(second);
  }, 60_000);

  it('shows why a failed job failed and its failed benchmarks', async () => {
    const { job } = await api<{ job: { failureReason: string } }>('/jobs/sklearn-failed');
    const { benchmarks } = await api<{
      benchmarks: Array<{ status: string; failureReason: string | null; stepIndex: number }>;
    }>('/jobs/sklearn-failed/benchmarks?limit=500');
    const failed = benchmarks.filter((step) => step.status === 'FAILED');
    expect(failed.length).toBe(3);

    await page.goto(`${stack.url}/#/`);
    await page.getByRole('link', { name: 'sklearn-failed', exact: true }).click();
    await expect.poll(() => page.locator('#failure-reason').textContent()).toBe(job.failureReason);
    await page.waitForSelector('#failed-benchmarks li');
    expect(await page.locator('#failed-benchmarks .reason').allTextContents()).toEqual(
      failed.map((step) => step.failureReason),
    );
    expect(await page.locator('.plot').count()).toBe(0);
    await shot('job-sklearn-failed', true);
  }, 60_000);

  it('compares the runs of one model side by side', async () => {
    await page.goto(`${stack.url}/#/jobs/xgboost-churn-default`);
    await page.getByRole('link', { name: 'compare its runs' }).click();
    await page.waitForSelector('#compare-table');
    const comparison = await api<{ jobs: unknown[]; configurations: Array<{ key: string }> }>(
      `/compare?jobs=${RERUN},xgboost-churn-default`,
    );
    const headers = await page.locator('#compare-table thead th').allTextContents();
    expect(headers.slice(1, 3).sort()).toEqual(['xgboost-churn-default', RERUN].sort());
    expect(
      await page
        .locator('#compare-table tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-configuration'))),
    ).toEqual(comparison.configurations.map((group) => group.key));
    // Each configuration ran twice, 5 % dearer the second time.
    expect(
      await page.locator('#compare-table tbody tr td:last-child').first().textContent(),
    ).toMatch(/to .*\(5 %\)/);
    await page.selectOption('#f-metric', 'modelLatency');
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect
      .poll(() => page.locator('#compare-table caption').textContent())
      .toContain('Model latency');
    await shot('compare');
  }, 60_000);

  it('fits a 375 px wide phone: no sideways scrolling of the page, wide tables scroll in place', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    for (const [name, hash, ready] of [
      ['jobs', '#/', '#jobs-table'],
      ['job-large-sweep-250', '#/jobs/large-sweep-250', '.plot .point'],
      ['job-sklearn-failed', '#/jobs/sklearn-failed', '#failed-benchmarks'],
      [
        'compare',
        `#/compare/${encodeURIComponent('arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3')}`,
        '#compare-table',
      ],
    ] as const) {
      await page.goto(`${stack.url}/${hash}`);
      await page.waitForSelector(ready);
      expect(await bodyOverflow(), name).toEqual({ document: 0, body: 0 });
      await shot(`phone-${name}`, true);
    }
    await page.goto(`${stack.url}/#/jobs/large-sweep-250`);
    await page.waitForSelector('#recommendations-table');
    // The plot is drawn at the width it gets; the table scrolls inside its own region.
    const chartWidth = await page
      .locator('.chart')
      .evaluate((chart) => chart.getBoundingClientRect().width);
    expect(chartWidth).toBeGreaterThan(300);
    expect(chartWidth).toBeLessThanOrEqual(375);
    const region = await page
      .locator('.scroll.tall')
      .evaluate((element) => ({ scroll: element.scrollWidth, client: element.clientWidth }));
    expect(region.scroll).toBeGreaterThan(region.client);
    expect(await bodyOverflow()).toEqual({ document: 0, body: 0 });
    await page.mouse.move(0, 0);
    await page.locator('.plot').screenshot({ path: join(ARTIFACTS, 'phone-plot.png') });
    await page.setViewportSize({ width: 1280, height: 900 });
  }, 90_000);

  it('ran without a script error or a Content-Security-Policy violation', () => {
    expect(pageErrors).toEqual([]);
  });
});
