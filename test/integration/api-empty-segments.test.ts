import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toApiGatewayEvent } from '../../local/stack/api-adapter.js';
import { useApiWorld, type ApiResponse } from '../support/api.js';

/**
 * Paths with empty segments (`GET //`, `//jobs`, `/jobs//benchmarks`): each is answered with a
 * page, a 404 or a 400 naming the fault, never a 500, both by the handler and through the local
 * server's request adapter.
 */

const api = useApiWorld();

const EMPTY_SEGMENT_PATHS = [
  '//',
  '///',
  '//jobs',
  '////jobs',
  '//openapi.json',
  '/jobs//',
  '/jobs///',
  '/jobs//recommendations',
  '/jobs/large-sweep-250//',
  '/jobs/large-sweep-250//benchmarks',
  '/jobs/large-sweep-250/recommendations//',
  '/jobs/large-sweep-250/recommendations/x//y',
  '/models//',
  '/models//jobs',
  '/models///jobs',
  '/models/m//recommendations',
  '/compare//',
  '//?jobs=a,b',
];

describe('paths with empty segments', () => {
  it.for(EMPTY_SEGMENT_PATHS)('GET %s is no 500', async (target) => {
    // The dashboard page is HTML: ask for it by its status only.
    const response = await api.request(target).catch((error: unknown): ApiResponse => {
      if (error instanceof SyntaxError)
        return { status: 200, headers: {}, body: undefined, reads: undefined };
      throw error;
    });
    expect(response.status).toBeLessThan(500);
    if (response.status !== 200) {
      expect(response.headers['content-type']).toBe('application/problem+json');
    }
  });

  it('GET //jobs is not the dashboard, and GET /jobs// not the job list', async () => {
    expect((await api.request('//jobs')).status).toBe(404);
    expect((await api.request('/jobs//')).status).toBe(404);
  });
});

describe('the local server turns each request target into the path API Gateway hands over', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      toApiGatewayEvent(req).then(
        (event) => res.end(JSON.stringify(event)),
        (error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  });

  /** Sends the target as written (fetch would normalize it). */
  function eventFor(target: string): Promise<{ status: number; event: APIGatewayProxyEventV2 }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: target }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${target}: ${res.statusCode} ${text}`));
          else
            resolve({ status: res.statusCode, event: JSON.parse(text) as APIGatewayProxyEventV2 });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it.for([
    ['//', '//', ''],
    ['//jobs', '//jobs', ''],
    ['/jobs//benchmarks?limit=2', '/jobs//benchmarks', 'limit=2'],
    ['//?status=COMPLETED&status=FAILED', '//', 'status=COMPLETED&status=FAILED'],
  ] as const)('%s', async ([target, rawPath, rawQueryString]) => {
    const { event } = await eventFor(target);
    expect(event.rawPath).toBe(rawPath);
    expect(event.rawQueryString).toBe(rawQueryString);
    if (rawQueryString.includes('status=')) {
      expect(event.queryStringParameters).toEqual({ status: 'COMPLETED,FAILED' });
    }
  });
});
