import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSecretsManager, type LocalSecretsManager } from '../support/secrets.js';
import { useLocalTable } from '../support/dynamodb.js';
import { REGION } from '../support/fixtures.js';
import { httpEvent } from '../support/http-event.js';
import { packagedTemplate, resourcesOfType, type CfnTemplate } from '../support/serverless.js';
import { zipEntries } from '../support/zip.js';

const run = promisify(execFile);

/**
 * What `osls package` zips is what Lambda runs: each bundle, unpacked into a folder with no
 * node_modules anywhere above it, must load in a bare `node` with the environment the template
 * gives it, and the api bundle must answer a request through its bundled SDK (with the esbuild
 * aliases of serverless.yml in place) against local DynamoDB.
 */
const table = useLocalTable();
let template: CfnTemplate;
let packageDir: string;
let work: string;
const handlers = new Map<string, { path: string; handler: string }>();
let secrets: LocalSecretsManager;

beforeAll(async () => {
  // The api's cursor key, as the stack generates it, behind the local IAM gate.
  secrets = await startLocalSecretsManager(table.stage, table.iam);
  ({ template, dir: packageDir } = await packagedTemplate('dev'));
  work = await mkdtemp(join(tmpdir(), 'irwatch-bundles-'));
  for (const [, fn] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const spec = fn.Properties as { FunctionName: string; Handler: string };
    const name = spec.Handler.split('/')[1] ?? '';
    const [entry] = zipEntries(join(packageDir, `${name}.zip`));
    if (!entry) throw new Error(`${name}.zip is empty`);
    const path = join(work, name, entry.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, entry.content());
    handlers.set(name, { path, handler: spec.Handler.split('.').at(-1) ?? '' });
  }
});

afterAll(async () => {
  await secrets?.server.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The function's environment from the template, with the table this test created. */
function environmentOf(name: string): Record<string, string> {
  const [, fn] =
    resourcesOfType(template, 'AWS::Lambda::Function').find(([logicalId]) =>
      logicalId.toLowerCase().startsWith(name),
    ) ?? [];
  const variables =
    (fn?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {};
  const refs: Record<string, string> = {
    'AWS::AccountId': '111122223333',
    Table: table.tableName,
    EventBus: `irwatch-dev`,
    Topic: `arn:aws:sns:${REGION}:111122223333:irwatch-dev`,
    CursorKeySecret: secrets.secrets[0]!.arn,
  };
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => {
      if (typeof value === 'string') return [key, value];
      const ref = (value as { Ref?: string }).Ref ?? '';
      if (!(ref in refs)) throw new Error(`${name}: ${key} is ${JSON.stringify(value)}`);
      return [key, refs[ref] as string];
    }),
  );
}

/** Runs `script` in a fresh `node` whose only environment is what Lambda would give `name`. */
async function inLambdaEnvironment(name: string, script: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['-e', script], {
    cwd: work,
    maxBuffer: 4 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '',
      ...environmentOf(name),
      AWS_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: `irwatch-dev-${name}`,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SESSION_TOKEN: 'test-session',
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.server.url,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  }).catch((error: { stderr?: string }) => {
    // Node quotes the failing source line, which in a minified bundle is the whole bundle.
    const stderr = (error.stderr ?? String(error))
      .split('\n')
      .map((text) => (text.length > 240 ? `${text.slice(0, 240)}…` : text))
      .join('\n');
    throw new Error(`The ${name} bundle failed in node:\n${stderr}`);
  });
  const line = stdout.split('\n').find((text) => text.startsWith('RESULT '));
  if (!line) throw new Error(`${name}: no result in ${JSON.stringify(stdout)}`);
  return JSON.parse(line.slice('RESULT '.length)) as unknown;
}

describe('the packaged bundles', () => {
  it.each(['api', 'detect', 'ingest', 'notify', 'web'])(
    '%s loads on its own, with the environment of the template',
    async (name) => {
      const bundle = handlers.get(name);
      expect(bundle).toBeDefined();
      const exported = await inLambdaEnvironment(
        name,
        `const m = require(${JSON.stringify(bundle?.path)});
         console.log('RESULT ' + JSON.stringify(typeof m[${JSON.stringify(bundle?.handler)}]));`,
      );
      expect(exported).toBe('function');
    },
  );

  /** The responses of a bundled handler to `events`, in the function's Lambda environment. */
  const answersOf = async (name: string, events: unknown[]) => {
    const bundle = handlers.get(name);
    return (await inLambdaEnvironment(
      name,
      `const { handler } = require(${JSON.stringify(bundle?.path)});
       const context = { functionName: 'irwatch-dev-${name}', awsRequestId: 'bundle-test',
         getRemainingTimeInMillis: () => 25000 };
       (async () => {
         const responses = [];
         for (const event of ${JSON.stringify(events)}) responses.push(await handler(event, context));
         console.log('RESULT ' + JSON.stringify(responses));
       })();`,
    )) as Array<{ statusCode: number; headers: Record<string, string>; body: string }>;
  };

  it('api answers through its bundled SDK, signed with the Lambda credentials', async () => {
    // A well-formed cursor the key did not sign: checking it needs the key from Secrets Manager.
    const forged = `${Buffer.from('{}').toString('base64url')}.${'A'.repeat(43)}`;
    const [missing, cursor] = await answersOf('api', [
      httpEvent('/jobs/no-such-job'),
      httpEvent(`/jobs?cursor=${forged}`),
    ]);
    expect(missing?.statusCode).toBe(404);
    expect(missing?.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(missing?.body ?? '{}')).toMatchObject({ status: 404 });
    expect(JSON.parse(missing?.body ?? '{}').detail).toContain('no-such-job');
    // The cursor key read with the bundle's own signed GetSecretValue: a 400 about the
    // signature, not a 500 about the key.
    expect(cursor?.statusCode).toBe(400);
    expect(JSON.parse(cursor?.body ?? '{}').detail).toContain('signature does not match');
  });

  it('web serves the OpenAPI document and the dashboard from its bundle', async () => {
    const [openApi, page] = await answersOf('web', [
      httpEvent('/openapi.json'),
      httpEvent('/', { headers: { 'accept-encoding': 'br' } }),
    ]);
    expect(openApi?.statusCode).toBe(200);
    expect(JSON.parse(openApi?.body ?? '{}')).toMatchObject({
      openapi: '3.1.0',
      components: { schemas: { Recommendation: { type: 'object' } } },
    });
    expect(page?.statusCode).toBe(200);
    expect(page?.headers['content-encoding']).toBe('br');
  });
});
