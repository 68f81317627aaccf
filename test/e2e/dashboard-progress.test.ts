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
 * The dashboard's job page while the job runs: a progress bar whose count rises and an ETA,
 * refreshed without reloading the page, until the job completes.
 */

const NAME = 'dashboard-progress-job';
const REGION = 'us-east-1';
let stack: LocalStack;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-dashboard-progress-'));
  stack = await startStack({ dataDir, port: 0, pollIntervalSeconds: 1, log: () => undefined });
  const sagemaker = localSageMaker(stack, REGION);
  await createChurnJob(sagemaker, {
    name: NAME,
    account: HUB_ACCOUNT,
    tags: [{ Key: SIMULATE_SECONDS_TAG, Value: '45' }],
  });
  sagemaker.destroy();
  context = await launchChromium(await mkdtemp(join(tmpdir(), 'irwatch-chromium-')), {
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await stack?.stop();
});

const finished = async () =>
  Number(await page.locator('#progress-bar').getAttribute('value', { timeout: 1_000 }));

describe('dashboard: a running job', { timeout: 120_000 }, () => {
  it('shows a progress bar that fills and an ETA, without reloading, until the job completes', async () => {
    // The job page before the job is recorded answers 404; open it once the detector saw it.
    await expect
      .poll(async () => (await fetch(`${stack.url}/jobs/${NAME}`)).status, { timeout: 30_000 })
      .toBe(200);
    await page.goto(`${stack.url}/#/jobs/${HUB_ACCOUNT}/${REGION}/${NAME}`);
    await page.waitForSelector('#progress-bar', { timeout: 30_000 });
    await page.evaluate(() => {
      (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });

    await expect.poll(finished, { timeout: 40_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    const first = await finished();
    expect(await page.locator('#progress-eta').textContent()).toMatch(/^Expected done by /);
    expect(await page.locator('#progress-counts').textContent()).toMatch(
      new RegExp(`^${first} of 4 benchmarks finished: `),
    );

    await expect.poll(finished, { timeout: 40_000, interval: 500 }).toBeGreaterThan(first);
    // Still the same page: refreshed in place, never reloaded.
    expect(
      await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce),
    ).toBe(true);

    await page.waitForSelector('#recommendations-table', { timeout: 60_000 });
    expect(await page.locator('#progress').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
