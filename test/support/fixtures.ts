import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import {
  loadSampleJobs,
  type SimulatedJob,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { layout } from '../../shared/db/table.js';
import { EVENT_SOURCE, STATE_CHANGE, type StateChangeDetail } from '../../shared/events.js';

/**
 * What the tests and the benchmarks both feed the handlers: the samples, irwatch's events as the
 * bus delivers them, a Lambda context. Plain module (no test runner), so bench/ can use it too.
 */
export const repoRoot = resolve(import.meta.dirname, '../..');
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
/** Where the fixtures' jobs run: the account and region irwatch runs in (test/support/env.ts). */
export const HOME = { accountId: ACCOUNT, region: REGION } as const;
/** A job of the fixtures' account and region, by name. */
export const jobKey = (jobName: string) => ({ jobName, ...HOME });

export const sampleJobs: SimulatedJob[] = loadSampleJobs(join(repoRoot, 'events/sagemaker/jobs'));

export const sampleJob = (name: string): SimulatedJob => {
  const job = sampleJobs.find((j) => j.describe.JobName === name);
  if (!job) throw new Error(`No sample job ${name} under events/sagemaker/jobs`);
  return job;
};

export const readEventFile = <T = unknown>(path: string): T =>
  JSON.parse(readFileSync(join(repoRoot, 'events', path), 'utf8')) as T;

let eventCounter = 0;

/** A state-change event as the irwatch bus delivers it to ingest. */
export function stateChangeEvent(detail: Partial<StateChangeDetail> & { jobName: string }) {
  eventCounter += 1;
  return {
    version: '0' as const,
    id: `00000000-0000-4000-8000-${String(eventCounter).padStart(12, '0')}`,
    'detail-type': STATE_CHANGE,
    source: EVENT_SOURCE,
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [] as string[],
    detail: {
      accountId: ACCOUNT,
      region: REGION,
      jobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:inference-recommendations-job/${detail.jobName.toLowerCase()}`,
      status: 'COMPLETED',
      previousStatus: null,
      lastModifiedTime: null,
      detectedBy: 'poll',
      ...detail,
    },
  };
}

/** A minimal Lambda context for handlers wrapped in Powertools middlewares. */
export const lambdaContext = (functionName: string) =>
  ({
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as unknown as Context;

/**
 * osls with no network and no credentials: any outbound request would go to a dead proxy and
 * fail, so a passing package proves it needs neither.
 */
export function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_')) env[name] = value;
  }
  return {
    ...env,
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
}

/** Every item under one partition key, all pages, strongly consistent: what a test inspects. */
export async function queryPartition(
  doc: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': layout.primary.pk },
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
