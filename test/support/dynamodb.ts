import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { startDynalite, type LocalDynamoDb } from '../../local/dynamodb.js';
import { createTableInput } from '../../shared/db/table.js';
import type {} from '../conformance/global-setup.js';

export interface LocalTable {
  tableName: string;
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
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
  const table = {} as LocalTable;
  let server: LocalDynamoDb | undefined;

  beforeAll(async () => {
    const shared = inject('dynamoDbEndpoint') ?? process.env.IRWATCH_TEST_DYNAMODB_ENDPOINT;
    if (!shared) server = await startDynalite();
    const endpoint = shared ?? (server as LocalDynamoDb).url;
    assertLocalEndpoint(endpoint);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    table.endpoint = endpoint;
    table.tableName = `irwatch-test-${randomUUID().slice(0, 8)}`;
    table.client = new DynamoDBClient({ endpoint });
    table.doc = DynamoDBDocumentClient.from(table.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    await table.client.send(new CreateTableCommand(createTableInput(table.tableName)));
  });

  afterAll(async () => {
    table.client?.destroy();
    await server?.close();
  });

  return table;
}
