import { request } from 'node:http';
import { listen, readBody, type LocalServer } from '../http-server.js';
import type { Gate } from '../iam/gate.js';

export interface DynamoDbProxyOptions {
  /** Decides, per BatchWriteItem call (counted from 0), whether to hand half of it back unprocessed. */
  unprocessedBatch?: (index: number) => boolean;
  /**
   * Asks the local DynamoDB for ReturnConsumedCapacity TOTAL on every request that supports it
   * and records the units; the answer passes on unchanged (the SDK reads that field anyway).
   */
  measureCapacity?: boolean;
}

export interface DynamoDbRequestRecord {
  operation: string;
  /** Capacity units reported for the request (0 unless measureCapacity). */
  capacityUnits: number;
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

export interface DynamoDbProxy {
  /** Operation names (X-Amz-Target without the prefix), one per request, in order. */
  readonly operations: string[];
  readonly requests: DynamoDbRequestRecord[];
  /** Requests seen of one operation, or of all. */
  count(operation?: string): number;
  /** Capacity units of every request since the last reset (measureCapacity). */
  capacityUnits(): number;
  reset(): void;
  setUnprocessedBatch(fn: DynamoDbProxyOptions['unprocessedBatch']): void;
  /** With a gate, each request is checked (callers, signature, IAM) before it is counted and sent on. */
  listen(port?: number, gate?: Gate): Promise<LocalServer>;
}

interface WriteRequestMap {
  [table: string]: unknown[];
}

/**
 * Sits in front of a local DynamoDB, counts every request by operation and, on demand, answers
 * a BatchWriteItem as DynamoDB does under load: only part of the items written, the rest returned
 * in UnprocessedItems. No local DynamoDB produces that by itself.
 */
export function createDynamoDbProxy(
  targetUrl: string,
  options: DynamoDbProxyOptions = {},
): DynamoDbProxy {
  const target = new URL(targetUrl);
  const operations: string[] = [];
  const requests: DynamoDbRequestRecord[] = [];
  let unprocessedBatch = options.unprocessedBatch;
  let batchIndex = 0;

  const forward = (headers: Record<string, string | string[] | undefined>, body: string) =>
    new Promise<{
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: string;
    }>((resolve, reject) => {
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: '/',
          headers: { ...headers, host: target.host, 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 500,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  return {
    operations,
    requests,
    count: (operation) =>
      operation ? operations.filter((name) => name === operation).length : operations.length,
    capacityUnits: () => requests.reduce((sum, record) => sum + record.capacityUnits, 0),
    reset: () => {
      operations.length = 0;
      requests.length = 0;
      batchIndex = 0;
    },
    setUnprocessedBatch: (fn) => {
      unprocessedBatch = fn;
    },
    listen: (port, gate) =>
      listen(
        async (req, res) => {
          const body = await readBody(req);
          const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
          operations.push(operation);
          let sent = body;
          if (options.measureCapacity && CAPACITY_OPERATIONS.has(operation)) {
            sent = JSON.stringify({ ...JSON.parse(body), ReturnConsumedCapacity: 'TOTAL' });
          }
          const held: WriteRequestMap = {};
          if (operation === 'BatchWriteItem' && unprocessedBatch?.(batchIndex++)) {
            const input = JSON.parse(sent) as { RequestItems: WriteRequestMap };
            const kept: WriteRequestMap = {};
            for (const [table, requests] of Object.entries(input.RequestItems)) {
              const half = Math.ceil(requests.length / 2);
              kept[table] = requests.slice(0, half);
              if (requests.length > half) held[table] = requests.slice(half);
            }
            sent = JSON.stringify({ ...input, RequestItems: kept });
          }
          const response = await forward(req.headers, sent);
          let responseBody = response.body;
          if (Object.keys(held).length > 0 && response.status === 200) {
            const output = JSON.parse(response.body) as { UnprocessedItems?: WriteRequestMap };
            const unprocessed: WriteRequestMap = { ...(output.UnprocessedItems ?? {}) };
            for (const [table, requests] of Object.entries(held)) {
              unprocessed[table] = [...(unprocessed[table] ?? []), ...requests];
            }
            responseBody = JSON.stringify({ ...output, UnprocessedItems: unprocessed });
          }
          requests.push({ operation, capacityUnits: capacityOf(response.status, responseBody) });
          const headers = { ...response.headers };
          delete headers['content-length'];
          // The SDK checks DynamoDB's CRC32 of the body; a rewritten body has none to match.
          if (responseBody !== response.body) delete headers['x-amz-crc32'];
          res.writeHead(response.status, headers);
          res.end(responseBody);
        },
        { port, ...(gate ? { gate } : {}) },
      ),
  };
}

function capacityOf(status: number, body: string): number {
  if (status !== 200) return 0;
  const { ConsumedCapacity: consumed } = JSON.parse(body) as {
    ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }>;
  };
  const entries = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  return entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}
