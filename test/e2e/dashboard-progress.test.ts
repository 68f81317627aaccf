import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_ACCOUNT } from '../../local/stack/accounts.js';
import { SIMULATE_SECONDS_TAG } from '../../local/aws/sagemaker/recommender-job.js';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { launchChromium } from '../support/browser.js';
import { createChurnJob, localSageMaker } from '../support/local-jobs.js';

/**
 * The dashboard while a job runs, in two tabs: the job's page (a progress bar whose count rises,
 * an ETA, the best so far, and the benchmarks table filling in as benchmarks finish, all updated in
 * place) and the jobs list (a progress bar with the ETA on the running job's row), both refreshed
 * without reloading, until the job completes.
 */

const NAME = 'dashboard-progress-job';
const REGION = 'us-east-1';
let stack: LocalStack;
let context: BrowserContext;
let page: Page;
let list: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-dashboard-progress-'));
  stack = await startStack({ dataDir, port: 0, pollIntervalSeconds: 1, log: () => undefined });
  const sagemaker = localSageMaker(stack, REGION);
  await createChurnJob(sagemaker, {
    name: NAME,
    account: HUB_ACCOUNT,
    tags: [{ Key: SIMULATE_SECONDS_TAG, Value: '60' }],
  });
  sagemaker.destroy();
  context = await launchChromium(await mkdtemp(join(tmpdir(), 'irwatch-chromium-')), {
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  list = await context.newPage();
  for (const tab of [page, list]) {
    tab.on('pageerror', (error) => pageErrors.push(error.message));
    tab.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }
}, 60_000);

afterAll(async () => {
  await context?.close();
  await stack?.stop();
});

const finished = async () =>
  Number(await page.locator('#progress-bar').getAttribute('value', { timeout: 1_000 }));
const rows = () => page.locator('#live-benchmarks-table tbody tr').count();
const markLoaded = (tab: Page) =>
  tab.evaluate(() => {
    (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
  });
const stillLoaded = (tab: Page) =>
  tab.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce);

describe('dashboard: a running job', { timeout: 120_000 }, () => {
  it('shows the bar, the ETA, the best so far and benchmark rows as they finish, in place, and the bar in the jobs list, until the job completes', async () => {
    // The job page before the job is recorded answers 404; open it once the detector saw it.
    await expect
      .poll(async () => (await fetch(`${stack.url}/jobs/${NAME}`)).status, { timeout: 30_000 })
      .toBe(200);
    await list.goto(`${stack.url}/#/`);
    await page.goto(`${stack.url}/#/jobs/${HUB_ACCOUNT}/${REGION}/${NAME}`);
    await page.waitForSelector('#progress-bar', { timeout: 30_000 });
    await markLoaded(page);
    await markLoaded(list);

    await expect.poll(rows, { timeout: 40_000, interval: 250 }).toBeGreaterThanOrEqual(1);
    const first = await finished();
    expect(first).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#progress-eta').textContent()).toMatch(/^Expected done by /);
    expect(await page.locator('#progress-started time').getAttribute('datetime')).toMatch(/Z$/);
    expect(await page.locator('#progress-counts').textContent()).toMatch(
      new RegExp(`^${first} of 4 benchmarks finished: `),
    );
    // The finished benchmarks' rows: status, configuration and metrics; and the best so far.
    const firstRow = page.locator('#live-benchmarks-table tbody tr').first();
    expect(await firstRow.getAttribute('data-status')).toMatch(/^(COMPLETED|FAILED)$/);
    expect(await firstRow.locator('th').textContent()).toMatch(/^ml\.\S+ × \d+$/);
    expect(await page.locator('#live-benchmarks-count').textContent()).toMatch(
      /^\d+ benchmarks? finished so far\.$/,
    );
    expect(
      await page.locator('#progress-best [data-goal="Cheapest per inference"]').textContent(),
    ).toMatch(/ml\.\S+.*per million.*step \d+/);
    // Mark the table and its rows, and put the keyboard focus on the table's region: a refresh
    // must keep all of them.
    const marked = await page.evaluate(() => {
      const table = document.querySelector('#live-benchmarks-table') as Element & { kept?: true };
      const region = table.closest('[role=region]') as HTMLElement;
      table.kept = true;
      const rowsNow = [...table.querySelectorAll('tbody tr')] as Array<Element & { kept?: true }>;
      for (const row of rowsNow) row.kept = true;
      region.focus();
      return rowsNow.length;
    });
    // Meanwhile the jobs list, in the other tab, shows the running job's bar and ETA.
    const listBar = list.locator(`progress[data-progress-of="${NAME}"]`);
    await expect
      .poll(async () => Number(await listBar.getAttribute('value', { timeout: 1_000 })), {
        timeout: 15_000,
        interval: 250,
      })
      .toBeGreaterThanOrEqual(1);
    expect(await listBar.getAttribute('max')).toBe('4');
    expect(await listBar.getAttribute('aria-label')).toMatch(
      /^\d of 4 benchmarks finished, expected done by /,
    );
    expect(await list.locator(`tr[data-job-name="${NAME}"] .progress-line`).textContent()).toMatch(
      /\d\/4 benchmarks, done by /,
    );
    expect(await list.locator(`tr[data-job-name="${NAME}"]`).getAttribute('data-status')).toBe(
      'IN_PROGRESS',
    );

    await expect.poll(rows, { timeout: 40_000, interval: 250 }).toBeGreaterThan(marked);
    expect(await finished()).toBeGreaterThan(first);
    // Still the same page, table, rows and focus: refreshed in place, never reloaded or rebuilt.
    expect(await stillLoaded(page)).toBe(true);
    expect(
      await page.evaluate(() => {
        const table = document.querySelector('#live-benchmarks-table') as Element & {
          kept?: true;
        };
        const rowsNow = [...table.querySelectorAll('tbody tr')] as Array<Element & { kept?: true }>;
        return {
          table: table.kept,
          keptRows: rowsNow.filter((row) => row.kept).length,
          focus: document.activeElement === table.closest('[role=region]'),
        };
      }),
    ).toEqual({ table: true, keptRows: marked, focus: true });

    await page.waitForSelector('#recommendations-table', { timeout: 60_000 });
    expect(await page.locator('#progress').count()).toBe(0);
    expect(await page.locator('#live-benchmarks').count()).toBe(0);
    // The list caught up too, in place: the job COMPLETED, its bar gone.
    await list.waitForSelector(`tr[data-job-name="${NAME}"][data-status="COMPLETED"]`, {
      timeout: 15_000,
    });
    expect(await listBar.count()).toBe(0);
    expect(await stillLoaded(list)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
