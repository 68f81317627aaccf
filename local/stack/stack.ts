import { appendFileSync, existsSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { toApiGatewayEvent, writeApiGatewayResult } from './api-adapter.js';
import { httpRouter } from './http-routes.js';
import {
  forwardingOutcomes,
  HUB_ACCOUNT,
  loadSpokeAccount,
  localRegions,
  SPOKE_ACCOUNT,
  SPOKE_PROFILE,
  type SpokeAccount,
} from './accounts.js';
import { createLocalBus, type LocalBus, type PendingDelivery } from '../aws/eventbridge/bus.js';
import {
  dataDirPath,
  ensureWritableDataDir,
  lockDataDir,
  takeLegacyCursorKey,
} from './data-dir.js';
import { repairIndexes, startDynalite } from '../aws/dynamodb/dynamodb.js';
import { migrateJobKeys, schemaItem } from './migrate-keys.js';
import {
  createEventBridgeEndpoint,
  type BusEvent,
} from '../aws/eventbridge/eventbridge-endpoint.js';
import { listen, send } from '../aws/http-server.js';
import { createFailureReporter } from './failure-reporter.js';
import { foreignCallerReason } from '../aws/iam/gate.js';
import { listenGated } from '../aws/iam/gated-proxy.js';
import { createLocalIam } from '../aws/iam/local-iam.js';
import { loadTemplate } from '../aws/iam/template-policies.js';
import { LOCAL_PROFILE, localUserCredentials } from '../aws/iam/user-credentials.js';
import {
  dynamodbProtocol,
  eventBridgeProtocol,
  sagemakerProtocol,
  secretsManagerProtocol,
  snsProtocol,
  sqsProtocol,
  stsProtocol,
} from '../aws/iam/requests.js';
import { openJournal } from '../aws/journal.js';
import { createLambdaRuntime } from '../aws/lambda/lambda.js';
import { createOutbox } from '../aws/sns/outbox.js';
import { createSageMakerSimulator, loadSampleJobs } from '../aws/sagemaker/sagemaker-simulator.js';
import { scenarioJobs } from '../aws/sagemaker/scenario.js';
import { readServerlessConfig } from './serverless-config.js';
import { createSnsEndpoint } from '../aws/sns/sns-endpoint.js';
import { cloudTrailEvent } from '../aws/cloudtrail/cloudtrail.js';
import { createSqsEndpoint } from '../aws/sqs/sqs-endpoint.js';
import { createStsEndpoint } from '../aws/sts/sts-endpoint.js';
import type { SimulatorApiCall } from '../aws/sagemaker/sagemaker-simulator.js';
import { recordSageMakerCall, replaySageMakerCalls } from '../aws/sagemaker/sagemaker-journal.js';
import { createTableInput } from '../../shared/db/table.js';
import {
  createSecretsManagerEndpoint,
  provisionSecrets,
  templateSecrets,
} from '../aws/secretsmanager/secrets-manager-endpoint.js';

export interface StackOptions {
  /** The irwatch checkout whose handlers and samples run; this package by default. */
  root?: string;
  /** The serverless.yml whose functions and rules the stack runs; `<root>/serverless.yml` by default. */
  config?: string;
  dataDir?: string;
  port?: number;
  host?: string;
  pollIntervalSeconds?: number;
  /** How often the reconciliation (detect's backfill rule) runs; it also runs at start-up. */
  reconcileIntervalSeconds?: number;
  /** How many times faster than real time the scenario jobs move (1 = over about two minutes). */
  scenarioSpeed?: number;
  webhook?: string;
  /** Delay before a failed delivery is retried; doubles per attempt. */
  retryDelayMs?: number;
  log?: (line: string) => void;
  /** Logs every detector round, not only those that found changes. */
  verbose?: boolean;
  /**
   * Evaluates every call of the functions against their roles (the default). Off, any signed
   * call is allowed, whoever signed it: for debugging, or to let the functions use your own
   * credentials with a real SageMaker.
   */
  iam?: boolean;
}

export interface LocalStack {
  url: string;
  dataDir: string;
  /** False when AWS_ENDPOINT_URL_SAGEMAKER named a SageMaker to use instead of the simulator. */
  simulated: boolean;
  bus: LocalBus;
  endpoints: Record<
    'dynamodb' | 'sagemaker' | 'eventbridge' | 'sns' | 'sqs' | 'sts' | 'secretsmanager',
    string
  >;
  /** The accounts of the local world, the hub first, with the AWS profile of each one's user. */
  accounts: Array<{ id: string; profile: string; hub: boolean }>;
  /** The regions every account has, the hub's first. */
  regions: string[];
  /** What the hub presents when it assumes a spoke's reader role. */
  spokeExternalId: string;
  /** Where the local user's keys and region are, for the AWS CLI and the SDKs. */
  awsFiles: { credentials: string; config: string; profile: string };
  /** Runs the detector once, as its schedule does. */
  poll(): Promise<void>;
  /** Runs the reconciliation once, as its schedule does. */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

export class StackStartError extends Error {
  override name = 'StackStartError';
}

const STAGE = 'local';
const REGION = process.env.AWS_REGION ?? 'us-east-1';
const ACCOUNT = HUB_ACCOUNT;
const REGIONS = localRegions(REGION);

/**
 * Creates the table, marked as holding the current layout; a table an earlier version wrote is
 * migrated to it (local/stack/migrate-keys.ts), which reads one item when there is nothing to do.
 */
async function ensureTable(
  endpoint: string,
  tableName: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  log: (line: string) => void,
): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials });
  const doc = DynamoDBDocumentClient.from(client);
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    const report = await migrateJobKeys(doc, tableName, {
      home: { accountId: ACCOUNT, region: REGION },
    });
    if (!report.alreadyMigrated) {
      log(
        `dynamodb: keyed ${report.jobsMigrated} job(s) by account and region (${report.itemsWritten} items written, ${report.itemsDeleted} old items deleted), ${report.recommendationListsWritten} job(s) given their recommendation list, ${report.modelEntriesWritten} job(s) entered in their models' items`,
      );
    }
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await doc.send(new PutCommand({ TableName: tableName, Item: schemaItem() }));
  } finally {
    client.destroy();
  }
}

/**
 * irwatch on one machine, in one process: dynalite persisted in the data folder, the SageMaker
 * simulator with scenario jobs (unless AWS_ENDPOINT_URL_SAGEMAKER points elsewhere), the irwatch
 * bus routing by the rules of serverless.yml, SNS as an outbox, the detector on a timer and the
 * HTTP API. The handlers run unchanged; the SDK finds every local server through its own
 * AWS_ENDPOINT_URL_* variables.
 */
export async function startStack(options: StackOptions = {}): Promise<LocalStack> {
  const started: Closable[] = [];
  try {
    return await launch(options, started);
  } catch (error) {
    // Whatever did start is shut down, so a failed start leaves no port open and exits.
    for (const server of started.reverse()) await server.close().catch(() => undefined);
    throw error;
  }
}

interface Closable {
  close(): Promise<void>;
}

async function launch(options: StackOptions, servers: Closable[]): Promise<LocalStack> {
  const root = resolve(options.root ?? join(import.meta.dirname, '..', '..'));
  const dataDir = dataDirPath(options.dataDir ?? join(root, '.irwatch'));
  const log = options.log ?? ((line: string) => console.log(line));
  const configPath = resolve(options.config ?? join(root, 'serverless.yml'));
  const service = readServerlessConfig(configPath, STAGE);

  await ensureWritableDataDir(dataDir);
  const lock = await lockDataDir(dataDir);
  servers.push({ close: () => lock.release() });

  const tableName = `irwatch-${STAGE}`;
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:irwatch-${STAGE}`;
  const retryDelayMs = options.retryDelayMs ?? 1_000;

  const enforceIam = options.iam ?? true;
  // Every call the gates evaluated, one JSON line each: what the functions really send.
  const callLog = process.env.IRWATCH_IAM_CALL_LOG;
  const user = await localUserCredentials(dataDir, REGION, [SPOKE_PROFILE]);
  const spokeTemplate = join(root, 'spoke/template.yml');
  // The spoke account's stacks, one per region, made with the hub's external ID.
  const spoke: SpokeAccount | undefined = existsSync(spokeTemplate)
    ? loadSpokeAccount({
        templatePath: spokeTemplate,
        account: SPOKE_ACCOUNT,
        regions: REGIONS,
        hub: { account: ACCOUNT, region: REGION, stage: STAGE },
        externalId: user.externalId,
      })
    : undefined;
  const accounts = [
    { id: ACCOUNT, profile: LOCAL_PROFILE, hub: true },
    ...(spoke ? [{ id: SPOKE_ACCOUNT, profile: SPOKE_PROFILE, hub: false }] : []),
  ];
  // The stage's watch parameters, as `osls deploy --param` passes them (README: Many accounts),
  // and what serverless.yml then gives detect and ingest.
  // A SageMaker of the user's own (AWS_ENDPOINT_URL_SAGEMAKER) is one account's in one region:
  // irwatch watches that alone.
  const externalSageMaker = process.env.AWS_ENDPOINT_URL_SAGEMAKER;
  const watchParameters = {
    watchedAccounts: spoke && !externalSageMaker ? SPOKE_ACCOUNT : '',
    watchedRegions: externalSageMaker ? REGION : REGIONS.join(','),
    spokeExternalId: user.externalId,
  };
  const watchEnvironment = {
    HOME_ACCOUNT_ID: ACCOUNT,
    WATCHED_ACCOUNTS: watchParameters.watchedAccounts,
    WATCHED_REGIONS: watchParameters.watchedRegions,
    SPOKE_ROLE_NAME: `irwatch-${STAGE}-reader`,
    SPOKE_EXTERNAL_ID: watchParameters.spokeExternalId,
  };
  const template = loadTemplate(configPath, {
    stage: STAGE,
    region: REGION,
    parameters: watchParameters,
  });
  const iam = createLocalIam({
    template,
    environment: { account: ACCOUNT, region: REGION, stage: STAGE },
    user: user.keys,
    seed: user.seed,
    otherAccounts: spoke
      ? [
          {
            user: {
              account: SPOKE_ACCOUNT,
              userName: SPOKE_PROFILE,
              keys: user.profiles.get(SPOKE_PROFILE)!,
            },
            roles: spoke.roles,
          },
        ]
      : [],
    enforceIam,
    ...(callLog ? { record: (call) => appendFileSync(callLog, `${JSON.stringify(call)}\n`) } : {}),
  });
  if (!enforceIam) {
    log('IAM is off (--no-iam): every signed call is allowed, whoever signed it');
  }

  const tablePath = join(dataDir, 'dynamodb');
  const repair = await repairIndexes(tablePath);
  if (repair.staleEntries > 0) {
    log(`dynamodb: removed ${repair.staleEntries} index entries an interrupted write had left`);
  }
  // dynalite listens on a socket file in the private data folder; only the gate listens on a port.
  const socketPath = join(dataDir, 'dynamodb.sock');
  await unlink(socketPath).catch(() => undefined);
  const dynamo = await startDynalite({ path: tablePath, socketPath });
  servers.push(dynamo);
  // DynamoDB, the buses, the topic and the queues are the hub's: other accounts have none here.
  const hubOnly = { accounts: [ACCOUNT] };
  const dynamoGate = await listenGated({ socketPath }, iam.gateFor(dynamodbProtocol, hubOnly));
  servers.push(dynamoGate);
  await ensureTable(dynamoGate.url, tableName, user.keys, log);

  let sagemakerUrl = externalSageMaker;
  // CloudTrail: the simulator's create and stop calls reach the default bus once it exists.
  let cloudTrail: (call: SimulatorApiCall) => void = () => undefined;
  if (!externalSageMaker) {
    // Each call acts in its caller's account and signed region; jobs added here are the hub's.
    const simulator = createSageMakerSimulator({
      account: ACCOUNT,
      createdJobDurationMs: 120_000 / (options.scenarioSpeed ?? 1),
      onApiCall: (call) => {
        recordSageMakerCall(dataDir, call);
        cloudTrail(call);
      },
    });
    for (const skipped of replaySageMakerCalls(dataDir, simulator))
      log(`sagemaker: skipped ${skipped}`);
    for (const job of scenarioJobs(loadSampleJobs(join(root, 'events/sagemaker/jobs')), dataDir, {
      speed: options.scenarioSpeed,
    })) {
      simulator.addJob(job, { account: ACCOUNT, region: REGION });
    }
    const server = await simulator.listen(0, iam.gateFor(sagemakerProtocol));
    servers.push(server);
    sagemakerUrl = server.url;
  }

  const sts = await createStsEndpoint({ identities: iam.identities }).listen(
    0,
    iam.gateFor(stsProtocol),
  );
  servers.push(sts);

  const runtime = createLambdaRuntime({
    root,
    functions: service.functions,
    region: REGION,
    account: ACCOUNT,
    stage: STAGE,
    environmentOf: (fn) => ({
      ...(process.env as Record<string, string>),
      ...watchEnvironment,
      ...(enforceIam ? iam.identities.environmentOf(iam.identities.forFunction(fn.name)) : {}),
    }),
  });
  const busJournal = await openJournal<PendingDelivery>(join(dataDir, 'bus-journal.jsonl'));
  const bus = createLocalBus({
    functions: service.functions,
    invoke: runtime.invoke,
    journal: busJournal,
    deadLetterFile: join(dataDir, 'dead-letter.jsonl'),
    retryDelayMs,
    // Some events have no rule by design (a Recorded event of a job still running): not a fault.
    onUnmatched: (event) => {
      if (options.verbose) log(`bus: no rule takes ${event['detail-type']} from ${event.source}`);
    },
    onRetry: (name, attempt, error) =>
      log(`bus: ${name} failed (attempt ${attempt}), retrying: ${(error as Error).message}`),
    onDeadLetter: (letter) =>
      log(
        `bus: ${letter.functionName} gave up after ${letter.attempts} attempts (${letter.error}) -> dead-letter.jsonl`,
      ),
    onError: (error) =>
      log(`bus: delivery kept in the journal for the next start: ${String(error)}`),
  });
  servers.push({ close: () => busJournal.close() });

  const hubBusArn = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/irwatch-${STAGE}`;
  const deliver = (busName: 'default' | 'irwatch', event: BusEvent) =>
    // CloudTrail delivers its events at most once and late as well; the poll covers a lost one.
    bus
      .publish(busName, [event])
      .catch((error: unknown) => log(`cloudtrail: event not delivered: ${String(error)}`));
  cloudTrail = (call) => {
    const where = `${call.account}/${call.region}`;
    log(`cloudtrail: ${call.operation} ${String(call.input.JobName)} in ${where}`);
    const event = cloudTrailEvent(call);
    // The event lands on the default bus of the call's account and region: the hub's own rules
    // see it in the hub's region; a spoke's forward rule sends it on to the hub's bus.
    if (call.account === ACCOUNT && call.region === REGION) {
      void deliver('default', event);
      return;
    }
    if (!spoke || call.account !== spoke.account) return;
    forwardingOutcomes(spoke, event, (arn) => iam.resourcePolicies.get(arn), Date.now())
      .then((outcomes) => {
        for (const outcome of outcomes) {
          if (outcome.rule.target !== hubBusArn) continue;
          // With --no-iam the policies do not decide, here as at the endpoints.
          if (!outcome.delivered && enforceIam) {
            log(`cloudtrail: ${outcome.rule.ruleArn} did not forward it: ${outcome.reason}`);
          } else {
            log(`cloudtrail: ${outcome.rule.ruleArn} forwarded it to ${hubBusArn}`);
            void deliver('irwatch', event);
          }
        }
      })
      .catch((error: unknown) => log(`cloudtrail: forwarding failed: ${String(error)}`));
  };

  const eventBridge = createEventBridgeEndpoint({
    account: ACCOUNT,
    region: REGION,
    buses: ['default', `irwatch-${STAGE}`],
    rules: service.functions.flatMap((fn) =>
      fn.eventBridge.map((trigger, index) => ({
        name: trigger.name ?? `irwatch-${STAGE}-${fn.name}-rule-${index + 1}`,
        eventBusName: trigger.bus === 'irwatch' ? `irwatch-${STAGE}` : 'default',
        ...(trigger.pattern !== undefined ? { eventPattern: JSON.stringify(trigger.pattern) } : {}),
        ...(trigger.schedule !== undefined ? { scheduleExpression: trigger.schedule } : {}),
        ...(trigger.description !== undefined ? { description: trigger.description } : {}),
      })),
    ),
    onDropped: (records) =>
      log(
        `events: ${records.length} event(s) put to bus ${records[0]?.busName}, which does not exist: accepted and dropped, as AWS does`,
      ),
    onEvents: async (_events, records) => {
      const onIrwatch = records.filter((record) => record.busName === `irwatch-${STAGE}`);
      const onDefault = records.filter((record) => record.busName !== `irwatch-${STAGE}`);
      await bus.publish(
        'irwatch',
        onIrwatch.map((record) => record.event),
      );
      await bus.publish(
        'default',
        onDefault.map((record) => record.event),
      );
    },
  });
  const sqs = createSqsEndpoint({ account: ACCOUNT, region: REGION });
  const outbox = await createOutbox({ dataDir, webhook: options.webhook, retryDelayMs, log });
  servers.push({ close: () => outbox.close() });
  const sns = createSnsEndpoint({
    account: ACCOUNT,
    region: REGION,
    topics: [topicArn],
    deliverToQueue: (queueArn, body, attributes) => sqs.sendToArn(queueArn, body, attributes),
    onPublish: (message) => outbox.accept(message),
  });
  const [eventsServer, snsServer, sqsServer] = await Promise.all([
    eventBridge.listen(0, iam.gateFor(eventBridgeProtocol, hubOnly)),
    sns.listen(0, iam.gateFor(snsProtocol, hubOnly)),
    sqs.listen(0, iam.gateFor(sqsProtocol, hubOnly)),
  ]);
  servers.push(eventsServer, snsServer, sqsServer);
  // The template's secrets (the api's cursor key), created at start as CloudFormation does at
  // the first deploy, and kept with the data so that cursors survive a restart. A data folder of
  // an earlier version kept the cursor key in a file of its own: the secret takes it over.
  const cursorKeyName = `irwatch/${STAGE}/api/cursor-key`;
  const legacyCursorKey = await takeLegacyCursorKey(dataDir);
  const secrets = createSecretsManagerEndpoint(
    await provisionSecrets(
      dataDir,
      templateSecrets(template, { account: ACCOUNT, region: REGION, stage: STAGE }),
      legacyCursorKey && { adopt: new Map([[cursorKeyName, legacyCursorKey.key]]) },
    ),
  );
  await legacyCursorKey?.done();
  const secretsServer = await secrets.listen(
    0,
    iam.gateFor(secretsManagerProtocol(secrets.arnOf), hubOnly),
  );
  servers.push(secretsServer);
  const cursorKeySecret = secrets.arnOf(cursorKeyName);

  Object.assign(process.env, {
    AWS_REGION: REGION,
    HOME_ACCOUNT_ID: ACCOUNT,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoGate.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventsServer.url,
    AWS_ENDPOINT_URL_SNS: snsServer.url,
    AWS_ENDPOINT_URL_SQS: sqsServer.url,
    AWS_ENDPOINT_URL_SAGEMAKER: sagemakerUrl,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsServer.url,
    TABLE_NAME: tableName,
    EVENT_BUS_NAME: `irwatch-${STAGE}`,
    TOPIC_ARN: topicArn,
    // Running jobs' steps are read again at every poll here (deployed: every 5 minutes).
    PROGRESS_REFRESH_SECONDS: String(options.pollIntervalSeconds ?? 5),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    // Its ARN, as serverless.yml gives it (`!Ref CursorKeySecret`); the api reads the value.
    ...(cursorKeySecret ? { CURSOR_KEY_SECRET_ARN: cursorKeySecret } : {}),
  });

  // The function each request goes to, by the httpApi routes of serverless.yml (GET / and
  // GET /openapi.json: web; the data routes and anything unmatched: api).
  const fallback =
    service.functions.find((fn) => fn.name === 'api') ??
    service.functions.find((fn) => fn.httpApi.length > 0);
  const router = httpRouter(service.functions, fallback?.name);
  let apiPort = 0;
  const apiServer = await listen(
    async (req, res) => {
      const foreign = foreignCallerReason(req, apiPort);
      if (foreign) {
        send(
          res,
          403,
          JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: foreign }),
          { 'content-type': 'application/problem+json' },
        );
        return;
      }
      const event = await toApiGatewayEvent(req);
      const target = router.functionFor(event.requestContext.http.method, event.rawPath);
      if (!target) {
        res.writeHead(503, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'No HTTP API function in serverless.yml', status: 503 }));
        return;
      }
      writeApiGatewayResult(res, await runtime.invoke(target, event));
    },
    { port: options.port ?? 3000, host: options.host ?? '127.0.0.1' },
  ).catch((error: NodeJS.ErrnoException) => {
    throw new StackStartError(
      error.code === 'EADDRINUSE'
        ? `Port ${options.port ?? 3000} is in use: stop what runs there or pass --port`
        : `Cannot serve the API: ${error.message}`,
    );
  });
  servers.push(apiServer);
  apiPort = apiServer.port;

  const scheduleRules = service.functions.flatMap((fn) =>
    fn.eventBridge.filter((rule) => rule.schedule).map((rule) => ({ fn, input: rule.input })),
  );
  const runScheduled = async (kind: 'poll' | 'reconcile') => {
    const event: BusEvent = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: REGION,
      resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/irwatch-${STAGE}-${kind}`],
      detail: {},
    };
    // A rule with a constant input (the reconciliation) sends that input instead of the event.
    const rules = scheduleRules.filter(
      (rule) => (rule.input !== undefined) === (kind === 'reconcile'),
    );
    await Promise.all(
      rules.map(async ({ fn, input }) => {
        try {
          const report = (await runtime.invoke(fn.name, input ?? event)) as
            { jobsListed?: number; stateChanges?: number } | undefined;
          if (options.verbose || report?.stateChanges || kind === 'reconcile') {
            log(
              `${fn.name}: ${kind} listed ${report?.jobsListed ?? 0} job(s), ${report?.stateChanges ?? 0} state change(s)`,
            );
          }
        } catch (error) {
          reportFailure(`${fn.name}: ${kind} failed: ${(error as Error).message}`);
        }
      }),
    );
  };
  const reportFailure = createFailureReporter(log);
  const poll = () => runScheduled('poll');
  const reconcile = () => runScheduled('reconcile');
  const interval = (options.pollIntervalSeconds ?? 5) * 1000;
  let polling = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(poll);
  }, interval);
  const reconcileTimer = setInterval(
    () => {
      polling = polling.then(reconcile);
    },
    (options.reconcileIntervalSeconds ?? 86_400) * 1000,
  );
  // What a killed process left undelivered goes first, then a reconciliation repairs any drift.
  const resumed = bus.resume();
  if (resumed > 0) log(`bus: resuming ${resumed} delivery(ies) a previous run left unfinished`);
  polling = polling.then(reconcile).then(poll);

  const endpoints = {
    dynamodb: dynamoGate.url,
    sagemaker: sagemakerUrl ?? '',
    eventbridge: eventsServer.url,
    sns: snsServer.url,
    sqs: sqsServer.url,
    sts: sts.url,
    secretsmanager: secretsServer.url,
  };
  await writeFile(
    join(dataDir, 'stack.json'),
    `${JSON.stringify({ api: apiServer.url, ...endpoints, tableName, busName: `irwatch-${STAGE}`, topicArn, account: ACCOUNT, region: REGION, stage: STAGE, accounts, regions: REGIONS, spokeExternalId: user.externalId, watchEnvironment, config: configPath, awsFiles: user.files, iam: enforceIam, pid: process.pid }, null, 2)}\n`,
    { mode: 0o600 },
  );

  return {
    url: apiServer.url,
    dataDir,
    simulated: !externalSageMaker,
    bus,
    endpoints,
    accounts,
    regions: REGIONS,
    spokeExternalId: user.externalId,
    awsFiles: user.files,
    poll,
    reconcile,
    async stop() {
      clearInterval(timer);
      clearInterval(reconcileTimer);
      await polling;
      await bus.idle();
      await outbox.idle();
      await runtime.stop();
      // Last started, first closed: the servers, then the journals, the database and the lock.
      for (const server of [...servers].reverse()) await server.close();
    },
  };
}
