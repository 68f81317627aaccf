import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listen, readBody, type LocalServer } from '../../local/aws/http-server.js';
import { CursorCodec } from '../../functions/api/cursor.js';
import { ssmProtocol } from '../../local/aws/iam/requests.js';
import { httpEvent } from '../support/http-event.js';
import { actAs } from '../support/iam.js';
import { lambdaContext, sampleJob, stateChangeEvent, useLocalWorld } from '../support/world.js';

/**
 * Deployed, the cursor key comes from an SSM SecureString parameter named by
 * CURSOR_KEY_PARAMETER. A local endpoint speaking SSM's JSON protocol serves it to the real SDK
 * client, so the fetch, its once-per-cold-start caching and its failure are all exercised.
 */

// Named as serverless.yml names it for the stage of this file's world (set in beforeAll).
let PARAMETER = '';
const KEY = 'ssm-held-cursor-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

const ssmCalls: Array<{ target: string; input: Record<string, unknown> }> = [];
let failuresLeft = 0;

async function ssmEndpoint(req: IncomingMessage, res: ServerResponse) {
  const target = String(req.headers['x-amz-target'] ?? '');
  const input = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
  ssmCalls.push({ target, input });
  res.setHeader('content-type', 'application/x-amz-json-1.1');
  if (failuresLeft > 0) {
    failuresLeft -= 1;
    res.statusCode = 500;
    res.end(JSON.stringify({ __type: 'InternalServerError', message: 'simulated SSM failure' }));
    return;
  }
  if (target !== 'AmazonSSM.GetParameter' || input.Name !== PARAMETER) {
    res.statusCode = 400;
    res.end(
      JSON.stringify({
        __type: 'ParameterNotFound',
        message: `No parameter ${String(input.Name)}`,
      }),
    );
    return;
  }
  res.end(
    JSON.stringify({
      Parameter: {
        Name: PARAMETER,
        Type: 'SecureString',
        Value: KEY,
        Version: 1,
        DataType: 'text',
      },
    }),
  );
}

// ingest seeds the table as its role; the api's clients (DynamoDB, SSM) sign as the api's.
const world = useLocalWorld({ as: 'ingest' });
let server: LocalServer;
let handler: (event: ReturnType<typeof httpEvent>) => Promise<APIGatewayProxyStructuredResultV2>;
let loggedErrors: ReturnType<typeof vi.fn<(...args: unknown[]) => void>>;

beforeAll(async () => {
  // SSM behind a gate too: the api's role may read this stage's cursor-key parameter only.
  server = await listen(ssmEndpoint, { gate: world.table.iam.gateFor(ssmProtocol) });
  process.env.AWS_ENDPOINT_URL_SSM = server.url;
  PARAMETER = `/irwatch/${world.table.stage}/api/cursor-key`;
  process.env.CURSOR_KEY_PARAMETER = PARAMETER;
  delete process.env.CURSOR_KEY;
  const ingest = (await import('../../functions/ingest/handler.js')).handler;
  for (const name of ['xgboost-churn-default', 'resnet-serverless']) {
    world.simulator.addJob(sampleJob(name));
    await ingest(stateChangeEvent({ jobName: name }) as never, lambdaContext('ingest'));
  }
  const { logger } = await import('../../shared/observability.js');
  loggedErrors = vi.fn<(...args: unknown[]) => void>();
  vi.spyOn(logger, 'error').mockImplementation((...args) => loggedErrors(...args));
  actAs(world.table.iam, 'api');
  const { createHandler } = await import('../../functions/api/handler.js');
  const api = createHandler();
  handler = (event) =>
    api(event, lambdaContext('api')) as Promise<APIGatewayProxyStructuredResultV2>;
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const getParameterCalls = () => ssmCalls.filter((call) => call.target === 'AmazonSSM.GetParameter');
const body = (result: APIGatewayProxyStructuredResultV2) =>
  JSON.parse(String(result.body)) as Record<string, string>;

describe('the cursor key from SSM', () => {
  it('answers a bare 500 with a logged correlation id when SSM fails, then retries on the next request', async () => {
    failuresLeft = 3; // the SDK's three attempts
    const event = httpEvent('/jobs?limit=1');
    const result = await handler(event);
    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    const problem = body(result);
    expect(problem.correlationId).toBe(event.requestContext.requestId);
    expect(problem.detail).not.toMatch(/SSM|parameter|simulated|InternalServerError/i);
    expect(loggedErrors).toHaveBeenCalledWith(
      'Request failed',
      expect.objectContaining({ correlationId: problem.correlationId }),
    );
    expect(getParameterCalls()).toHaveLength(3);
  });

  it('signs cursors with the parameter’s value, fetched once with decryption', async () => {
    const first = await handler(httpEvent('/jobs?limit=1'));
    expect(first.statusCode).toBe(200);
    const cursor = body(first).nextCursor!;
    const [payload, signature] = cursor.split('.');
    expect(signature).toBe(createHmac('sha256', KEY).update(payload!).digest('base64url'));
    expect(getParameterCalls()).toHaveLength(4);
    expect(getParameterCalls()[3]!.input).toEqual({ Name: PARAMETER, WithDecryption: true });

    const second = await handler(httpEvent(`/jobs?limit=1&cursor=${encodeURIComponent(cursor)}`));
    expect(second.statusCode).toBe(200);
    const jobs = [first, second].map((page) => JSON.parse(String(page.body)).jobs[0].jobName);
    expect(jobs).toEqual(['resnet-serverless', 'xgboost-churn-default']);
    await handler(httpEvent('/jobs/xgboost-churn-default/benchmarks?limit=2'));
    expect(getParameterCalls()).toHaveLength(4);
  });

  it('refuses a cursor signed with any other key', async () => {
    const forged = new CursorCodec(Buffer.from('another-key-another-key-another-key!')).encode(
      { route: 'listJobs', fingerprint: 'x' },
      { before: '9999' },
    );
    const result = await handler(httpEvent(`/jobs?limit=1&cursor=${encodeURIComponent(forged)}`));
    expect(result.statusCode).toBe(400);
    expect(body(result).detail).toContain('signature does not match');
  });
});
