import { afterAll, beforeAll } from 'vitest';
import {
  createEventBridgeEndpoint,
  type BusEvent,
  type EventBridgeEndpoint,
} from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  createSageMakerSimulator,
  type SageMakerSimulator,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { createSnsEndpoint, type SnsEndpoint } from '../../local/aws/sns/sns-endpoint.js';
import {
  eventBridgeProtocol,
  sagemakerProtocol,
  snsProtocol,
} from '../../local/aws/iam/requests.js';
import { useLocalTable, type LocalTable } from './dynamodb.js';
import { ACCOUNT, REGION } from './fixtures.js';
import { actAs } from './iam.js';

export {
  ACCOUNT,
  HOME,
  jobKey,
  REGION,
  lambdaContext,
  readEventFile,
  sampleJob,
  sampleJobs,
  stateChangeEvent,
} from './fixtures.js';

export const BUS_NAME = 'irwatch-test';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:irwatch-test`;

export interface LocalWorld {
  table: LocalTable;
  /** The irwatch bus and topic of this test file's stage, as the roles of serverless.yml name them. */
  busName: string;
  topicArn: string;
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
export function useLocalWorld(
  options: {
    now?: () => number;
    /**
     * The function whose role this file's handler calls sign as (IAM enforced on every call);
     * without it, calls sign as the account's administrator.
     */
    as?: string;
  } = {},
): LocalWorld {
  const table = useLocalTable();
  const busName = `irwatch-${table.stage}`;
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:irwatch-${table.stage}`;
  const simulator = createSageMakerSimulator({ now: options.now ?? (() => Date.now()) });
  const eventBridge = createEventBridgeEndpoint({ account: ACCOUNT, region: REGION });
  const sns = createSnsEndpoint({ account: ACCOUNT, region: REGION, topics: [topicArn] });
  const servers: LocalServer[] = [];

  beforeAll(async () => {
    const [sagemakerServer, eventsServer, snsServer] = await Promise.all([
      simulator.listen(0, table.iam.gateFor(sagemakerProtocol)),
      eventBridge.listen(0, table.iam.gateFor(eventBridgeProtocol)),
      sns.listen(0, table.iam.gateFor(snsProtocol)),
    ]);
    servers.push(sagemakerServer, eventsServer, snsServer);
    process.env.AWS_ENDPOINT_URL_SAGEMAKER = sagemakerServer.url;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventsServer.url;
    process.env.AWS_ENDPOINT_URL_SNS = snsServer.url;
    process.env.TABLE_NAME = table.tableName;
    process.env.EVENT_BUS_NAME = busName;
    process.env.TOPIC_ARN = topicArn;
    if (options.as) actAs(table.iam, options.as);
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  return {
    table,
    busName,
    topicArn,
    simulator,
    eventBridge,
    sns,
    busEvents: (detailType) =>
      eventBridge.events
        .map((record) => record.event)
        .filter((event) => !detailType || event['detail-type'] === detailType),
  };
}
