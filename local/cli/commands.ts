import { existsSync } from 'node:fs';
import { appendFile, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isAccountId } from '../../shared/accounts.js';
import { rulesOf, type DeadLetter } from '../aws/eventbridge/bus.js';
import { matchesEventPattern } from '../aws/eventbridge/event-pattern.js';
import { migrateJobKeys } from '../stack/migrate-keys.js';
import { redriveExitCode, redriveQueues } from './redrive-queues.js';
import { localRoleSession } from '../aws/iam/local-iam.js';
import { readServerlessConfig } from '../stack/serverless-config.js';
import { untilInterrupted } from './signals.js';
import { startStack, StackStartError } from '../stack/stack.js';

type Options = Record<string, string | boolean | undefined>;

const str = (options: Options, name: string) =>
  typeof options[name] === 'string' ? options[name] : undefined;

const dataDirOf = (options: Options) => resolve(str(options, 'data-dir') ?? '.irwatch');

function positiveNumber(options: Options, name: string, fallback: number): number {
  const raw = str(options, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new StackStartError(`--${name} must be a positive number, got "${raw}"`);
  }
  return value;
}

export async function runStart(options: Options): Promise<number> {
  const port = positiveNumber(options, 'port', 3000);
  const pollIntervalSeconds = positiveNumber(options, 'poll-interval', 5);
  const reconcileIntervalSeconds = positiveNumber(options, 'reconcile-interval', 86_400);
  const stack = await startStack({
    reconcileIntervalSeconds,
    retryDelayMs: positiveNumber(options, 'retry-delay', 1) * 1000,
    dataDir: dataDirOf(options),
    config: str(options, 'config'),
    port,
    pollIntervalSeconds,
    webhook: str(options, 'webhook'),
    scenarioSpeed: positiveNumber(options, 'scenario-speed', 1),
    verbose: options.verbose === true,
    iam: options['no-iam'] !== true,
  });
  // The accounts and regions the stack simulates (and irwatch watches), from what it wrote.
  const watched = JSON.parse(await readFile(join(stack.dataDir, 'stack.json'), 'utf8')) as {
    accounts: Array<{ id: string; profile: string }>;
    regions: string[];
  };
  console.log(
    [
      // performance.now() counts from this process's start, so this is the whole start-up.
      `irwatch local stack up in ${Math.round(performance.now())} ms`,
      `  API and dashboard  ${stack.url.replace('127.0.0.1', 'localhost')}   (try: curl ${stack.url.replace('127.0.0.1', 'localhost')}/jobs)`,
      `  DynamoDB           ${stack.endpoints.dynamodb}   (dynalite, data in ${stack.dataDir})`,
      `  SageMaker          ${stack.endpoints.sagemaker}${stack.simulated ? '   (simulator with scenario jobs)' : '   (from AWS_ENDPOINT_URL_SAGEMAKER)'}`,
      `  EventBridge        ${stack.endpoints.eventbridge}   (bus irwatch-local)`,
      `  SNS                ${stack.endpoints.sns}   (outbox: ${join(stack.dataDir, 'outbox.jsonl')})`,
      `  SQS                ${stack.endpoints.sqs}`,
      `  Secrets Manager    ${stack.endpoints.secretsmanager}   (the api's cursor key, in ${join(stack.dataDir, 'secrets.json')})`,
      `  endpoints for the AWS CLI and SDKs: ${join(stack.dataDir, 'stack.json')}`,
      `  accounts           ${watched.accounts.map((account) => `${account.id} (profile ${account.profile})`).join(', ')}; regions ${watched.regions.join(', ')}`,
      `  IAM                ${options['no-iam'] === true ? 'OFF (--no-iam): every signed call is allowed' : "each function's calls evaluated against its role in serverless.yml"}`,
      `  detector           every ${pollIntervalSeconds} s; reconciliation every ${reconcileIntervalSeconds} s`,
      'Ctrl-C stops.',
    ].join('\n'),
  );
  await untilInterrupted();
  console.log('Stopping…');
  await stack.stop();
  return 0;
}

interface StackInfo {
  api: string;
  dynamodb: string;
  sagemaker: string;
  eventbridge: string;
  sns: string;
  tableName: string;
  busName: string;
  topicArn: string;
  /** The local user's AWS credentials and config files (the stack's endpoints verify signatures). */
  awsFiles?: { credentials: string; config: string; profile: string };
  account?: string;
  region?: string;
  stage?: string;
  /** The serverless.yml the stack runs. */
  config?: string;
  sts?: string;
  /** What the stack gives detect and ingest: the accounts and regions it watches. */
  watchEnvironment?: Record<string, string>;
}

async function runningStack(options: Options): Promise<StackInfo> {
  const file = join(dataDirOf(options), 'stack.json');
  if (!existsSync(file)) {
    throw new StackStartError(`No local stack found (${file} is missing): run npm start first`);
  }
  const info = JSON.parse(await readFile(file, 'utf8')) as StackInfo;
  try {
    await fetch(info.eventbridge, { method: 'POST' });
  } catch {
    throw new StackStartError(
      `The local stack in ${dataDirOf(options)} is not running: run npm start`,
    );
  }
  return info;
}

/** Points this process's SDK clients and handlers at the running local stack. */
function useStack(info: StackInfo): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: info.dynamodb,
    AWS_ENDPOINT_URL_SAGEMAKER: info.sagemaker,
    AWS_ENDPOINT_URL_EVENTBRIDGE: info.eventbridge,
    AWS_ENDPOINT_URL_SNS: info.sns,
    ...(info.sts ? { AWS_ENDPOINT_URL_STS: info.sts } : {}),
    ...info.watchEnvironment,
    TABLE_NAME: info.tableName,
    EVENT_BUS_NAME: info.busName,
    TOPIC_ARN: info.topicArn,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  if (info.awsFiles) {
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: info.awsFiles.credentials,
      AWS_CONFIG_FILE: info.awsFiles.config,
      AWS_PROFILE: info.awsFiles.profile,
    });
    // The local endpoints know only the local user's keys: keys from the environment would win.
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      delete process.env[name];
    }
  }
}

/** Backfill through the real detect handler, against the running local stack. */
export async function runBackfill(options: Options): Promise<number> {
  const info = await runningStack(options);
  useStack(info);
  // As `osls invoke -f detect` runs deployed: with detect's role (the bus admits no one else).
  if (info.config && info.account && info.stage) {
    const session = await localRoleSession(
      {
        config: info.config,
        dataDir: dataDirOf(options),
        environment: {
          account: info.account,
          region: info.region ?? 'us-east-1',
          stage: info.stage,
        },
      },
      { function: 'detect' },
    );
    delete process.env.AWS_PROFILE;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: session.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
      ...(session.sessionToken ? { AWS_SESSION_TOKEN: session.sessionToken } : {}),
    });
  }
  const { handler } = await import('../../functions/detect/handler.js');
  const started = Date.now();
  const ticker = setInterval(() => {
    process.stderr.write(
      `\rbackfill: listing and emitting… ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }, 1000);
  try {
    const report = await handler({ backfill: true } as never, {} as never);
    process.stderr.write('\r');
    console.log(`backfill: ${JSON.stringify(report)}`);
    return 0;
  } finally {
    clearInterval(ticker);
  }
}

/**
 * A client for the local irwatch bus. Its policy admits only irwatch's own roles, so an operator
 * puts events back as the stack's RedriveRole, as `irwatch redrive --stage` does when deployed.
 */
async function busClient(info: StackInfo, dataDir: string): Promise<EventBridgeClient> {
  const region = info.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const credentials =
    info.config && info.account && info.stage
      ? await localRoleSession(
          {
            config: info.config,
            dataDir,
            environment: { account: info.account, region, stage: info.stage },
          },
          { role: 'RedriveRole' },
        )
      : undefined;
  return new EventBridgeClient({
    endpoint: info.eventbridge,
    region,
    ...(credentials ? { credentials } : {}),
  });
}

/** Puts an event (an EventBridge event as a target receives it) on the local irwatch bus. */
export async function runReplay(file: string | undefined, options: Options): Promise<number> {
  if (!file) throw new StackStartError('replay needs an event file: irwatch replay <event.json>');
  const info = await runningStack(options);
  useStack(info);
  const event = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const rules = rulesOf(
    readServerlessConfig(
      resolve(str(options, 'config') ?? join(import.meta.dirname, '../../serverless.yml')),
    ).functions,
  );
  const matching = rules.filter(
    (rule) => rule.bus === 'irwatch' && matchesEventPattern(rule.pattern, event),
  );
  const result = await (
    await busClient(info, dataDirOf(options))
  ).send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: info.busName,
          Source: String(event.source),
          DetailType: String(event['detail-type']),
          Detail: JSON.stringify(event.detail ?? {}),
          Resources: Array.isArray(event.resources) ? event.resources.map(String) : [],
        },
      ],
    }),
  );
  const entry = result.Entries?.[0];
  if (entry?.ErrorCode) {
    console.error(`replay: the bus refused the event: ${entry.ErrorCode} ${entry.ErrorMessage}`);
    return 1;
  }
  console.log(
    matching.length > 0
      ? `replay: event ${entry?.EventId} sent to ${matching.map((rule) => rule.functionName).join(', ')}`
      : `replay: event ${entry?.EventId} accepted, but no rule on ${info.busName} matches it`,
  );
  return 0;
}

/**
 * Puts every dead letter back on the irwatch bus. Handlers are idempotent, so a letter that was in
 * fact processed changes nothing. Letters sent move to dead-letter.redriven.jsonl, so a second
 * redrive does not send them again; letters the bus refuses stay. Schedule and CloudTrail events
 * (sources `aws.*`) are not put back: nobody may send those, and the next poll catches up anyway.
 */
export async function runRedrive(options: Options): Promise<number> {
  const stage = str(options, 'stage');
  if (stage !== undefined) return runQueueRedrive(stage, options);
  const info = await runningStack(options);
  const dir = dataDirOf(options);
  const file = join(dir, 'dead-letter.jsonl');
  if (!existsSync(file)) {
    console.log('redrive: no dead letters');
    return 0;
  }
  // Taken aside first: the stack may append new dead letters while this runs.
  const working = join(dir, `dead-letter.redriving-${process.pid}.jsonl`);
  await rename(file, working);
  const letters = (await readFile(working, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DeadLetter);
  const client = await busClient(info, dir);
  const kept: DeadLetter[] = [];
  let sent = 0;
  let skipped = 0;
  let delivered = 0;
  for (const letter of letters) {
    // A message the outbox could not take: written to outbox.jsonl now that it can be (a
    // webhook's letter stays; its subscriber is not this process's to call).
    const message = (letter as Partial<DeadLetter> & { message?: unknown }).message;
    if (letter.event === undefined) {
      if (letter.functionName !== 'outbox' || message === undefined) {
        kept.push(letter);
        continue;
      }
      await appendFile(join(dir, 'outbox.jsonl'), `${JSON.stringify(message)}\n`);
      delivered += 1;
    } else if (letter.event.source.startsWith('aws.')) {
      skipped += 1;
    } else {
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: info.busName,
              Source: letter.event.source,
              DetailType: letter.event['detail-type'],
              Detail: JSON.stringify(letter.event.detail),
              Resources: letter.event.resources,
            },
          ],
        }),
      );
      if (result.FailedEntryCount) {
        kept.push(letter);
        continue;
      }
      sent += 1;
    }
    await appendFile(join(dir, 'dead-letter.redriven.jsonl'), `${JSON.stringify(letter)}\n`);
  }
  if (kept.length > 0) await appendFile(file, kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
  await unlink(working);
  console.log(
    `redrive: ${sent} put back on the bus, ${delivered} written to outbox.jsonl, ${skipped} schedule/CloudTrail events skipped, ${kept.length} refused or webhook letters kept`,
  );
  return kept.length > 0 ? 1 : 0;
}

/**
 * Deployed mode: replays the stage's SQS dead-letter queues onto its bus (credentials and region
 * from the usual AWS chain, or --region).
 */
async function runQueueRedrive(stage: string, options: Options): Promise<number> {
  const region = str(options, 'region');
  const sqs = new SQSClient(region ? { region } : {});
  const eventBridge = new EventBridgeClient(region ? { region } : {});
  try {
    const report = await redriveQueues({
      sqs,
      eventBridge,
      stage,
      log: (line) => console.log(`redrive: ${line}`),
    });
    const total = (key: 'putBack' | 'skipped' | 'unreadable' | 'refused') =>
      report.queues.reduce((sum, queue) => sum + queue[key], 0);
    console.log(
      `redrive: ${total('putBack')} put back on ${report.busName}, ${total('skipped')} schedule/CloudTrail events skipped, ${total('unreadable')} unreadable and ${total('refused')} refused left in the queues`,
    );
    return redriveExitCode(report);
  } finally {
    sqs.destroy();
    eventBridge.destroy();
  }
}

/**
 * Deployed mode: the one-off migration of a stage's table to jobs keyed by account and region
 * (local/stack/migrate-keys.ts), with the usual AWS credentials and region, or --region.
 */
export async function runMigrate(options: Options): Promise<number> {
  const stage = str(options, 'stage');
  if (stage === undefined) {
    throw new StackStartError(
      'migrate needs --stage: the local stack migrates its own table when it starts',
    );
  }
  const region = str(options, 'region');
  const account = str(options, 'account');
  if (account !== undefined && (!isAccountId(account) || region === undefined)) {
    throw new StackStartError('--account must be a 12-digit account ID, given with --region');
  }
  const client = new DynamoDBClient(region ? { region } : {});
  const tableName = `irwatch-${stage}`;
  try {
    const report = await migrateJobKeys(DynamoDBDocumentClient.from(client), tableName, {
      ...(account && region ? { home: { accountId: account, region } } : {}),
    });
    if (report.alreadyMigrated) {
      console.log(`migrate: ${tableName} already keys jobs by account and region`);
      return 0;
    }
    console.log(
      `migrate: ${tableName}: ${report.jobsMigrated} job(s) keyed by account and region, ${report.jobsAlreadyRecorded} already recorded anew, ${report.detectorItemsMigrated} detector item(s) moved; ${report.itemsWritten} items written, ${report.itemsDeleted} old items deleted; ${report.recommendationListsWritten} job(s) given their recommendation list, ${report.modelEntriesWritten} job(s) entered in their models' items`,
    );
    for (const line of report.skipped) console.log(`migrate: left as it was: ${line}`);
    return report.skipped.length > 0 ? 1 : 0;
  } finally {
    client.destroy();
  }
}
