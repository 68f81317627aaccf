import { request } from 'node:http';
import { listen, readBody, type LocalServer } from '../local/http-server.js';

export interface DynamoDbRequestRecord {
  operation: string;
  /** Capacity units DynamoDB (here: the local one) reported for the request's table. */
  capacityUnits: number;
}

export interface CapacityProxy {
  readonly requests: DynamoDbRequestRecord[];
  count(operation?: string): number;
  capacityUnits(): number;
  reset(): void;
  listen(): Promise<LocalServer>;
}

const CAPACITY_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'GetItem',
  'BatchGetItem',
  'Query',
]);

interface ConsumedCapacity {
  CapacityUnits?: number;
}

/**
 * Counts every DynamoDB request by operation and the capacity it consumed: it asks the local
 * DynamoDB for ReturnConsumedCapacity TOTAL on each request that supports it and reads the
 * answer, so the handlers under test run unchanged. The body that comes back is passed on
 * byte for byte (with its CRC32), the extra ConsumedCapacity field being one the SDK reads anyway.
 */
export function createCapacityProxy(targetUrl: string): CapacityProxy {
  const target = new URL(targetUrl);
  const requests: DynamoDbRequestRecord[] = [];
  return {
    requests,
    count: (operation) =>
      operation ? requests.filter((r) => r.operation === operation).length : requests.length,
    capacityUnits: () => requests.reduce((sum, r) => sum + r.capacityUnits, 0),
    reset: () => {
      requests.length = 0;
    },
    listen: () =>
      listen(async (req, res) => {
        const body = await readBody(req);
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
        let sent = body;
        if (CAPACITY_OPERATIONS.has(operation)) {
          const input = JSON.parse(body) as Record<string, unknown>;
          sent = JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' });
        }
        const answer = await new Promise<{
          status: number;
          headers: Record<string, string | string[] | undefined>;
          body: Buffer;
        }>((resolve, reject) => {
          const outgoing = request(
            {
              host: target.hostname,
              port: target.port,
              method: 'POST',
              path: '/',
              headers: {
                ...req.headers,
                host: target.host,
                'content-length': Buffer.byteLength(sent),
              },
            },
            (response) => {
              const chunks: Buffer[] = [];
              response.on('data', (chunk: Buffer) => chunks.push(chunk));
              response.on('end', () =>
                resolve({
                  status: response.statusCode ?? 500,
                  headers: response.headers,
                  body: Buffer.concat(chunks),
                }),
              );
              response.on('error', reject);
            },
          );
          outgoing.on('error', reject);
          outgoing.end(sent);
        });
        let capacityUnits = 0;
        if (answer.status === 200 && CAPACITY_OPERATIONS.has(operation)) {
          const output = JSON.parse(answer.body.toString('utf8')) as {
            ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
          };
          const consumed = output.ConsumedCapacity;
          for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
            capacityUnits += entry.CapacityUnits ?? 0;
          }
        }
        requests.push({ operation, capacityUnits });
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      }),
  };
}
