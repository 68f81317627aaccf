import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from './dynamodb-local.js';

/**
 * The conformance run: the same integration tests, against AWS's DynamoDB Local instead of
 * dynalite. Each test file still creates a table of its own (test/support/dynamodb.ts).
 */
export default async function setup(project: TestProject) {
  const started = performance.now();
  const dynamo = await startDynamoDbLocal();
  console.log(
    `DynamoDB Local ready at ${dynamo.url} in ${Math.round(performance.now() - started)} ms`,
  );
  process.env.IRWATCH_TEST_DYNAMODB_ENDPOINT = dynamo.url;
  project.provide('dynamoDbEndpoint', dynamo.url);
  return () => dynamo.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
