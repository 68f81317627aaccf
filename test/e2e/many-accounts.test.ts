import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DetectRun } from '../../functions/detect/detect.js';
import { HUB_ACCOUNT, SPOKE_ACCOUNT, SPOKE_PROFILE } from '../../local/stack/accounts.js';
import { localRoleSession } from '../../local/aws/iam/local-iam.js';
import { LOCAL_PROFILE } from '../../local/aws/iam/user-credentials.js';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { readWatchConfig } from '../../shared/accounts.js';
import { eventually, runCli } from '../support/cli-process.js';
import { CALL_LOG_VARIABLE } from '../support/iam.js';
import { lambdaContext } from '../support/fixtures.js';
import { createChurnJob, localSageMaker } from '../support/local-jobs.js';

/**
 * One irwatch watching two accounts in two regions, end to end on the local stack: the same job
 * name created in each of the four places is stored, listed, notified and queried apart, and a
 * watched account whose reader role is missing is reported once per poll and stops nothing else.
 */

const NAME = 'my-ir-job';
const HUB_REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const PLACES = [
  [LOCAL_PROFILE, HUB_ACCOUNT, HUB_REGION],
  [LOCAL_PROFILE, HUB_ACCOUNT, OTHER_REGION],
  [SPOKE_PROFILE, SPOKE_ACCOUNT, HUB_REGION],
  [SPOKE_PROFILE, SPOKE_ACCOUNT, OTHER_REGION],
] as const;
const place = (account: string, region: string) => `${account}/${region}`;

let stack: LocalStack;
let dataDir: string;

interface ApiJob {
  jobName: string;
  accountId: string;
  region: string;
  jobArn: string;
  status: string;
  recommendationCount: number;
}

const get = async (path: string) => {
  const response = await fetch(`${stack.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

async function outbox() {
  const text = await readFile(join(dataDir, 'outbox.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { subject: string; attributes: Record<string, string> });
}

beforeAll(async () => {
  // The missing-role poll below signs as detect itself: the call log judges the functions' code.
  delete process.env[CALL_LOG_VARIABLE];
  dataDir = await mkdtemp(join(tmpdir(), 'irwatch-many-accounts-'));
  stack = await startStack({ dataDir, port: 0, pollIntervalSeconds: 1, scenarioSpeed: 100 });
  for (const [profile, account, region] of PLACES) {
    const sagemaker = localSageMaker(stack, region, profile);
    await createChurnJob(sagemaker, { name: NAME, account });
    sagemaker.destroy();
  }
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('one irwatch, two accounts, two regions', { timeout: 120_000 }, () => {
  it('stores, lists and notifies the same job name in each account and region apart', async () => {
    const jobs = await eventually(
      async () => {
        const { body } = await get(`/jobs?status=COMPLETED&limit=50`);
        const mine = (body.jobs as ApiJob[]).filter((job) => job.jobName === NAME);
        return mine.length === PLACES.length ? mine : undefined;
      },
      100_000,
      `${NAME} COMPLETED in each of the four places`,
    );
    expect(jobs.map((job) => place(job.accountId, job.region)).sort()).toEqual(
      PLACES.map(([, account, region]) => place(account, region)).sort(),
    );
    expect(new Set(jobs.map((job) => job.jobArn)).size).toBe(PLACES.length);
    for (const job of jobs) {
      expect(job.jobArn).toBe(
        `arn:aws:sagemaker:${job.region}:${job.accountId}:inference-recommendations-job/${NAME}`,
      );
    }

    // One notification each, told apart by their attributes.
    const notified = await eventually(
      async () => {
        const mine = (await outbox()).filter((message) => message.attributes.jobName === NAME);
        return mine.length >= PLACES.length ? mine : undefined;
      },
      30_000,
      'four notifications',
    );
    expect(
      notified.map((m) => place(m.attributes.accountId!, m.attributes.region!)).sort(),
    ).toEqual(PLACES.map(([, account, region]) => place(account, region)).sort());

    for (const [, account, region] of PLACES) {
      const { body } = await get(`/jobs?accountId=${account}&region=${region}&limit=50`);
      expect((body.jobs as ApiJob[]).map((job) => place(job.accountId, job.region))).toContain(
        place(account, region),
      );
      expect(
        (body.jobs as ApiJob[]).every((job) => job.accountId === account && job.region === region),
      ).toBe(true);
    }
  });

  it('answers the bare name with 409 listing all four, and each by account and region or ARN', async () => {
    const ambiguous = await get(`/jobs/${NAME}`);
    expect(ambiguous.status).toBe(409);
    expect(
      (ambiguous.body.matches as ApiJob[]).map((m) => place(m.accountId, m.region)).sort(),
    ).toEqual(PLACES.map(([, account, region]) => place(account, region)).sort());
    for (const [, account, region] of PLACES) {
      const byLocation = await get(
        `/jobs/${NAME}/recommendations?accountId=${account}&region=${region}&limit=500`,
      );
      expect(byLocation.status).toBe(200);
      expect(byLocation.body).toMatchObject({ jobName: NAME, accountId: account, region });
      const arn = `arn:aws:sagemaker:${region}:${account}:inference-recommendations-job/${NAME}`;
      const byArn = await get(`/jobs/${encodeURIComponent(arn)}/recommendations?limit=500`);
      expect(byArn.body.recommendations).toEqual(byLocation.body.recommendations);
    }

    // The CLI says the same: the table has the account and region of each; a bare name is refused
    // with the matches, and --account with --region picks one.
    const cli = (...args: string[]) => runCli([...args, '--data-dir', dataDir]);
    const jobs = cli('jobs', '--status', 'completed');
    expect(await jobs.exited).toBe(0);
    const rows = jobs
      .output()
      .split('\n')
      .filter((line) => line.startsWith(`${NAME} `));
    expect(rows.map((row) => row.split(/\s+/).slice(1, 3).join('/')).sort()).toEqual(
      PLACES.map(([, account, region]) => place(account, region)).sort(),
    );
    const bare = cli('recs', NAME);
    expect(await bare.exited).not.toBe(0);
    expect(bare.output()).toMatch(/4 jobs named my-ir-job.*accountId and region/);
    const one = cli('recs', NAME, '--account', SPOKE_ACCOUNT, '--region', OTHER_REGION);
    expect(await one.exited).toBe(0);
    expect(one.output()).toContain(`Job ${NAME} in account ${SPOKE_ACCOUNT}, ${OTHER_REGION}`);
  });

  it('reports a watched account whose reader role is missing once per poll, and reads the others', async () => {
    const MISSING = '222222222222';
    const info = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as {
      dynamodb: string;
      sagemaker: string;
      eventbridge: string;
      sts: string;
      config: string;
      watchEnvironment: Record<string, string>;
    };
    // detect as it runs in the stack, with its role's keys, watching one account more.
    const session = await localRoleSession(
      {
        config: info.config,
        dataDir,
        environment: { account: HUB_ACCOUNT, region: HUB_REGION, stage: 'local' },
      },
      { function: 'detect' },
    );
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: info.dynamodb,
      AWS_ENDPOINT_URL_SAGEMAKER: info.sagemaker,
      AWS_ENDPOINT_URL_EVENTBRIDGE: info.eventbridge,
      AWS_ENDPOINT_URL_STS: info.sts,
      TABLE_NAME: 'irwatch-local',
      EVENT_BUS_NAME: 'irwatch-local',
      AWS_ACCESS_KEY_ID: session.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
      AWS_SESSION_TOKEN: session.sessionToken ?? '',
    });
    const watch = readWatchConfig({
      ...info.watchEnvironment,
      AWS_REGION: HUB_REGION,
      WATCHED_ACCOUNTS: `${info.watchEnvironment.WATCHED_ACCOUNTS},${MISSING}`,
    });
    const { createDetectDeps } = await import('../../functions/detect/deps.js');
    const { createHandler } = await import('../../functions/detect/handler.js');
    const { logger } = await import('../../shared/observability.js');
    const errors = vi.spyOn(logger, 'error');
    try {
      const handler = createHandler(createDetectDeps({ watch }));
      for (let cycle = 1; cycle <= 2; cycle += 1) {
        const run = (await handler(
          { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} } as never,
          lambdaContext('detect'),
        )) as DetectRun;
        // Six account-regions read, the missing account's two failed with STS's own words.
        expect(run.targets.filter((t) => t.outcome === 'read')).toHaveLength(4);
        const failed = run.targets.filter((t) => t.outcome === 'failed');
        expect(failed.map((t) => place(t.accountId, t.region))).toEqual([
          place(MISSING, HUB_REGION),
          place(MISSING, OTHER_REGION),
        ]);
        expect(failed[0]).toMatchObject({
          error: expect.stringMatching(
            new RegExp(
              `account ${MISSING} in ${HUB_REGION}: STS\\.AssumeRole: AccessDenied: .*sts:AssumeRole`,
            ),
          ),
        });
        expect(errors).toHaveBeenCalledTimes(cycle);
        expect(errors).toHaveBeenLastCalledWith('Could not read an account', {
          accountId: MISSING,
          regions: [HUB_REGION, OTHER_REGION],
          error: failed[0]!.error,
        });
      }
    } finally {
      errors.mockRestore();
    }
  });
});
