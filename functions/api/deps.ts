import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sageMakerRequests } from '../../shared/account-requests.js';
import { readWatchConfig } from '../../shared/accounts.js';
import { createDocumentClient } from '../../shared/aws.js';
import { ConfigError, readEnv } from '../../shared/config.js';
import { batchGetAll } from '../../shared/db/batch-get.js';
import { createCountPublisher } from '../../shared/emf.js';
import { getSecretString } from '../../shared/secrets.js';
import { loadCursorKey } from './cursor.js';
import type { ItemKey, TableReader } from './reader.js';
import { scalingRecommendationVia } from './scaling-recommendation.js';
import type { ApiDeps } from './serve.js';

const config = readEnv(['TABLE_NAME']);
/** The ARN of the secret holding the cursor key, which the stack generates (never the key). */
const cursorKeySecretArn = process.env.CURSOR_KEY_SECRET_ARN || undefined;
/** Tests only. */
const localCursorKey = process.env.CURSOR_KEY || undefined;
if (process.env.AWS_LAMBDA_FUNCTION_NAME && !cursorKeySecretArn) {
  // A random key per Lambda instance would make every cursor fail on the next instance.
  throw new ConfigError('Missing environment variable(s): CURSOR_KEY_SECRET_ARN');
}

const doc = createDocumentClient();
// Only plans with source=sagemaker call it. Two attempts: API Gateway waits 30 s at most, and a
// throttled call is better answered with a 503 the caller can retry than with a timeout.
const sagemakerIn = sageMakerRequests(readWatchConfig(), 'irwatch-api', { maxAttempts: 2 });
// The reads per route, as CloudWatch metrics (namespace irwatch): one EMF line per request.
const counts = createCountPublisher();

export function dynamoReader(client: DynamoDBDocumentClient, tableName: string): TableReader {
  return {
    async query(input) {
      const output = await client.send(new QueryCommand({ ...input, TableName: tableName }));
      return {
        items: output.Items ?? [],
        lastEvaluatedKey: output.LastEvaluatedKey as ItemKey | undefined,
        scannedCount: output.ScannedCount ?? output.Count ?? 0,
      };
    },
    async get(key) {
      const output = await client.send(new GetCommand({ TableName: tableName, Key: key }));
      return output.Item;
    },
    batchGet: (keys) => batchGetAll(client, tableName, keys),
  };
}

let cursorKey: Promise<Buffer> | undefined;

export const apiDeps: ApiDeps = {
  reader: dynamoReader(doc, config.TABLE_NAME),
  cursorKey() {
    // Once per cold start; a failed fetch is retried by the next request instead of cached.
    cursorKey ??= loadCursorKey({
      secretId: cursorKeySecretArn,
      localKey: localCursorKey,
      fetchSecret: (secretId) => getSecretString(secretId),
    }).catch((error: unknown) => {
      cursorKey = undefined;
      throw error;
    });
    return cursorKey;
  },
  scalingRecommendation: scalingRecommendationVia(sagemakerIn),
  observeReads(observation) {
    counts.publish(
      { route: observation.route },
      {
        DynamoDbRequests: observation.requests,
        ItemsRead: observation.itemsRead,
        ItemsReturned: observation.itemsReturned,
      },
    );
  },
};
