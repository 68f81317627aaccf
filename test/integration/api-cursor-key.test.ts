import { createHmac } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CursorCodec } from '../../functions/api/cursor.js';
import { httpEvent } from '../support/http-event.js';
import { actAs } from '../support/iam.js';
import { startLocalSecretsManager, type LocalSecretsManager } from '../support/secrets.js';
import { lambdaContext, sampleJob, stateChangeEvent, useLocalWorld } from '../support/world.js';

/**
 * Deployed, the cursor key is a Secrets Manager secret the stack generates (CursorKeySecret),
 * named to the api by its ARN in CURSOR_KEY_SECRET_ARN. The local Secrets Manager serves it
 * behind the IAM gate, so the signed GetSecretValue, its once-per-cold-start caching, its
 * retries and its failure are all exercised against the api role's real policy.
 */

const getSecretValueCalls: Array<{ secretId: unknown }> = [];
let failuresLeft = 0;

// ingest seeds the table as its role; the api's calls (DynamoDB, Secrets Manager) sign as the api's.
const world = useLocalWorld({ as: 'ingest' });
let local: LocalSecretsManager;
let handler: (event: ReturnType<typeof httpEvent>) => Promise<APIGatewayProxyStructuredResultV2>;
let loggedErrors: ReturnType<typeof vi.fn<(...args: unknown[]) => void>>;

beforeAll(async () => {
  local = await startLocalSecretsManager(world.table.stage, world.table.iam, {
    // Past the gate (the call was signed and allowed): a service fault, or a count of the call.
    intercept(req, res) {
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') return false;
      if (failuresLeft === 0) {
        getSecretValueCalls.push({ secretId: 'counted' });
        return false;
      }
      failuresLeft -= 1;
      getSecretValueCalls.push({ secretId: 'failed' });
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'InternalServiceError', Message: 'simulated failure' }));
      return true;
    },
  });
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = local.server.url;
  process.env.CURSOR_KEY_SECRET_ARN = local.secrets[0]!.arn;
  process.env.AWS_MAX_ATTEMPTS = '3';
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
  await local?.server.close();
});

const body = (result: APIGatewayProxyStructuredResultV2) =>
  JSON.parse(String(result.body)) as Record<string, string>;

describe('the cursor key from the stack’s secret', () => {
  it('is the secret the template generates, and the api role may read it', () => {
    expect(local.secrets).toHaveLength(1);
    const [secret] = local.secrets;
    expect(secret!.name).toBe(`irwatch/${world.table.stage}/api/cursor-key`);
    expect(secret!.arn).toMatch(
      new RegExp(
        `^arn:aws:secretsmanager:us-east-1:\\d{12}:secret:irwatch/${world.table.stage}/api/cursor-key-[A-Za-z0-9]{6}$`,
      ),
    );
    // GenerateSecretString: 64 characters, no punctuation.
    expect(secret!.secretString).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it('answers a bare 500 with a logged correlation id when Secrets Manager fails, then retries on the next request', async () => {
    failuresLeft = 3; // AWS_MAX_ATTEMPTS
    const event = httpEvent('/jobs?limit=1');
    const result = await handler(event);
    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    const problem = body(result);
    expect(problem.correlationId).toBe(event.requestContext.requestId);
    expect(problem.detail).not.toMatch(/secret|simulated|InternalServiceError/i);
    expect(loggedErrors).toHaveBeenCalledWith(
      'Request failed',
      expect.objectContaining({ correlationId: problem.correlationId }),
    );
    expect(getSecretValueCalls).toHaveLength(3);
  });

  it('signs cursors with the secret’s value, read once', async () => {
    const first = await handler(httpEvent('/jobs?limit=1'));
    expect(first.statusCode).toBe(200);
    const cursor = body(first).nextCursor!;
    const [payload, signature] = cursor.split('.');
    const key = local.secrets[0]!.secretString;
    expect(signature).toBe(createHmac('sha256', key).update(payload!).digest('base64url'));
    expect(getSecretValueCalls.map((call) => call.secretId)).toEqual([
      'failed',
      'failed',
      'failed',
      'counted',
    ]);

    const second = await handler(httpEvent(`/jobs?limit=1&cursor=${encodeURIComponent(cursor)}`));
    expect(second.statusCode).toBe(200);
    const jobs = [first, second].map((page) => JSON.parse(String(page.body)).jobs[0].jobName);
    expect(jobs).toEqual(['resnet-serverless', 'xgboost-churn-default']);
    await handler(httpEvent('/jobs/xgboost-churn-default/benchmarks?limit=2'));
    expect(getSecretValueCalls).toHaveLength(4);
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
