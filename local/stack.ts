import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toApiGatewayEvent, writeApiGatewayResult } from './api-adapter.js';
import { createLocalBus, type LocalBus, type PendingDelivery } from './bus.js';
import { dataDirPath, ensureWritableDataDir, lockDataDir } from './data-dir.js';
import { repairIndexes, startDynalite } from './dynamodb.js';
import { createEventBridgeEndpoint, type BusEvent } from './eventbridge-endpoint.js';
import { listen } from './http-server.js';
import { createFailureReporter } from './failure-reporter.js';
import { openJournal } from './journal.js';
import { createLambdaRuntime } from './lambda.js';
import { createOutbox } from './outbox.js';
import { createSageMakerSimulator, loadSampleJobs } from './sagemaker-simulator.js';
import { scenarioJobs } from './scenario.js';
import { readServerlessConfig } from './serverless-config.js';
import { createSnsEndpoint } from './sns-endpoint.js';
import { createTableInput } from '../shared/db/table.js';

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
}

export interface LocalStack {
  url: string;
  dataDir: string;
  /** False when AWS_ENDPOINT_URL_SAGEMAKER named a SageMaker to use instead of the simulator. */
  simulated: boolean;
  bus: LocalBus;
  endpoints: Record<'dynamodb' | 'sagemaker' | 'eventbridge' | 'sns', string>;
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
const ACCOUNT = '000000000000';

async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  // dynalite accepts any signature; the stack's own credentials may not exist yet.
  const client = new DynamoDBClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
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

/** The cursor key of the local API, kept with the data so cursors survive a restart. */
async function localCursorKey(dataDir: string): Promise<string> {
  const file = join(dataDir, 'cursor-key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const key = randomBytes(48).toString('base64');
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

async function launch(options: StackOptions, servers: Closable[]): Promise<LocalStack> {
  const root = resolve(options.root ?? join(import.meta.dirname, '..'));
  const dataDir = dataDirPath(options.dataDir ?? join(root, '.irwatch'));
  const log = options.log ?? ((line: string) => console.log(line));
  const service = readServerlessConfig(
    resolve(options.config ?? join(root, 'serverless.yml')),
    STAGE,
  );

  await ensureWritableDataDir(dataDir);
  const lock = await lockDataDir(dataDir);
  servers.push({ close: () => lock.release() });

  const tableName = `irwatch-${STAGE}`;
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:irwatch-${STAGE}`;
  const retryDelayMs = options.retryDelayMs ?? 1_000;

  const tablePath = join(dataDir, 'dynamodb');
  const repair = await repairIndexes(tablePath);
  if (repair.staleEntries > 0) {
    log(`dynamodb: removed ${repair.staleEntries} index entries an interrupted write had left`);
  }
  const dynamo = await startDynalite({ path: tablePath });
  servers.push(dynamo);
  await ensureTable(dynamo.url, tableName);

  const externalSageMaker = process.env.AWS_ENDPOINT_URL_SAGEMAKER;
  let sagemakerUrl = externalSageMaker;
  if (!externalSageMaker) {
    const simulator = createSageMakerSimulator();
    for (const job of scenarioJobs(loadSampleJobs(join(root, 'events/sagemaker/jobs')), dataDir, {
      speed: options.scenarioSpeed,
    })) {
      simulator.addJob(job);
    }
    const server = await simulator.listen();
    servers.push(server);
    sagemakerUrl = server.url;
  }

  const runtime = createLambdaRuntime(root, service.functions, REGION);
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

  const eventBridge = createEventBridgeEndpoint({
    account: ACCOUNT,
    region: REGION,
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
  const outbox = await createOutbox({ dataDir, webhook: options.webhook, retryDelayMs, log });
  servers.push({ close: () => outbox.close() });
  const sns = createSnsEndpoint({
    account: ACCOUNT,
    region: REGION,
    topics: [topicArn],
    onPublish: (message) => outbox.accept(message),
  });
  const [eventsServer, snsServer] = await Promise.all([eventBridge.listen(), sns.listen()]);
  servers.push(eventsServer, snsServer);

  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventsServer.url,
    AWS_ENDPOINT_URL_SNS: snsServer.url,
    AWS_ENDPOINT_URL_SAGEMAKER: sagemakerUrl,
    TABLE_NAME: tableName,
    EVENT_BUS_NAME: `irwatch-${STAGE}`,
    TOPIC_ARN: topicArn,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    CURSOR_KEY: await localCursorKey(dataDir),
  });
  // Local servers accept any signature; the SDK still needs credentials to sign with.
  if (!externalSageMaker && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE) {
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  }

  const api = service.functions.find((fn) => fn.httpApi.length > 0);
  const apiServer = await listen(
    async (req, res) => {
      if (!api) {
        res.writeHead(503, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'No HTTP API function in serverless.yml', status: 503 }));
        return;
      }
      writeApiGatewayResult(res, await runtime.invoke(api.name, await toApiGatewayEvent(req)));
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
    dynamodb: dynamo.url,
    sagemaker: sagemakerUrl ?? '',
    eventbridge: eventsServer.url,
    sns: snsServer.url,
  };
  await writeFile(
    join(dataDir, 'stack.json'),
    `${JSON.stringify({ api: apiServer.url, ...endpoints, tableName, busName: `irwatch-${STAGE}`, topicArn, pid: process.pid }, null, 2)}\n`,
  );

  return {
    url: apiServer.url,
    dataDir,
    simulated: !externalSageMaker,
    bus,
    endpoints,
    poll,
    reconcile,
    async stop() {
      clearInterval(timer);
      clearInterval(reconcileTimer);
      await polling;
      await bus.idle();
      await outbox.idle();
      // Last started, first closed: the servers, then the journals, the database and the lock.
      for (const server of [...servers].reverse()) await server.close();
    },
  };
}
