import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sageMakerClients } from '../../shared/account-clients.js';
import { readWatchConfig } from '../../shared/accounts.js';
import { createDocumentClient, createSsmClient } from '../../shared/aws.js';
import { ConfigError, readEnv } from '../../shared/config.js';
import { batchGetAll } from '../../shared/db/batch-get.js';
import { metrics } from '../../shared/metrics.js';
import { loadCursorKey } from './cursor.js';
import type { ItemKey, TableReader } from './reader.js';
import { scalingRecommendationVia } from './scaling-recommendation.js';
import type { ApiDeps } from './serve.js';

const config = readEnv(['TABLE_NAME']);
/** Deployed: the NAME of the SSM SecureString parameter holding the cursor key (never the key). */
const cursorKeyParameter = process.env.CURSOR_KEY_PARAMETER || undefined;
/** Tests and the local stack only. */
const localCursorKey = process.env.CURSOR_KEY || undefined;
if (process.env.AWS_LAMBDA_FUNCTION_NAME && !cursorKeyParameter) {
  // A random key per Lambda instance would make every cursor fail on the next instance.
  throw new ConfigError('Missing environment variable(s): CURSOR_KEY_PARAMETER');
}

const doc = createDocumentClient();
const ssm = cursorKeyParameter ? createSsmClient() : undefined;
// Only plans with source=sagemaker call it. Two attempts: API Gateway waits 30 s at most, and a
// throttled call is better answered with a 503 the caller can retry than with a timeout.
const sagemakerIn = sageMakerClients(readWatchConfig(), 'irwatch-api', { maxAttempts: 2 });

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
      parameterName: cursorKeyParameter,
      localKey: localCursorKey,
      async fetchParameter(name) {
        const output = await ssm!.send(
          new GetParameterCommand({ Name: name, WithDecryption: true }),
        );
        return output.Parameter?.Value;
      },
    }).catch((error: unknown) => {
      cursorKey = undefined;
      throw error;
    });
    return cursorKey;
  },
  scalingRecommendation: scalingRecommendationVia(sagemakerIn),
  observeReads(observation) {
    metrics.addDimension('route', observation.route);
    metrics.addMetric('DynamoDbRequests', MetricUnit.Count, observation.requests);
    metrics.addMetric('ItemsRead', MetricUnit.Count, observation.itemsRead);
    metrics.addMetric('ItemsReturned', MetricUnit.Count, observation.itemsReturned);
    // Flushed here rather than by a middleware, which would warn on every unrouted request.
    metrics.publishStoredMetrics();
  },
};
