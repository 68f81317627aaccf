import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  createEventBridgeEndpoint,
  type BusEvent,
  type EventBridgeEndpoint,
} from '../../local/eventbridge-endpoint.js';
import type { LocalServer } from '../../local/http-server.js';
import {
  createSageMakerSimulator,
  loadSampleJobs,
  type SageMakerSimulator,
  type SimulatedJob,
} from '../../local/sagemaker-simulator.js';
import { createSnsEndpoint, type SnsEndpoint } from '../../local/sns-endpoint.js';
import { EVENT_SOURCE, STATE_CHANGE, type StateChangeDetail } from '../../shared/events.js';
import { useLocalTable, type LocalTable } from './dynamodb.js';
import { repoRoot } from './serverless.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const BUS_NAME = 'irwatch-test';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:irwatch-test`;

export const sampleJobs: SimulatedJob[] = loadSampleJobs(join(repoRoot, 'events/sagemaker/jobs'));

export const sampleJob = (name: string): SimulatedJob => {
  const job = sampleJobs.find((j) => j.describe.JobName === name);
  if (!job) throw new Error(`No sample job ${name} under events/sagemaker/jobs`);
  return job;
};

export const readEventFile = <T = unknown>(path: string): T =>
  JSON.parse(readFileSync(join(repoRoot, 'events', path), 'utf8')) as T;

export interface LocalWorld {
  table: LocalTable;
  simulator: SageMakerSimulator;
  eventBridge: EventBridgeEndpoint;
  sns: SnsEndpoint;
  /** Events put on the irwatch bus, oldest first. */
  busEvents(detailType?: string): BusEvent[];
}

/**
 * Every AWS service irwatch talks to, on this machine, reached by the real SDK clients through
 * their own AWS_ENDPOINT_URL_* variables, plus the function variables serverless.yml sets.
 * Handlers read their environment at import: import them after this file's beforeAll.
 */
export function useLocalWorld(options: { now?: () => number } = {}): LocalWorld {
  const table = useLocalTable();
  const simulator = createSageMakerSimulator({ now: options.now ?? (() => Date.now()) });
  const eventBridge = createEventBridgeEndpoint({ account: ACCOUNT, region: REGION });
  const sns = createSnsEndpoint({ account: ACCOUNT, region: REGION, topics: [TOPIC_ARN] });
  const servers: LocalServer[] = [];

  beforeAll(async () => {
    const [sagemakerServer, eventsServer, snsServer] = await Promise.all([
      simulator.listen(),
      eventBridge.listen(),
      sns.listen(),
    ]);
    servers.push(sagemakerServer, eventsServer, snsServer);
    process.env.AWS_ENDPOINT_URL_SAGEMAKER = sagemakerServer.url;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventsServer.url;
    process.env.AWS_ENDPOINT_URL_SNS = snsServer.url;
    process.env.TABLE_NAME = table.tableName;
    process.env.EVENT_BUS_NAME = BUS_NAME;
    process.env.TOPIC_ARN = TOPIC_ARN;
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  return {
    table,
    simulator,
    eventBridge,
    sns,
    busEvents: (detailType) =>
      eventBridge.events
        .map((record) => record.event)
        .filter((event) => !detailType || event['detail-type'] === detailType),
  };
}

let eventCounter = 0;

/** A state-change event as the irwatch bus delivers it to ingest. */
export function stateChangeEvent(
  detail: Partial<StateChangeDetail> & { jobName: string },
): BusEvent {
  eventCounter += 1;
  return {
    version: '0',
    id: `00000000-0000-4000-8000-${String(eventCounter).padStart(12, '0')}`,
    'detail-type': STATE_CHANGE,
    source: EVENT_SOURCE,
    account: ACCOUNT,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [],
    detail: {
      jobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:inference-recommendations-job/${detail.jobName}`,
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
