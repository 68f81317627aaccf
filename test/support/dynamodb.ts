import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { startDynalite, type LocalDynamoDb } from '../../local/aws/dynamodb/dynamodb.js';
import type { LocalServer } from '../../local/aws/http-server.js';
import { listenGated } from '../../local/aws/iam/gated-proxy.js';
import type { Gate } from '../../local/aws/iam/gate.js';
import type { LocalIam } from '../../local/aws/iam/local-iam.js';
import { dynamodbProtocol } from '../../local/aws/iam/requests.js';
import { createTableInput } from '../../shared/db/table.js';
import type {} from '../conformance/global-setup.js';
import { testIam, TEST_USER } from './iam.js';

export interface LocalTable {
  tableName: string;
  /** The gate before the local DynamoDB: what the SDK clients of the test talk to. */
  endpoint: string;
  /** The local DynamoDB itself, for a test's own proxy (which then holds the gate: `gate()`). */
  upstream: string;
  /** A gate for a server of the test's own that stands before the local DynamoDB. */
  gate(): Gate;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** The test file's stage: the table is `irwatch-<stage>`, as the roles of serverless.yml name it. */
  stage: string;
  /** The local account's IAM of this test file, from serverless.yml for `stage`. */
  iam: LocalIam;
}

/**
 * Connected tests refuse any endpoint that is not on this machine: a test must never write to a
 * real account's table.
 */
export function assertLocalEndpoint(url: string): void {
  const { hostname } = new URL(url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) {
    throw new Error(`Refusing to run connected tests against a non-local endpoint: ${url}`);
  }
}

/**
 * One fresh table per test file: a dynalite server of its own, or, in the conformance run, the
 * DynamoDB Local that test/conformance/global-setup.ts started (IRWATCH_TEST_DYNAMODB_ENDPOINT
 * points at any other local DynamoDB).
 */
export function useLocalTable(): LocalTable {
  const stage = `test-${randomUUID().slice(0, 8)}`;
  const iam = testIam(stage);
  const table = {
    stage,
    tableName: `irwatch-${stage}`,
    iam,
    gate: () => iam.gateFor(dynamodbProtocol),
  } as LocalTable;
  let server: LocalDynamoDb | undefined;
  let gate: LocalServer | undefined;

  beforeAll(async () => {
    const shared = inject('dynamoDbEndpoint') ?? process.env.IRWATCH_TEST_DYNAMODB_ENDPOINT;
    if (!shared) server = await startDynalite();
    const upstream = shared ?? (server as LocalDynamoDb).url;
    assertLocalEndpoint(upstream);
    gate = await listenGated({ url: upstream }, table.gate());
    const endpoint = gate.url;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    table.endpoint = endpoint;
    table.upstream = upstream;
    table.client = new DynamoDBClient({ endpoint, credentials: TEST_USER });
    table.doc = DynamoDBDocumentClient.from(table.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    await table.client.send(new CreateTableCommand(createTableInput(table.tableName)));
  });

  afterAll(async () => {
    table.client?.destroy();
    await gate?.close();
    await server?.close();
  });

  return table;
}
