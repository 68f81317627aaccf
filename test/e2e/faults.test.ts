import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeInferenceRecommendationsJobCommand,
  paginateListInferenceRecommendationsJobSteps,
  type InferenceRecommendationsJobStep,
} from '@aws-sdk/client-sagemaker';
import { queryPartition } from '../support/fixtures.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectDeps } from '../../functions/detect/detect.js';
import type { IngestDeps } from '../../functions/ingest/ingest.js';
import { CLAIM_LEASE_MS, type NotifyDeps } from '../../functions/notify/notify.js';
import { createLocalBus, type DeadLetter, type LocalBus } from '../../local/aws/eventbridge/bus.js';
import { runRedrive } from '../../local/cli/commands.js';
import {
  createDynamoDbProxy,
  type DynamoDbProxy,
} from '../../local/aws/dynamodb/dynamodb-proxy.js';
import {
  createEventBridgeEndpoint,
  type BusEvent,
  type EventBridgeEndpoint,
} from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import type { LocalServer } from '../../local/aws/http-server.js';
import {
  cloneJob,
  randomFaults,
  type JobStatus,
  type SimulatedJob,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { readServerlessConfig } from '../../local/stack/serverless-config.js';
import { createSageMakerClient } from '../../shared/aws.js';
import {
  fitJob,
  performanceItem,
  recommendationItem,
  stepItem,
  recommendationListItems,
  summaryItems,
  type StoredJob,
} from '../../shared/db/items.js';
import { getJob } from '../../shared/db/job-store.js';
import { keyValues, layout } from '../../shared/db/table.js';
import { isTerminal, RECORDED, STATE_CHANGE, type RecordedDetail } from '../../shared/events.js';
import { normalizeJob } from '../../shared/model/normalize.js';
import { MINUTE, simulatedClock } from '../support/detect.js';
import {
  countsTable,
  crashingDeps,
  randomInt,
  seededRandom,
  shuffle,
  SimulatedCrashError,
  type CrashPoint,
  type CrashTiming,
} from '../support/fault-injection.js';
import { repoRoot } from '../support/serverless.js';
import {
  ACCOUNT,
  HOME,
  jobKey,
  REGION,
  lambdaContext,
  readEventFile,
  sampleJob,
  useLocalWorld,
} from '../support/world.js';

/*
 * 200 jobs run their whole lifecycle through the real detect, ingest and notify handlers while
 * every dependency misbehaves, and the events travel through the local stack's own bus (rules
 * from serverless.yml, Lambda-style retries, a dead-letter file), each one delivered twice and
 * out of order. Afterwards nothing may be lost, stale or notified twice.
 *
 * Every fault decision comes from a PRNG seeded with SEED (IRWATCH_FAULT_SEED overrides it; the
 * seed is printed). The deliveries themselves run concurrently over real HTTP, so which call a
 * decision lands on can shift with I/O timing: the counts vary a little between runs of one seed;
 * the assertions do not.
 */
const SEED = Number(process.env.IRWATCH_FAULT_SEED ?? 20261101);
const JOB_COUNT = 200;
const RATES = {
  sageMakerThrottle: 0.3,
  sageMakerServerError: 0.05,
  putEventsEntry: 0.1,
  snsPublish: 0.1,
  crash: 0.05,
  /** A CloudTrail trail reports creation (and stop) of this share of the jobs as well. */
  cloudTrail: 0.2,
  /** Share of the held deliveries released each simulated step; the rest arrive later. */
  releasedPerStep: 0.6,
} as const;
const STEP_MS = 5 * MINUTE;
const START = '2026-11-01T00:00:00Z';
/** Crash points are drawn among this many dep calls; a handler that makes fewer dies at its end. */
const CRASH_CALLS = 6;
/**
 * Lambda retries a failed asynchronous invocation after about one and then two more minutes. The
 * local bus retries within milliseconds, so the time notify reads (its claim lease) is moved on
 * by these offsets to look as it would on each attempt.
 */
const LAMBDA_RETRY_OFFSETS_MS = [0, 60_000, 180_000];
/** An operator redrives the dead letters some time after the run. */
const REDRIVE_AFTER_MS = 15 * MINUTE;
const MAX_STEPS = 80;

/** The mix of samples the 200 jobs are cloned from: few of the 500-item sweep, it is slow. */
const MIX: ReadonlyArray<[sample: string, count: number]> = [
  ['xgboost-churn-default', 40],
  ['resnet-serverless', 35],
  ['bert-qa-advanced', 30],
  ['sklearn-failed', 30],
  ['tabular-stopped', 30],
  ['gpu-nan-infinity', 15],
  ['llama-existing-endpoints', 15],
  ['large-sweep-250', 5],
];

const ELIGIBLE = {
  detect: [
    'listJobs',
    'describeJob',
    'readWatermark',
    'writeWatermark',
    'readSeenStatuses',
    'writeSeenStatuses',
    'publishStateChanges',
  ],
  ingest: [
    'describeJob',
    'listSteps',
    'putChildren',
    'putJob',
    'putModelEntry',
    'markPublished',
    'markNotFound',
    'publishRecorded',
  ],
  notify: ['claim', 'readChildren', 'publish', 'markSent', 'release'],
} as const satisfies {
  detect: ReadonlyArray<keyof DetectDeps>;
  ingest: ReadonlyArray<keyof IngestDeps>;
  notify: ReadonlyArray<keyof NotifyDeps>;
};

/**
 * notify.ts documents one window it cannot close: SNS accepted the message, and the invocation
 * dies before the claim is marked sent; the retry then publishes a second message. Crashing there
 * would only re-prove that documented duplicate, so the main run moves such a crash on to the
 * next point; the last test below injects it there on purpose and counts the duplicate.
 */
const inNotifyWindow = (dep: string, timing: CrashTiming) =>
  (dep === 'publish' && timing === 'after') || (dep === 'markSent' && timing === 'before');

type FunctionName = keyof typeof ELIGIBLE;
type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

interface Delivery {
  functionName: FunctionName;
  event: BusEvent;
  attempts: number;
  failures: string[];
  outcome: 'pending' | 'succeeded' | 'dead-letter';
}

const clock = simulatedClock(START);
const world = useLocalWorld({ now: clock.now });
const random = {
  jobs: seededRandom(SEED),
  putEvents: seededRandom(SEED ^ 0x5a5a5a5a),
  sns: seededRandom(SEED ^ 0x13579bdf),
  crash: seededRandom(SEED ^ 0x2468ace0),
  shuffle: seededRandom(SEED ^ 0x0f0f0f0f),
  backoff: seededRandom(SEED ^ 0x77777777),
};

/** Switches every injected fault off (the suite must then fail: nothing it claims was tested). */
let faultsOn = true;
/** The PutEvents entries refused on purpose, to find each accepted later. */
const refusedEntries: Array<{ detailType: string; detail: string }> = [];
const injected = {
  putEventsEntries: 0,
  snsPublishes: 0,
  unprocessedBatches: 0,
  crashes: { detect: 0, ingest: 0, notify: 0 } as Record<FunctionName, number>,
  crashesAtEnd: 0,
};
const counts = {
  deliveries: { detect: 0, ingest: 0, notify: 0 } as Record<FunctionName, number>,
  duplicates: 0,
  invocations: 0,
  polls: 0,
  pollsFailed: 0,
  cloudTrailEvents: 0,
  steps: 0,
};

let proxy: DynamoDbProxy;
let eventBridge: EventBridgeEndpoint;
let bus: LocalBus;
let dataDir: string;
const servers: LocalServer[] = [];
const deliveries = new Map<BusEvent, Delivery>();
const deadLetters: DeadLetter[] = [];
/** Accepted events waiting to be delivered: each twice, in shuffled order, some steps late. */
const held: Array<{ bus: 'default' | 'irwatch'; event: BusEvent }> = [];
const jobs: Array<{ name: string; job: SimulatedJob; final: JobStatus; cloudTrail: boolean }> = [];

let handlers: {
  detect: (deps: DetectDeps) => Handler;
  ingest: (deps: IngestDeps) => Handler;
  notify: (deps: NotifyDeps) => Handler;
};
let realDeps: { detect: DetectDeps; ingest: IngestDeps; notify: NotifyDeps };
let notifyTimeoutMs: number;

function buildJobs(): void {
  let index = 0;
  for (const [sample, count] of MIX) {
    const template = sampleJob(sample);
    const final = template.describe.Status as JobStatus;
    for (let n = 0; n < count; n += 1) {
      index += 1;
      const name = `${sample}-f${String(index).padStart(3, '0')}`;
      const start =
        clock.now() + randomInt(random.jobs, 0, 30) * MINUTE + randomInt(random.jobs, 0, 59) * 1000;
      const pending = randomInt(random.jobs, 2, 12) * MINUTE;
      const running = randomInt(random.jobs, 5, 40) * MINUTE;
      const timeline: Array<{ status: JobStatus; afterMs: number }> = [
        { status: 'PENDING', afterMs: 0 },
        { status: 'IN_PROGRESS', afterMs: pending },
      ];
      if (final === 'STOPPED') {
        timeline.push({ status: 'STOPPING', afterMs: pending + running });
        timeline.push({
          status: 'STOPPED',
          afterMs: pending + running + randomInt(random.jobs, 1, 5) * MINUTE,
        });
      } else {
        timeline.push({ status: final, afterMs: pending + running });
      }
      const job = cloneJob(template, { jobName: name, start, timeline });
      jobs.push({ name, job, final, cloudTrail: random.jobs() < RATES.cloudTrail });
    }
  }
}

const lastChange = () => Math.max(...jobs.flatMap(({ job }) => job.timeline!.map((e) => e.at)));

/** Every accepted event is delivered twice (EventBridge is at-least-once), in no set order. */
function hold(busName: 'default' | 'irwatch', event: BusEvent): void {
  held.push({ bus: busName, event }, { bus: busName, event: structuredClone(event) });
  counts.duplicates += 1;
}

function release(share: number): void {
  shuffle(held, random.shuffle);
  const released = held.splice(0, share >= 1 ? held.length : Math.ceil(held.length * share));
  for (const delivery of released) void bus.publish(delivery.bus, [delivery.event]);
}

const cloudTrailTemplate = readEventFile<BusEvent & { detail: Record<string, unknown> }>(
  'eventbridge/cloudtrail-create-inference-recommendations-job.json',
);

function cloudTrailEvent(jobName: string, eventName: string, at: number): BusEvent {
  const event = structuredClone(cloudTrailTemplate);
  event.id = `ct-${jobName}-${eventName}`;
  event.time = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  event.detail.eventName = eventName;
  event.detail.requestParameters = { jobName };
  return event;
}

/** CloudTrail events of the calls made between two instants, for the jobs with a trail. */
function emitCloudTrail(from: number, to: number): void {
  for (const { name, job, cloudTrail } of jobs) {
    if (!cloudTrail) continue;
    for (const entry of job.timeline!) {
      const eventName =
        entry.status === 'PENDING'
          ? 'CreateInferenceRecommendationsJob'
          : entry.status === 'STOPPING'
            ? 'StopInferenceRecommendationsJob'
            : undefined;
      if (eventName && entry.at > from && entry.at <= to) {
        hold('default', cloudTrailEvent(name, eventName, entry.at));
        counts.cloudTrailEvents += 1;
      }
    }
  }
}

const notifyRunning = new Set<{ start: number; done: Promise<unknown> }>();

/**
 * Runs a notify invocation at the instant `start` of simulated time. Two invocations further
 * apart than notify's timeout never overlap in Lambda (the earlier one has ended or timed out by
 * then), so such a pair waits here for each other rather than overlap in a way that cannot happen.
 */
async function atNotifyTime<T>(start: number, run: () => Promise<T>): Promise<T> {
  for (;;) {
    const apart = [...notifyRunning].filter(
      (other) => Math.abs(other.start - start) >= notifyTimeoutMs,
    );
    if (apart.length === 0) break;
    await Promise.allSettled(apart.map((other) => other.done));
  }
  const entry = { start, done: run() };
  notifyRunning.add(entry);
  try {
    return await entry.done;
  } finally {
    notifyRunning.delete(entry);
  }
}

function drawCrashPoint(): CrashPoint | undefined {
  if (!faultsOn || random.crash() >= RATES.crash) return undefined;
  return {
    call: randomInt(random.crash, 1, CRASH_CALLS),
    timing: random.crash() < 0.5 ? 'before' : 'after',
  };
}

/** One invocation of a real handler with its real deps, which may crash as planned. */
async function invokeFunction(
  functionName: FunctionName,
  event: unknown,
  attempt: number,
): Promise<unknown> {
  counts.invocations += 1;
  const point = drawCrashPoint();
  const run = async <T extends object>(deps: T, makeHandler: (deps: T) => Handler) => {
    if (!point) return makeHandler(deps)(event, lambdaContext(functionName));
    const crashing = crashingDeps(deps, {
      eligible: ELIGIBLE[functionName] as unknown as ReadonlyArray<keyof T & string>,
      point,
      excluded: functionName === 'notify' ? inNotifyWindow : undefined,
    });
    try {
      await makeHandler(crashing.deps)(event, lambdaContext(functionName));
    } catch (error) {
      if (error instanceof SimulatedCrashError) injected.crashes[functionName] += 1;
      throw error;
    }
    injected.crashes[functionName] += 1;
    injected.crashesAtEnd += 1;
    throw crashing.crashAtEnd();
  };
  switch (functionName) {
    case 'detect':
      return run(realDeps.detect, handlers.detect);
    case 'ingest':
      return run(realDeps.ingest, handlers.ingest);
    case 'notify': {
      const offsets = LAMBDA_RETRY_OFFSETS_MS;
      const start = clock.now() + offsets[Math.min(attempt, offsets.length) - 1]!;
      const deps: NotifyDeps = { ...realDeps.notify, now: () => new Date(start) };
      return atNotifyTime(start, () => run(deps, handlers.notify));
    }
  }
}

/** The bus's invoke: tracks each delivery (the bus retries with the same event object). */
async function busInvoke(functionName: string, event: unknown): Promise<unknown> {
  const name = functionName as FunctionName;
  let delivery = deliveries.get(event as BusEvent);
  if (!delivery) {
    delivery = {
      functionName: name,
      event: event as BusEvent,
      attempts: 0,
      failures: [],
      outcome: 'pending',
    };
    deliveries.set(event as BusEvent, delivery);
    counts.deliveries[name] += 1;
  }
  delivery.attempts += 1;
  try {
    const result = await invokeFunction(name, event, delivery.attempts);
    delivery.outcome = 'succeeded';
    return result;
  } catch (error) {
    delivery.failures.push(
      error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    );
    throw error;
  }
}

const scheduledTemplate = readEventFile<BusEvent>('eventbridge/scheduled-event.json');

/** The schedule's invocation of detect; a failed poll is overtaken by the next one. */
async function poll(): Promise<{ ok: boolean; stateChanges: number }> {
  counts.polls += 1;
  const event = {
    ...structuredClone(scheduledTemplate),
    id: `poll-${counts.polls}`,
    time: clock
      .date()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
  };
  try {
    const report = (await invokeFunction('detect', event, 1)) as { stateChanges: number };
    return { ok: true, stateChanges: report.stateChanges };
  } catch {
    counts.pollsFailed += 1;
    return { ok: false, stateChanges: -1 };
  }
}

async function drain(): Promise<void> {
  while (held.length > 0) {
    release(1);
    await bus.idle();
  }
  await bus.idle();
}

beforeAll(async () => {
  proxy = createDynamoDbProxy(world.table.upstream, {
    unprocessedBatch: () => {
      if (!faultsOn) return false;
      injected.unprocessedBatches += 1;
      return true;
    },
  });
  eventBridge = createEventBridgeEndpoint({
    account: ACCOUNT,
    region: REGION,
    failEntry: (entry) => {
      if (!faultsOn || random.putEvents() >= RATES.putEventsEntry) return undefined;
      injected.putEventsEntries += 1;
      refusedEntries.push({ detailType: entry.DetailType ?? '', detail: entry.Detail ?? '' });
      return { ErrorCode: 'InternalFailure', ErrorMessage: 'Injected by the fault suite' };
    },
    onEvents: (_events, records) => {
      for (const record of records) {
        hold(record.busName === world.busName ? 'irwatch' : 'default', record.event);
      }
    },
  });
  const [proxyServer, eventsServer] = await Promise.all([
    proxy.listen(0, world.table.gate()),
    eventBridge.listen(),
  ]);
  servers.push(proxyServer, eventsServer);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxyServer.url;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventsServer.url;
  // What serverless.yml's provider.environment gives every deployed function.
  process.env.AWS_MAX_ATTEMPTS = '5';

  const simulatorFaults = randomFaults({
    throttle: RATES.sageMakerThrottle,
    serverError: RATES.sageMakerServerError,
    seed: SEED,
  });
  world.simulator.setFaults((call) => (faultsOn ? simulatorFaults(call) : undefined));
  world.sns.setFailPublish(() => {
    if (!faultsOn || random.sns() >= RATES.snsPublish) return false;
    injected.snsPublishes += 1;
    return true;
  });

  const detectModule = await import('../../functions/detect/handler.js');
  const ingestModule = await import('../../functions/ingest/handler.js');
  const notifyModule = await import('../../functions/notify/handler.js');
  const { createDetectDeps } = await import('../../functions/detect/deps.js');
  realDeps = {
    // One account and region, as the local stack of this suite watches.
    detect: createDetectDeps({ now: clock.date, retry: { random: random.backoff } }).forTarget(
      HOME,
    ),
    ingest: (await import('../../functions/ingest/deps.js')).ingestDeps,
    notify: (await import('../../functions/notify/deps.js')).notifyDeps,
  };
  handlers = {
    detect: (deps) =>
      detectModule.createHandler({
        targets: [deps.where],
        forTarget: () => deps,
      }) as unknown as Handler,
    ingest: (deps) => ingestModule.createHandler(deps) as unknown as Handler,
    notify: (deps) => notifyModule.createHandler(deps) as unknown as Handler,
  };

  const service = readServerlessConfig(join(repoRoot, 'serverless.yml'));
  notifyTimeoutMs = service.functions.find((fn) => fn.name === 'notify')!.timeoutSeconds * 1000;
  dataDir = await mkdtemp(join(tmpdir(), 'irwatch-faults-'));
  bus = createLocalBus({
    functions: service.functions,
    invoke: busInvoke,
    deadLetterFile: join(dataDir, 'dead-letter.jsonl'),
    retryDelayMs: 2,
    onDeadLetter: (letter) => {
      deadLetters.push(letter);
      const delivery = deliveries.get(letter.event);
      if (delivery) delivery.outcome = 'dead-letter';
    },
  });
  // What `irwatch redrive` reads to find the running stack's bus.
  await writeFile(
    join(dataDir, 'stack.json'),
    JSON.stringify({
      api: '',
      dynamodb: proxyServer.url,
      sagemaker: process.env.AWS_ENDPOINT_URL_SAGEMAKER,
      eventbridge: eventsServer.url,
      sns: process.env.AWS_ENDPOINT_URL_SNS,
      tableName: world.table.tableName,
      busName: world.busName,
      topicArn: world.topicArn,
    }),
  );

  buildJobs();
  for (const { job } of jobs) world.simulator.addJob(job);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

const partition = (jobName: string) =>
  queryPartition(world.table.doc, world.table.tableName, keyValues.jobPk(jobName));

const bySortKey = (items: Array<Record<string, unknown>>, prefix: string) =>
  items
    .filter((item) => String(item[layout.primary.sk]).startsWith(prefix))
    .sort((a, b) => String(a[layout.primary.sk]).localeCompare(String(b[layout.primary.sk])));

const letterKey = (letter: { functionName: string; event: BusEvent }) =>
  `${letter.functionName} ${letter.event['detail-type']} ${letter.event.id}`;

describe('fault injection: 200 jobs through detect, ingest and notify while everything fails', () => {
  it('stores every job as SageMaker last describes it and notifies each terminal job exactly once', async () => {
    const began = performance.now();
    console.log(`fault suite seed: ${SEED} (set IRWATCH_FAULT_SEED to replay another)`);
    expect(jobs).toHaveLength(JOB_COUNT);
    expect(LAMBDA_RETRY_OFFSETS_MS[1]).toBeGreaterThan(CLAIM_LEASE_MS);

    // Simulated time moves on a poll interval per step, while deliveries run on their own time
    // as they do in Lambda (slow ones, in SDK backoff, see a later state when they get there).
    // Once every job is terminal in SageMaker, each step waits for the bus, until a successful
    // poll finds nothing new and nothing is left in flight.
    const end = lastChange();
    for (;;) {
      counts.steps += 1;
      if (counts.steps > MAX_STEPS) throw new Error(`No quiet state after ${MAX_STEPS} steps`);
      const from = clock.now();
      clock.advance(STEP_MS);
      emitCloudTrail(from, clock.now());
      const polled = await poll();
      if (clock.now() <= end) {
        release(RATES.releasedPerStep);
        continue;
      }
      release(1);
      await bus.idle();
      if (held.length === 0 && polled.ok && polled.stateChanges === 0) break;
    }
    await drain();

    // Every failed delivery was either retried to success or written to the dead-letter file.
    const all = [...deliveries.values()];
    expect(all.filter((d) => d.outcome === 'pending')).toEqual([]);
    const deadLetterFile = join(dataDir, 'dead-letter.jsonl');
    const filed = existsSync(deadLetterFile)
      ? (await readFile(deadLetterFile, 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as DeadLetter)
      : [];
    expect(filed.map(letterKey).sort()).toEqual(
      all
        .filter((d) => d.outcome === 'dead-letter')
        .map(letterKey)
        .sort(),
    );
    for (const letter of filed) {
      const rule = bus.rules.find((r) => r.functionName === letter.functionName);
      expect(letter.attempts).toBe((rule?.maximumRetryAttempts ?? NaN) + 1);
    }
    const retriedToSuccess = all.filter((d) => d.failures.length > 0 && d.outcome === 'succeeded');
    const deadLetterReasons = new Map<string, number>();
    for (const letter of filed) {
      const reason = `${letter.functionName}: ${letter.error.split(':')[0]}`;
      deadLetterReasons.set(reason, (deadLetterReasons.get(reason) ?? 0) + 1);
    }
    const deadBeforeRedrive = filed.length;

    // The operator's redrive, once the faults are over: `irwatch redrive` puts the letters back.
    faultsOn = false;
    clock.advance(REDRIVE_AFTER_MS);
    const redriveCode = await runRedrive({ 'data-dir': dataDir });
    expect(redriveCode).toBe(0);
    await drain();
    const lettersAfterRedrive = deadLetters.length - deadBeforeRedrive;
    expect(lettersAfterRedrive).toBe(0);
    // CloudTrail letters are not redriven (nobody may put aws.* events): the poll covers them.
    const settled = await poll();
    await drain();
    expect(settled).toEqual({ ok: true, stateChanges: 0 });

    // Every job is stored exactly as its final description says.
    const sagemaker = createSageMakerClient();
    const stored: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    for (const { name, final } of jobs) {
      const response = await sagemaker.send(
        new DescribeInferenceRecommendationsJobCommand({ JobName: name }),
      );
      expect(response.Status).toBe(final);
      const steps: InferenceRecommendationsJobStep[] = [];
      for await (const page of paginateListInferenceRecommendationsJobSteps(
        { client: sagemaker, pageSize: 100 },
        { JobName: name },
      )) {
        steps.push(...(page.Steps ?? []));
      }
      const snapshot = normalizeJob(response, steps, { ...jobKey(name), status: final });
      const job = fitJob(snapshot.job);
      const record = (await getJob(world.table.doc, world.table.tableName, jobKey(name), true)) as
        StoredJob | undefined;
      const items = await partition(name);
      stored[name] = {
        job: Object.fromEntries(
          [...Object.keys(job), 'trimmed'].map((key) => [key, record?.[key as keyof StoredJob]]),
        ),
        published: record?.publishedVersion === record?.version,
        recommendations: bySortKey(items, keyValues.recommendationPrefix(HOME)),
        // listedAt: when SageMaker listed the step (what orders a refresh against the final ingest).
        steps: bySortKey(items, keyValues.stepPrefix(HOME)).map(
          ({ listedAt: _l, ...step }) => step,
        ),
        performances: bySortKey(items, keyValues.performancePrefix(HOME)),
        summaries: bySortKey(items, keyValues.summaryPrefix(HOME)),
        lists: bySortKey(items, keyValues.recommendationListPrefix(HOME)),
      };
      expected[name] = {
        job: { ...job, trimmed: job.trimmed },
        published: true,
        recommendations: bySortKey(
          snapshot.recommendations.map((rec) => recommendationItem(rec, snapshot.job)),
          '',
        ),
        steps: bySortKey(snapshot.steps.map(stepItem), ''),
        performances: bySortKey(snapshot.performances.map(performanceItem), ''),
        summaries: bySortKey(summaryItems(snapshot), ''),
        lists: bySortKey(recommendationListItems(snapshot), ''),
      };
    }
    sagemaker.destroy();
    expect(stored).toEqual(expected);

    // Every terminal job notified exactly once: nothing lost, nothing duplicated.
    const notified = new Map<string, number>();
    for (const message of world.sns.messages) {
      const key = `${message.messageAttributes.jobName?.stringValue} ${message.messageAttributes.status?.stringValue}`;
      notified.set(key, (notified.get(key) ?? 0) + 1);
    }
    const expectedNotifications = new Map(jobs.map(({ name, final }) => [`${name} ${final}`, 1]));
    const lost = [...expectedNotifications.keys()].filter((key) => !notified.has(key));
    const duplicated = [...notified].filter(([, count]) => count > 1).map(([key]) => key);
    const unexpected = [...notified.keys()].filter((key) => !expectedNotifications.has(key));
    expect({ lost, duplicated, unexpected }).toEqual({ lost: [], duplicated: [], unexpected: [] });
    for (const message of world.sns.messages) {
      const detail = JSON.parse(
        (JSON.parse(message.message) as { sqs: string }).sqs,
      ) as RecordedDetail;
      const { final } = jobs.find((job) => job.name === detail.jobName)!;
      expect(isTerminal(detail.status) && detail.status === final).toBe(true);
      expect(detail.recommendationCount).toBe(
        (expected[detail.jobName] as { recommendations: unknown[] }).recommendations.length,
      );
    }

    const simulatorCalls = world.simulator.calls;
    const snsPublishes = world.sns.calls.filter((call) => call.action === 'Publish');
    const busEvents = eventBridge.events;
    console.log(
      countsTable(`fault suite, seed ${SEED}`, [
        ['jobs', jobs.length],
        [
          '  COMPLETED / FAILED / STOPPED',
          ['COMPLETED', 'FAILED', 'STOPPED']
            .map((s) => jobs.filter((j) => j.final === s).length)
            .join(' / '),
        ],
        ['simulated steps of 5 min (polls)', `${counts.steps} (${counts.polls})`],
        ['polls failed (overtaken by the next)', counts.pollsFailed],
        ['events accepted on the buses', busEvents.length],
        [
          '  state changes / recorded / CloudTrail',
          `${busEvents.filter((r) => r.event['detail-type'] === STATE_CHANGE).length} / ${busEvents.filter((r) => r.event['detail-type'] === RECORDED).length} / ${counts.cloudTrailEvents}`,
        ],
        [
          'deliveries (ingest / notify / detect)',
          `${counts.deliveries.ingest} / ${counts.deliveries.notify} / ${counts.deliveries.detect}`,
        ],
        ['  of which duplicates', counts.duplicates],
        ['handler invocations (retries and polls included)', counts.invocations],
        ['SageMaker calls', simulatorCalls.length],
        ['  throttled (injected)', simulatorCalls.filter((c) => c.fault === 'throttle').length],
        ['  5xx (injected)', simulatorCalls.filter((c) => c.fault === 'server-error').length],
        ['BatchWriteItem calls', proxy.count('BatchWriteItem')],
        ['  half unprocessed (injected)', injected.unprocessedBatches],
        ['PutEvents calls', eventBridge.calls.length],
        ['  entries refused (injected)', injected.putEventsEntries],
        ['SNS Publish calls', snsPublishes.length],
        ['  failed with 500 (injected)', injected.snsPublishes],
        [
          'handler crashes (ingest / notify / detect)',
          `${injected.crashes.ingest} / ${injected.crashes.notify} / ${injected.crashes.detect}`,
        ],
        ['  of which after the handler finished', injected.crashesAtEnd],
        ['bus retries', bus.stats.retries],
        ['deliveries retried to success', retriedToSuccess.length],
        ['dead letters (before redrive)', deadBeforeRedrive],
        ...[...deadLetterReasons].map(([reason, count]): [string, number] => [
          `  ${reason}`,
          count,
        ]),
        ['dead letters after redrive', lettersAfterRedrive],
        ['notifications (SNS messages)', world.sns.messages.length],
        ['terminal jobs notified exactly once', jobs.length - lost.length - duplicated.length],
        ['wall time, s', ((performance.now() - began) / 1000).toFixed(1)],
      ]),
    );

    // What the suite claims to survive must have happened, each kind of fault at least once, and
    // each kind's own outcome must be right: the jobs a SageMaker fault hit are stored as
    // SageMaker last describes them, every refused event was accepted later, every crashed
    // delivery was retried or redriven to success, every terminal job notified once.
    const jobsHitBy = (fault: string) =>
      new Set(
        simulatorCalls
          .filter((call) => call.fault === fault && typeof call.input.JobName === 'string')
          .map((call) => call.input.JobName as string),
      );
    // Equal as toEqual has it: undefined members and key order do not count.
    const canonical = (value: unknown) =>
      JSON.stringify(value, (_key, member: unknown) =>
        member && typeof member === 'object' && !Array.isArray(member)
          ? Object.fromEntries(
              Object.entries(member)
                .filter(([, inner]) => inner !== undefined)
                .sort(([a], [b]) => (a < b ? -1 : 1)),
            )
          : member,
      );
    const isStoredRight = (name: string) => canonical(stored[name]) === canonical(expected[name]);
    const storedRight = (names: Set<string>) => names.size > 0 && [...names].every(isStoredRight);
    const accepted = new Set(
      busEvents.map((r) => `${r.event['detail-type']} ${JSON.stringify(r.event.detail)}`),
    );
    const neverAccepted = refusedEntries.filter(
      (entry) =>
        !accepted.has(`${entry.detailType} ${JSON.stringify(JSON.parse(entry.detail || 'null'))}`),
    );
    const crashedDeliveries = (name: FunctionName) =>
      all.filter(
        (d) =>
          d.functionName === name && d.failures.some((f) => f.startsWith('SimulatedCrashError')),
      );
    // A crashed delivery either succeeded on a retry or was dead-lettered, and every dead letter
    // was put back and handled (lettersAfterRedrive is 0, asserted above).
    const crashesSurvived = (name: FunctionName) =>
      crashedDeliveries(name).every(
        (d) => d.outcome === 'succeeded' || d.outcome === 'dead-letter',
      );
    const notifiedOnce = lost.length === 0 && duplicated.length === 0;
    const throttled = jobsHitBy('throttle');
    const failed = jobsHitBy('server-error');
    const perKind: Record<string, { injected: number; survived: boolean }> = {
      'SageMaker throttles (jobs hit)': {
        injected: throttled.size,
        survived: storedRight(throttled),
      },
      'SageMaker 5xx (jobs hit)': { injected: failed.size, survived: storedRight(failed) },
      'half-unprocessed batches': {
        injected: injected.unprocessedBatches,
        survived: jobs.every(({ name }) => isStoredRight(name)),
      },
      'refused PutEvents entries': {
        injected: refusedEntries.length,
        survived: neverAccepted.length === 0,
      },
      'failed SNS publishes': { injected: injected.snsPublishes, survived: notifiedOnce },
      'detect crashes': { injected: injected.crashes.detect, survived: crashesSurvived('detect') },
      'ingest crashes (deliveries)': {
        injected: crashedDeliveries('ingest').length,
        survived: crashesSurvived('ingest'),
      },
      'notify crashes (deliveries)': {
        injected: crashedDeliveries('notify').length,
        survived: crashesSurvived('notify') && notifiedOnce,
      },
      'crashes after the work': { injected: injected.crashesAtEnd, survived: notifiedOnce },
      'deliveries retried to success': { injected: retriedToSuccess.length, survived: true },
      'dead letters redriven': { injected: deadBeforeRedrive, survived: lettersAfterRedrive === 0 },
      'duplicate deliveries': { injected: counts.duplicates, survived: notifiedOnce },
    };
    const untested = Object.entries(perKind)
      .filter(([, { injected: count, survived }]) => count === 0 || !survived)
      .map(([kind, { injected: count }]) =>
        count === 0 ? `${kind}: never injected` : `${kind}: not survived`,
      );
    expect(untested, 'faults the suite never injected or did not survive').toEqual([]);
  }, 600_000);

  it('counts the duplicate notify documents: a crash after SNS accepted, before the claim is marked sent', async () => {
    faultsOn = false;
    const jobName = 'notify-window-probe';
    const published = () =>
      world.sns.messages.filter(
        (message) => message.messageAttributes.jobName?.stringValue === jobName,
      );
    const event: BusEvent = {
      version: '0',
      id: 'notify-window-probe-1',
      'detail-type': RECORDED,
      source: 'irwatch',
      account: ACCOUNT,
      time: clock
        .date()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      region: REGION,
      resources: [],
      detail: {
        jobName,
        ...HOME,
        jobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:inference-recommendations-job/${jobName}`,
        jobType: 'Default',
        status: 'FAILED',
        previousStatus: 'IN_PROGRESS',
        modelName: 'probe-model',
        modelPackageVersionArn: null,
        creationTime: clock.date().toISOString(),
        completionTime: clock.date().toISOString(),
        failureReason: 'Simulated failure',
        recommendationCount: 0,
        failedBenchmarkCount: 0,
        best: {
          lowestCostPerInference: null,
          lowestModelLatency: null,
          highestMaxInvocations: null,
        },
        version: 2,
      } satisfies RecordedDetail,
    };
    const at = (offset: number): NotifyDeps => ({
      ...realDeps.notify,
      now: () => new Date(clock.now() + offset),
    });

    // claim (1), readChildren (2), publish (3): the invocation dies once SNS has the message.
    const crashing = crashingDeps(at(0), {
      eligible: ELIGIBLE.notify,
      point: { call: 3, timing: 'after' },
    });
    await expect(
      handlers.notify(crashing.deps)(event, lambdaContext('notify')),
    ).rejects.toBeInstanceOf(SimulatedCrashError);
    expect(crashing.site()).toEqual({ dep: 'publish', timing: 'after' });
    expect(published()).toHaveLength(1);

    // Lambda's first retry, a minute later: the claim has expired, so it publishes again.
    const retry = await handlers.notify(at(LAMBDA_RETRY_OFFSETS_MS[1]!))(
      event,
      lambdaContext('notify'),
    );
    expect(retry).toMatchObject({ outcome: 'published' });
    // The second retry finds the notification sent: the window costs one duplicate, no more.
    const again = await handlers.notify(at(LAMBDA_RETRY_OFFSETS_MS[2]!))(
      event,
      lambdaContext('notify'),
    );
    expect(again).toMatchObject({ outcome: 'duplicate' });
    const messages = published();
    console.log(
      `notify's documented window: ${messages.length} SNS messages for one (job, FAILED) after a crash between Publish and the sent mark`,
    );
    expect(messages).toHaveLength(2);
  });
});
