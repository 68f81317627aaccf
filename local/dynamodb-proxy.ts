import { request } from 'node:http';
import { listen, readBody, type LocalServer } from './http-server.js';

export interface DynamoDbProxyOptions {
  /** Decides, per BatchWriteItem call (counted from 0), whether to hand half of it back unprocessed. */
  unprocessedBatch?: (index: number) => boolean;
}

export interface DynamoDbProxy {
  /** Operation names (X-Amz-Target without the prefix), one per request, in order. */
  readonly operations: string[];
  /** Requests seen of one operation. */
  count(operation: string): number;
  reset(): void;
  setUnprocessedBatch(fn: DynamoDbProxyOptions['unprocessedBatch']): void;
  listen(port?: number): Promise<LocalServer>;
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
    count: (operation) => operations.filter((name) => name === operation).length,
    reset: () => {
      operations.length = 0;
      batchIndex = 0;
    },
    setUnprocessedBatch: (fn) => {
      unprocessedBatch = fn;
    },
    listen: (port) =>
      listen(
        async (req, res) => {
          const body = await readBody(req);
          const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
          operations.push(operation);
          let sent = body;
          const held: WriteRequestMap = {};
          if (operation === 'BatchWriteItem' && unprocessedBatch?.(batchIndex++)) {
            const input = JSON.parse(body) as { RequestItems: WriteRequestMap };
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
          const headers = { ...response.headers };
          delete headers['content-length'];
          // The SDK checks DynamoDB's CRC32 of the body; a rewritten body has none to match.
          if (responseBody !== response.body) delete headers['x-amz-crc32'];
          res.writeHead(response.status, headers);
          res.end(responseBody);
        },
        { port },
      ),
  };
}
