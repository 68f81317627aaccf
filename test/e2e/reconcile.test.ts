import { stackUserCredentials } from '../support/aws-clients.js';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { STATUS_RANK } from '../../shared/db/items.js';
import { keys } from '../../shared/db/table.js';
import {
  eventually,
  freePort,
  runCli,
  type CliProcess,
  startArgs,
} from '../support/cli-process.js';

const SCENARIO_JOBS = 8;
const TABLE = 'irwatch-local';
let stack: LocalStack | undefined;
const running: CliProcess[] = [];

afterAll(async () => {
  await stack?.stop();
  for (const cli of running) {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  }
});

interface StoredJob {
  accountId: string;
  region: string;
  jobName: string;
  status: string;
  lastModifiedTime: string;
}

const outboxKeys = async (dataDir: string) =>
  (await readFile(join(dataDir, 'outbox.jsonl'), 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const { attributes } = JSON.parse(line) as { attributes: Record<string, string> };
      return `${attributes.jobName}:${attributes.status}`;
    });

type Running = Pick<LocalStack, 'url'> & { endpoints: Pick<LocalStack['endpoints'], 'dynamodb'> };

async function storedJob(running: Running, jobName: string): Promise<StoredJob> {
  const response = await fetch(`${running.url}/jobs/${jobName}`);
  return ((await response.json()) as { job: StoredJob }).job;
}

/** What a lost event leaves: the job record one status behind SageMaker, its index entry too. */
async function rollBack(running: Running, dataDir: string, job: StoredJob): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: running.endpoints.dynamodb,
    region: 'us-east-1',
    credentials: stackUserCredentials(dataDir),
  });
  try {
    await DynamoDBDocumentClient.from(client).send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.job(job),
        UpdateExpression: 'SET #status = :status, #rank = :rank, #gsiPk = :gsiPk, #gsiSk = :gsiSk',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#rank': 'statusRank',
          '#gsiPk': 'GSI1PK',
          '#gsiSk': 'GSI1SK',
        },
        ExpressionAttributeValues: {
          ':status': 'IN_PROGRESS',
          ':rank': STATUS_RANK.IN_PROGRESS,
          ':gsiPk': keys.statusIndex('IN_PROGRESS', job.lastModifiedTime, job).GSI1PK,
          ':gsiSk': keys.statusIndex('IN_PROGRESS', job.lastModifiedTime, job).GSI1SK,
        },
      }),
    );
  } finally {
    client.destroy();
  }
}

const repaired = (running: Running, jobName: string) =>
  eventually(
    async () => ((await storedJob(running, jobName)).status === 'COMPLETED' ? true : undefined),
    30_000,
    `${jobName} repaired to COMPLETED`,
  );

describe('a job left stale in the table', () => {
  it('is repaired by irwatch backfill and by the scheduled reconciliation, notified once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-reconcile-'));
    const options = {
      dataDir,
      port: 0,
      pollIntervalSeconds: 1,
      scenarioSpeed: 8,
      log: () => undefined,
    };
    stack = await startStack({ ...options, reconcileIntervalSeconds: 3_600 });
    const first = stack;
    await eventually(
      async () => ((await outboxKeys(dataDir)).length === SCENARIO_JOBS ? true : undefined),
      90_000,
      'every scenario job notified',
    );
    await first.bus.idle();

    const viaCli = await storedJob(first, 'xgboost-churn-default');
    expect(viaCli.status).toBe('COMPLETED');
    await rollBack(first, dataDir, viaCli);
    // The poll compares with what detect saw, which still says COMPLETED: it repairs nothing.
    await first.poll();
    await first.bus.idle();
    expect((await storedJob(first, viaCli.jobName)).status).toBe('IN_PROGRESS');

    const backfill = runCli(['backfill', '--data-dir', dataDir]);
    expect(await backfill.exited).toBe(0);
    expect(backfill.output()).toMatch(/"stateChanges":1\b/);
    await repaired(first, viaCli.jobName);
    await first.bus.idle();

    // The scheduled reconciliation: the stack started again as a user does (a process of its
    // own), with a one-second interval; the stale record appears after its start-up run.
    await first.stop();
    stack = undefined;
    const port = await freePort();
    // The same scenario clock as the first run, so SageMaker still shows the jobs finished.
    const second = runCli(
      startArgs({ dataDir, port, pollInterval: 1, scenarioSpeed: 8 }, '--reconcile-interval', '1'),
    );
    running.push(second);
    await second.waitFor(/local stack up in \d+ ms/, 60_000);
    await second.waitFor(/detect: reconcile listed/);
    const { dynamodb } = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as {
      dynamodb: string;
    };
    const api = { url: `http://127.0.0.1:${port}`, endpoints: { dynamodb } };
    const bySchedule = await storedJob(api, 'resnet-serverless');
    expect(bySchedule.status).toBe('COMPLETED');
    await rollBack(api, dataDir, bySchedule);
    expect((await storedJob(api, bySchedule.jobName)).status).toBe('IN_PROGRESS');
    await repaired(api, bySchedule.jobName);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);

    const outbox = await outboxKeys(dataDir);
    expect(outbox.filter((key) => key === 'xgboost-churn-default:COMPLETED')).toHaveLength(1);
    expect(outbox.filter((key) => key === 'resnet-serverless:COMPLETED')).toHaveLength(1);
    expect(outbox).toHaveLength(SCENARIO_JOBS);
  }, 180_000);
});
