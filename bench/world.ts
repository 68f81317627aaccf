import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynalite, type LocalDynamoDb } from '../local/aws/dynamodb/dynamodb.js';
import {
  createEventBridgeEndpoint,
  type EventBridgeEndpoint,
} from '../local/aws/eventbridge/eventbridge-endpoint.js';
import type { LocalServer } from '../local/aws/http-server.js';
import {
  createSageMakerSimulator,
  type SageMakerSimulator,
} from '../local/aws/sagemaker/sagemaker-simulator.js';
import { createSnsEndpoint, type SnsEndpoint } from '../local/aws/sns/sns-endpoint.js';
import { createTableInput } from '../shared/db/table.js';
import { createDynamoDbProxy, type DynamoDbProxy } from '../local/aws/dynamodb/dynamodb-proxy.js';
import { ACCOUNT, REGION } from '../test/support/fixtures.js';

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
} from '../test/support/fixtures.js';

export const BUS_NAME = 'irwatch-bench';
export const TABLE_NAME = 'irwatch-bench';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:irwatch-bench`;

export interface BenchWorld {
  dynamo: LocalDynamoDb;
  /** Counts DynamoDB requests and capacity when the world was started with `countDynamoDb`. */
  proxy: DynamoDbProxy | undefined;
  /** A client straight to the local DynamoDB (never through the proxy). */
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  simulator: SageMakerSimulator;
  eventBridge: EventBridgeEndpoint;
  sns: SnsEndpoint;
  close(): Promise<void>;
}

/**
 * What test/support/world.ts gives the tests, as a plain async start and close: dynalite, the
 * SageMaker simulator, EventBridge and SNS on this machine, reached by the real SDK clients
 * through AWS_ENDPOINT_URL_*, and the variables serverless.yml gives the functions. Handlers
 * read their environment at import: import them after this resolves.
 */
export async function startBenchWorld(
  options: { now?: () => number; countDynamoDb?: boolean } = {},
): Promise<BenchWorld> {
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '5',
    POWERTOOLS_SERVICE_NAME: 'irwatch',
    // The account irwatch runs in, as serverless.yml gives it to detect and ingest.
    HOME_ACCOUNT_ID: ACCOUNT,
    POWERTOOLS_METRICS_NAMESPACE: 'irwatch',
    // Logs and metrics would go to stdout, in the middle of the tables.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;

  const dynamo = await startDynalite();
  const client = new DynamoDBClient({ endpoint: dynamo.url });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  await client.send(new CreateTableCommand(createTableInput(TABLE_NAME)));

  const servers: LocalServer[] = [];
  const proxy = options.countDynamoDb
    ? createDynamoDbProxy(dynamo.url, { measureCapacity: true })
    : undefined;
  if (proxy) servers.push(await proxy.listen());
  const simulator = createSageMakerSimulator({ now: options.now ?? (() => Date.now()) });
  const eventBridge = createEventBridgeEndpoint({ account: ACCOUNT, region: REGION });
  const sns = createSnsEndpoint({ account: ACCOUNT, region: REGION, topics: [TOPIC_ARN] });
  const [sagemakerServer, eventsServer, snsServer] = await Promise.all([
    simulator.listen(),
    eventBridge.listen(),
    sns.listen(),
  ]);
  servers.push(sagemakerServer, eventsServer, snsServer);

  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: proxy ? (servers[0] as LocalServer).url : dynamo.url,
    AWS_ENDPOINT_URL_SAGEMAKER: sagemakerServer.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventsServer.url,
    AWS_ENDPOINT_URL_SNS: snsServer.url,
    TABLE_NAME,
    EVENT_BUS_NAME: BUS_NAME,
    TOPIC_ARN,
  });

  return {
    dynamo,
    proxy,
    client,
    doc,
    simulator,
    eventBridge,
    sns,
    async close() {
      client.destroy();
      await Promise.all(servers.map((server) => server.close()));
      await dynamo.close();
    },
  };
}
