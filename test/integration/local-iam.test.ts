import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ListInferenceRecommendationsJobStepsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalServer } from '../../local/aws/http-server.js';
import { createLocalIam, type LocalIam } from '../../local/aws/iam/local-iam.js';
import {
  dynamodbProtocol,
  eventBridgeProtocol,
  sagemakerProtocol,
  snsProtocol,
  sqsProtocol,
} from '../../local/aws/iam/requests.js';
import { listenGated } from '../../local/aws/iam/gated-proxy.js';
import { startDynalite, type LocalDynamoDb } from '../../local/aws/dynamodb/dynamodb.js';
import { createEventBridgeEndpoint } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import { createSageMakerSimulator } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { createSnsEndpoint } from '../../local/aws/sns/sns-endpoint.js';
import { createSqsEndpoint } from '../../local/aws/sqs/sqs-endpoint.js';
import {
  loadTemplate,
  type CloudFormationTemplate,
} from '../../local/aws/iam/template-policies.js';
import { ACCOUNT, REGION, sampleJob } from '../support/fixtures.js';
import { CALL_LOG_VARIABLE, TEST_USER } from '../support/iam.js';
import { requestWithHost } from '../support/raw-http.js';
import { repoRoot } from '../support/serverless.js';

const STAGE = 'iam';
const service = () =>
  loadTemplate(join(repoRoot, 'serverless.yml'), { stage: STAGE, region: REGION });

function iamOf(definition: CloudFormationTemplate): LocalIam {
  return createLocalIam({
    template: definition,
    environment: { account: ACCOUNT, region: REGION, stage: STAGE },
    user: TEST_USER,
    seed: 'local-iam-test',
    enforceIam: true,
  });
}

/** The role's policy statements, to break on purpose. */
function statementsOf(
  definition: CloudFormationTemplate,
  role: string,
): Array<Record<string, unknown>> {
  const policies = definition.Resources[role]!.Properties!.Policies as Array<{
    PolicyDocument: { Statement: Array<Record<string, unknown>> };
  }>;
  return policies[0]!.PolicyDocument.Statement;
}

const clientOptions = (iam: LocalIam, fn: string, endpoint: string) => {
  const session = iam.identities.forFunction(fn);
  return {
    endpoint,
    region: REGION,
    maxAttempts: 1,
    credentials: {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken!,
    },
  };
};

describe('the local world evaluates each call against the caller role from serverless.yml', () => {
  const simulator = createSageMakerSimulator();
  const servers: LocalServer[] = [];
  const job = sampleJob('xgboost-churn-default');
  simulator.addJob(job);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  async function stepsAsIngest(definition: CloudFormationTemplate) {
    const iam = iamOf(definition);
    const server = await simulator.listen(0, iam.gateFor(sagemakerProtocol));
    servers.push(server);
    const client = new SageMakerClient(clientOptions(iam, 'ingest', server.url));
    return client.send(
      new ListInferenceRecommendationsJobStepsCommand({ JobName: String(job.describe.JobName) }),
    );
  }

  it('lets ingest list a job steps with the template as it is', async () => {
    const answer = await stepsAsIngest(service());
    expect(answer.Steps?.length).toBeGreaterThan(0);
  });

  it('denies ingest the steps, naming action and role, when the statement is scoped to a job ARN again', async () => {
    const broken = service();
    const statement = statementsOf(broken, 'IngestRole').find((s) =>
      String(s.Action).includes('ListInferenceRecommendationsJobSteps'),
    )!;
    statement.Resource = {
      'Fn::Sub':
        'arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:inference-recommendations-job/*',
    };
    await expect(stepsAsIngest(broken)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(
        /assumed-role\/irwatch-iam-IngestRole\/irwatch-local-ingest is not authorized to perform: sagemaker:ListInferenceRecommendationsJobSteps because no identity-based policy allows/,
      ),
    });
  });

  it('denies detect PutEvents on its bus, naming the action, the bus and the role, once the action is removed from its role', async () => {
    const events = createEventBridgeEndpoint({ account: ACCOUNT, region: REGION });
    const send = async (definition: CloudFormationTemplate) => {
      const iam = iamOf(definition);
      const server = await events.listen(0, iam.gateFor(eventBridgeProtocol));
      servers.push(server);
      return new EventBridgeClient(clientOptions(iam, 'detect', server.url)).send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: `irwatch-${STAGE}`, Source: 'irwatch', DetailType: 'x', Detail: '{}' },
          ],
        }),
      );
    };
    await expect(send(service())).resolves.toMatchObject({ FailedEntryCount: 0 });

    const broken = service();
    const statements = statementsOf(broken, 'DetectRole');
    statements.splice(
      statements.findIndex((s) => s.Action === 'events:PutEvents'),
      1,
    );
    await expect(send(broken)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        `irwatch-iam-DetectRole/irwatch-local-detect is not authorized to perform: events:PutEvents on resource: arn:aws:events:${REGION}:${ACCOUNT}:event-bus/irwatch-${STAGE}`,
      ),
    });
  });
});

describe('only the right callers reach a local endpoint', () => {
  const iam = iamOf(service());
  const listeners: Array<{ name: string; server: LocalServer; target: string; query: boolean }> =
    [];
  let dynalite: LocalDynamoDb;

  beforeAll(async () => {
    dynalite = await startDynalite();
    const [dynamo, sagemaker, events, sns, sqs] = await Promise.all([
      listenGated({ url: dynalite.url }, iam.gateFor(dynamodbProtocol)),
      createSageMakerSimulator().listen(0, iam.gateFor(sagemakerProtocol)),
      createEventBridgeEndpoint({ account: ACCOUNT, region: REGION }).listen(
        0,
        iam.gateFor(eventBridgeProtocol),
      ),
      createSnsEndpoint({ account: ACCOUNT, region: REGION }).listen(0, iam.gateFor(snsProtocol)),
      createSqsEndpoint({ account: ACCOUNT, region: REGION }).listen(0, iam.gateFor(sqsProtocol)),
    ]);
    listeners.push(
      { name: 'DynamoDB', server: dynamo, target: 'DynamoDB_20120810.ListTables', query: false },
      {
        name: 'SageMaker',
        server: sagemaker,
        target: 'SageMaker.ListInferenceRecommendationsJobs',
        query: false,
      },
      { name: 'EventBridge', server: events, target: 'AWSEvents.ListRules', query: false },
      { name: 'SNS', server: sns, target: '', query: true },
      { name: 'SQS', server: sqs, target: 'AmazonSQS.ListQueues', query: false },
    );
  });

  afterAll(async () => {
    await Promise.all(listeners.map(({ server }) => server.close()));
    await dynalite?.close();
  });

  const rawPost = (port: number, host: string, target: string) =>
    requestWithHost({
      port,
      host,
      method: 'POST',
      headers: { 'x-amz-target': target },
      body: '{}',
    });

  const unsigned = (
    url: string,
    target: string,
    query: boolean,
    headers: Record<string, string> = {},
  ) =>
    fetch(url, {
      method: 'POST',
      headers: query
        ? { 'content-type': 'application/x-www-form-urlencoded', ...headers }
        : { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers },
      body: query ? 'Action=ListTopics&Version=2010-03-31' : '{}',
    });

  it('answers an unsigned request as AWS does: missing authentication token', async () => {
    for (const { name, server, target, query } of listeners) {
      const answer = await unsigned(server.url, target, query);
      expect(answer.status, name).toBe(query ? 403 : 400);
      expect(await answer.text(), name).toMatch(/MissingAuthenticationToken/);
    }
  });

  it('refuses a foreign Host (DNS rebinding) and a browser Origin on every listener', async () => {
    for (const { name, server, target, query } of listeners) {
      // fetch sets Host itself: a raw request sends the name a rebound DNS entry would.
      const rebound = await rawPost(server.port, `attacker.example:${server.port}`, target);
      expect(rebound.status, name).toBe(403);
      expect(rebound.body, name).toMatch(/Host "attacker\.example/);

      const browser = await unsigned(server.url, target, query, {
        origin: 'https://attacker.example',
      });
      expect(browser.status, name).toBe(403);
      expect(browser.headers.get('access-control-allow-origin'), name).toBeNull();
      expect(await browser.text(), name).toMatch(/browsers/);
    }
  });

  it('refuses keys it does not know and signatures made with the wrong secret', async () => {
    const sagemaker = listeners.find(({ name }) => name === 'SageMaker')!.server;
    const list = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new SageMakerClient({
        endpoint: sagemaker.url,
        region: REGION,
        credentials,
        maxAttempts: 1,
      }).send(new ListInferenceRecommendationsJobStepsCommand({ JobName: 'x' }));
    await expect(list({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' })).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    await expect(
      list({ accessKeyId: TEST_USER.accessKeyId, secretAccessKey: 'not-the-secret' }),
    ).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });
});

describe('the local stack with a permission removed from a role', () => {
  it('fails the function as AWS would: AccessDenied on the console, the event in the dead-letter file', async () => {
    // A copy of the service definition files, with ingest's DescribeInferenceRecommendationsJob removed.
    const copy = await mkdtemp(join(tmpdir(), 'irwatch-iam-'));
    for (const path of ['serverless.yml', 'functions', 'shared/db/table-definition.json']) {
      await cp(join(repoRoot, path), join(copy, path), {
        recursive: true,
        filter: (source) => !source.endsWith('.ts'),
      });
    }
    const resources = join(copy, 'functions/ingest/resources.yml');
    const text = await readFile(resources, 'utf8');
    const broken = text.replace(
      / {14}- Effect: Allow\n {16}Action: sagemaker:DescribeInferenceRecommendationsJob\n[^\n]*\n/,
      '',
    );
    expect(broken).not.toEqual(text);
    await writeFile(resources, broken);

    const { startStack } = await import('../../local/stack/stack.js');
    // Denied on purpose: kept out of the suite's record of what the functions' code sends.
    const callLog = process.env[CALL_LOG_VARIABLE];
    delete process.env[CALL_LOG_VARIABLE];
    const lines: string[] = [];
    const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-iam-data-'));
    const stack = await startStack({
      root: repoRoot,
      config: join(copy, 'serverless.yml'),
      dataDir,
      port: 0,
      pollIntervalSeconds: 3600,
      scenarioSpeed: 1000,
      retryDelayMs: 1,
      log: (line) => lines.push(line),
    });
    try {
      await stack.poll();
      await stack.bus.idle();
      const letters = (await readFile(join(dataDir, 'dead-letter.jsonl'), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { functionName: string; error: string });
      expect(letters.length).toBeGreaterThan(0);
      expect(letters.every((letter) => letter.functionName === 'ingest')).toBe(true);
      expect(letters[0]!.error).toMatch(
        /irwatch-local-IngestRole\/irwatch-local-ingest is not authorized to perform: sagemaker:DescribeInferenceRecommendationsJob on resource: arn:aws:sagemaker:[\w-]+:000000000000:inference-recommendations-job\//,
      );
      expect(
        lines.some((line) => line.includes('AccessDenied') || line.includes('not authorized')),
      ).toBe(true);
    } finally {
      await stack.stop();
      if (callLog) process.env[CALL_LOG_VARIABLE] = callLog;
    }
  });
});
