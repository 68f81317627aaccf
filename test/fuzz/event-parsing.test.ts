import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DetectDeps } from '../../functions/detect/detect.js';
import { CLOUDTRAIL_EVENT_NAMES } from '../../functions/detect/input.js';
import type { IngestDeps } from '../../functions/ingest/ingest.js';
import type { NotifyDeps } from '../../functions/notify/notify.js';
import {
  DETECTED_BY,
  EVENT_SOURCE,
  isTerminal,
  JOB_NAME_PATTERN,
  JOB_STATUSES,
  RECORDED,
  STATE_CHANGE,
} from '../../shared/events.js';
import {
  anyText,
  FUZZ_RUNS,
  FUZZ_TIMEOUT_MS,
  fuzzParameters,
  hugeText,
  wrongValue,
} from '../support/fuzz.js';
import { lambdaContext, readEventFile } from '../support/world.js';

/*
 * Events as hostile as they can reach the handlers: random JSON, and valid events with fields
 * deleted, replaced by values of the wrong type, unicode or huge text, or with keys added. The
 * real handlers run with in-memory deps that record every call:
 *
 * - ingest takes a state-change event exactly when its detail is valid by SageMaker's contract; a
 *   rejected one fails with an error that names the field at fault, and nothing is written.
 * - notify rejects a malformed Recorded event naming the field, and writes nothing.
 * - detect never throws, except for the wiring mistakes its parser documents (an event that is
 *   neither the schedule, a SageMaker CloudTrail call nor a backfill); an unusable CloudTrail
 *   event is ignored with a reason that names the field.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Event = Record<string, unknown> & { detail?: unknown };
type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

let handlers: {
  ingest: (deps: IngestDeps) => Handler;
  notify: (deps: NotifyDeps) => Handler;
  detect: (deps: DetectDeps) => Handler;
};

beforeAll(async () => {
  // The deps modules read these at import; the in-memory deps below never reach a service.
  process.env.TABLE_NAME ??= 'irwatch-fuzz';
  process.env.EVENT_BUS_NAME ??= 'irwatch-fuzz';
  process.env.TOPIC_ARN ??= 'arn:aws:sns:us-east-1:111122223333:irwatch-fuzz';
  const ingest = await import('../../functions/ingest/handler.js');
  const notify = await import('../../functions/notify/handler.js');
  const detect = await import('../../functions/detect/handler.js');
  handlers = {
    ingest: (deps) => ingest.createHandler(deps) as unknown as Handler,
    notify: (deps) => notify.createHandler(deps) as unknown as Handler,
    detect: (deps) =>
      detect.createHandler({
        targets: [deps.where],
        forTarget: () => deps,
      }) as unknown as Handler,
  };
});

/** Deps that answer like an empty account and record each call to a service (not the clock). */
function recording<T extends object>(answers: T): { deps: T; calls: string[] } {
  const calls: string[] = [];
  const deps = Object.fromEntries(
    Object.entries(answers).map(([name, value]) => [
      name,
      typeof value === 'function' && name !== 'now' && name !== 'warn'
        ? (...args: unknown[]) => {
            calls.push(name);
            return (value as (...a: unknown[]) => unknown)(...args);
          }
        : value,
    ]),
  ) as T;
  return { deps, calls };
}

const ingestDeps = () =>
  recording<IngestDeps>({
    describeJob: async () => undefined,
    listSteps: async () => [],
    putChildren: async () => undefined,
    putJob: async () => ({ changed: false, job: undefined }),
    putModelEntry: async () => undefined,
    describeExistingEndpoint: async (_job, performance) => ({
      ...performance,
      found: false,
      endpointConfigName: null,
      variants: [],
      note: null,
    }),
    markPublished: async () => undefined,
    markNotFound: async () => undefined,
    publishRecorded: async () => undefined,
    now: () => new Date(0),
    getJob: async () => undefined,
    putSteps: async () => 0,
    putProgress: async () => ({ changed: false }),
    markProgressPublished: async () => undefined,
    publishProgress: async () => undefined,
  });

const notifyDeps = () =>
  recording<NotifyDeps>({
    claim: async () => ({ claimed: false, state: 'sent', messageId: null }),
    readChildren: async () => ({ recommendations: [], steps: [] }),
    publish: async () => ({ messageId: 'm-1' }),
    markSent: async () => true,
    release: async () => undefined,
    now: () => new Date(0),
    warn: () => undefined,
  });

const detectDeps = () =>
  recording<DetectDeps>({
    where: { accountId: '111122223333', region: 'us-east-1' },
    config: { overlapMs: 300_000, lookbackMs: 86_400_000 },
    now: () => new Date(0),
    listJobs: async () => ({ jobs: [], nextToken: undefined }),
    describeJob: async () => undefined,
    readWatermark: async () => undefined,
    writeWatermark: async () => undefined,
    readSeenStatuses: async () => ({ statuses: new Map(), calls: 0 }),
    readJobRecords: async () => ({ statuses: new Map(), calls: 0 }),
    writeSeenStatuses: async () => ({ calls: 0 }),
    publishStateChanges: async () => ({ calls: 0, resent: 0, unaccepted: [] }),
  });

// ---------------------------------------------------------------------------------------------
// Generators.

/** SageMaker's job names: the pattern, and at most 64 characters. */
const jobName = fc
  .stringMatching(/^[a-zA-Z0-9](-{0,2}[a-zA-Z0-9]){0,20}$/)
  .filter((name) => name.length <= 64);

const isoZ = fc
  .date({
    min: new Date('1990-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());

/** Times that look like ISO 8601, valid or almost: the parser must tell them apart. */
const timeLike = fc.oneof(
  isoZ,
  isoZ.map((iso) => iso.replace(/\.\d{3}Z$/, 'Z')),
  isoZ.map((iso) => iso.replace('Z', '+05:30')),
  isoZ.map((iso) => iso.slice(0, 10)),
  fc.constantFrom(
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2024-02-29T12:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01 00:00:00Z',
    '2026-01-01T00:00:00',
  ),
);

const arn = fc.constantFrom(
  'arn:aws:sagemaker:us-east-1:111122223333:inference-recommendations-job/x',
  'arn:',
  'not-an-arn',
);

/** A replacement value: of the right kind now and then, of every wrong kind otherwise. */
const replacement: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: wrongValue, weight: 4 },
  { arbitrary: anyText(), weight: 2 },
  { arbitrary: hugeText, weight: 1 },
  // Names longer than SageMaker's 64 characters have a test of their own, below.
  { arbitrary: jobName, weight: 2 },
  { arbitrary: fc.constantFrom(...JOB_STATUSES, 'completed', 'COMPLETED '), weight: 2 },
  { arbitrary: fc.constantFrom(...DETECTED_BY, 'POLL'), weight: 1 },
  { arbitrary: timeLike, weight: 2 },
  { arbitrary: arn, weight: 1 },
  { arbitrary: fc.array(anyText(), { maxLength: 3 }), weight: 1 },
);

const envelope = (detailType: string, source: string) =>
  fc.record({
    version: fc.constant('0'),
    id: fc.uuid(),
    'detail-type': fc.constant(detailType),
    source: fc.constant(source),
    account: fc.constant('111122223333'),
    time: isoZ.map((iso) => iso.replace(/\.\d{3}Z$/, 'Z')),
    region: fc.constant('us-east-1'),
    resources: fc.array(arn, { maxLength: 2 }),
  });

/** Where irwatch puts its jobs' account and region, and where a detail lacking them gets them. */
const ACCOUNT_ID = /^\d{12}$/;
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

const stateChangeDetail = fc.record({
  jobName,
  accountId: fc.constantFrom('111122223333', '444455556666'),
  region: fc.constantFrom('us-east-1', 'eu-west-1'),
  jobArn: fc.option(
    arn.filter((value) => value.startsWith('arn:')),
    { nil: null },
  ),
  status: fc.constantFrom(...JOB_STATUSES),
  previousStatus: fc.option(fc.constantFrom(...JOB_STATUSES), { nil: null }),
  lastModifiedTime: fc.option(isoZ, { nil: null }),
  detectedBy: fc.constantFrom(...DETECTED_BY),
});

const stateChangeEvent: fc.Arbitrary<Event> = fc
  .tuple(envelope(STATE_CHANGE, EVENT_SOURCE), stateChangeDetail)
  .map(([head, detail]) => ({ ...head, detail }));

const bestEntry = fc.option(
  fc.record({
    recommendationId: anyText(),
    endpointType: fc.constantFrom('RealTime', 'Serverless'),
    instanceType: fc.option(anyText(), { nil: null }),
    memorySizeInMB: fc.option(fc.integer(), { nil: null }),
    value: fc.double({ noNaN: true, noDefaultInfinity: true }),
  }),
  { nil: null },
);

const recordedEvent: fc.Arbitrary<Event> = fc
  .tuple(
    envelope(RECORDED, EVENT_SOURCE),
    fc.record({
      jobName,
      accountId: fc.constantFrom('111122223333', '444455556666'),
      region: fc.constantFrom('us-east-1', 'eu-west-1'),
      jobArn: fc.option(arn, { nil: null }),
      jobType: fc.constantFrom('Default', 'Advanced', null),
      status: fc.constantFrom(...JOB_STATUSES),
      previousStatus: fc.option(fc.constantFrom(...JOB_STATUSES), { nil: null }),
      modelName: fc.option(anyText(), { nil: null }),
      modelPackageVersionArn: fc.option(anyText(), { nil: null }),
      creationTime: fc.option(isoZ, { nil: null }),
      completionTime: fc.option(isoZ, { nil: null }),
      failureReason: fc.option(anyText(), { nil: null }),
      recommendationCount: fc.nat(),
      failedBenchmarkCount: fc.nat(),
      best: fc.record({
        lowestCostPerInference: bestEntry,
        lowestModelLatency: bestEntry,
        highestMaxInvocations: bestEntry,
      }),
      version: fc.integer({ min: 1, max: 1000 }),
    }),
  )
  .map(([head, detail]) => ({ ...head, detail }));

type Path = string[];

interface Mutation {
  /** Picks among the event's fields, and the detail's (and below, for nested details). */
  at: number;
  action: 'delete' | 'replace' | 'add';
  key: string;
  value: unknown;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  action: fc.constantFrom('delete', 'replace', 'replace', 'add'),
  key: fc.oneof(anyText(12), fc.constantFrom('replay-name', '__proto__', 'constructor')),
  value: replacement,
});

function fieldPaths(value: unknown, at: Path = [], depth = 3): Path[] {
  if (depth === 0 || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value).flatMap((key) => [
    [...at, key],
    ...fieldPaths((value as Record<string, unknown>)[key], [...at, key], depth - 1),
  ]);
}

/** Applies the mutations to a copy; returns it with the paths it touched. */
function mutate(event: Event, mutations: readonly Mutation[]): { event: Event; touched: Path[] } {
  const copy = structuredClone(event);
  const touched: Path[] = [];
  for (const change of mutations) {
    const paths = fieldPaths(copy);
    const path = paths[change.at % paths.length];
    if (!path) continue;
    const parent = path
      .slice(0, -1)
      .reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, copy);
    const key = path[path.length - 1]!;
    if (change.action === 'delete') {
      delete parent[key];
      touched.push(path);
    } else if (change.action === 'add') {
      const target = parent[key];
      if (target === null || typeof target !== 'object' || Array.isArray(target)) continue;
      Object.defineProperty(target, change.key, {
        value: change.value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
      touched.push([...path, change.key]);
    } else {
      parent[key] = change.value;
      touched.push(path);
    }
  }
  return { event: copy, touched };
}

/**
 * The fields a handler's rejection names, read from its message as a person reads it: every
 * problem is `detail.<field>: <why>`, and an event without a detail says so.
 */
function namedFields(error: unknown): Path[] {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe('InvalidEventError');
  const message = (error as Error).message;
  if (/event with a detail$/.test(message)) return [['detail']];
  const fields = [...message.matchAll(/(?:^|: |; )detail((?:\.[^:;]*)?): /g)].map((match) => [
    'detail',
    ...(match[1] ? match[1].slice(1).split('.') : []),
  ]);
  expect(fields.length, `no field named in "${message.slice(0, 300)}"`).toBeGreaterThan(0);
  return fields;
}

const startsWith = (path: Path, prefix: Path) => prefix.every((key, i) => path[i] === key);

/**
 * Every field the rejection names is one the mutations touched (or inside it, or holds it). A
 * detail without its account or region takes them from its ARN, else from the envelope: a
 * rejected `detail.accountId` may come from either.
 */
function expectNamedFieldsTouched(error: unknown, touched: Path[]): void {
  const sources: Record<string, Path[]> = {
    'detail.accountId': [['detail', 'jobArn'], ['account']],
    'detail.region': [['detail', 'jobArn'], ['region']],
  };
  for (const path of namedFields(error)) {
    const related = [path, ...(sources[path.join('.')] ?? [])].some((candidate) =>
      touched.some((t) => startsWith(candidate, t) || startsWith(t, candidate)),
    );
    expect(related, `names ${path.join('.')}, not one of ${JSON.stringify(touched)}`).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------
// SageMaker's contract for a state change, written apart from the zod schema it checks.

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

function isIsoTime(value: unknown, offsets: boolean): boolean {
  if (typeof value !== 'string') return false;
  const match = ISO.exec(value);
  if (!match) return false;
  const [, year, month, day, hour, minute, second, , zone, zoneHour, zoneMinute] = match;
  if (!offsets && zone !== 'Z') return false;
  const days = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  return (
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= days &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    (zone === 'Z' || (Number(zoneHour) <= 23 && Number(zoneMinute) <= 59))
  );
}

const isString = (value: unknown) => typeof value === 'string';
const isStatus = (value: unknown) => (JOB_STATUSES as readonly unknown[]).includes(value);

const validDetailField: Record<string, (value: unknown) => boolean> = {
  jobName: (value) =>
    typeof value === 'string' && value.length <= 64 && JOB_NAME_PATTERN.test(value),
  jobArn: (value) => value === null || (isString(value) && String(value).startsWith('arn:')),
  status: isStatus,
  previousStatus: (value) => value === null || isStatus(value),
  lastModifiedTime: (value) => value === null || isIsoTime(value, true),
  detectedBy: (value) => (DETECTED_BY as readonly unknown[]).includes(value),
};

/**
 * The account and region a detail names, or, for a detail written before irwatch keyed jobs by
 * them (a dead letter from the version before), those of its job ARN, else of the envelope.
 */
function locationOf(event: Event): { accountId: unknown; region: unknown } {
  const detail = event.detail as Record<string, unknown>;
  if (Object.hasOwn(detail, 'accountId') && Object.hasOwn(detail, 'region')) {
    return { accountId: detail.accountId, region: detail.region };
  }
  const arnParts =
    typeof detail.jobArn === 'string'
      ? /^arn:aws[\w-]*:sagemaker:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):inference-recommendations-job\/[a-zA-Z0-9-]{1,64}$/.exec(
          detail.jobArn,
        )
      : null;
  return {
    accountId: Object.hasOwn(detail, 'accountId')
      ? detail.accountId
      : (arnParts?.[2] ?? event.account),
    region: Object.hasOwn(detail, 'region') ? detail.region : (arnParts?.[1] ?? event.region),
  };
}

const isLocation = ({ accountId, region }: { accountId: unknown; region: unknown }) =>
  typeof accountId === 'string' &&
  ACCOUNT_ID.test(accountId) &&
  typeof region === 'string' &&
  REGION_NAME.test(region);

/**
 * The handler reads the detail, and the envelope only for the account and region of a detail
 * without them, so an event is valid when it has a detail with every field as SageMaker's
 * contract allows, and a location.
 */
function isValidStateChange(event: Event): boolean {
  const detail = event.detail;
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return false;
  return (
    Object.entries(validDetailField).every(
      ([name, valid]) =>
        Object.hasOwn(detail, name) && valid((detail as Record<string, unknown>)[name]),
    ) && isLocation(locationOf(event))
  );
}

// ---------------------------------------------------------------------------------------------

describe('fuzz: state-change events into the ingest handler', () => {
  it(
    `takes exactly the valid ones; a rejected one names its field and writes nothing (${FUZZ_RUNS} cases)`,
    async () => {
      let rejected = 0;
      await fc.assert(
        fc.asyncProperty(
          stateChangeEvent,
          fc.array(mutation, { minLength: 0, maxLength: 3 }),
          async (valid, mutations) => {
            const { event, touched } = mutate(valid, mutations);
            const { deps, calls } = ingestDeps();
            const expected = isValidStateChange(event);
            let outcome: unknown;
            try {
              outcome = await handlers.ingest(deps)(event, lambdaContext('ingest'));
            } catch (error) {
              rejected += 1;
              expect(expected, `rejected a valid event: ${(error as Error).message}`).toBe(false);
              expectNamedFieldsTouched(error, touched);
              expect(calls).toEqual([]);
              return;
            }
            expect(expected, 'took an event SageMaker could not have sent').toBe(true);
            if ((event.detail as { detectedBy?: unknown }).detectedBy === 'refresh') {
              // A refresh reads the stored job first; none is stored here.
              expect(outcome).toEqual({
                outcome: 'refresh',
                refresh: { outcome: 'not-running', status: undefined },
              });
              expect(calls).toEqual(['getJob']);
              return;
            }
            expect(outcome).toEqual({ outcome: 'not-found' });
            expect(calls).toEqual(['describeJob', 'markNotFound']);
          },
        ),
        fuzzParameters(),
      );
      // Both sides of the property were exercised.
      expect(rejected).toBeGreaterThan(FUZZ_RUNS / 10);
      expect(rejected).toBeLessThan(FUZZ_RUNS);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    `rejects random JSON naming what is wrong, and writes nothing (${FUZZ_RUNS} cases)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue({ maxDepth: 3 }),
            fc.record({ detail: fc.jsonValue({ maxDepth: 2 }), source: anyText() }),
          ),
          async (event) => {
            const { deps, calls } = ingestDeps();
            const error = await handlers
              .ingest(deps)(event, lambdaContext('ingest'))
              .then(
                () => undefined,
                (reason: unknown) => reason,
              );
            expect(namedFields(error).length).toBeGreaterThan(0);
            expect(calls).toEqual([]);
          },
        ),
        fuzzParameters(),
      );
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('fuzz: Recorded events into the notify handler', () => {
  it(
    `a rejected event names its field and publishes nothing (${FUZZ_RUNS} cases)`,
    async () => {
      let rejected = 0;
      await fc.assert(
        fc.asyncProperty(
          recordedEvent,
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (valid, mutations) => {
            const { event, touched } = mutate(valid, mutations);
            const { deps, calls } = notifyDeps();
            let outcome: unknown;
            try {
              outcome = await handlers.notify(deps)(event, lambdaContext('notify'));
            } catch (error) {
              rejected += 1;
              expectNamedFieldsTouched(error, touched);
              expect(calls).toEqual([]);
              return;
            }
            const status = (event.detail as { status: string }).status;
            expect(calls).toEqual(isTerminal(status) ? ['claim'] : []);
            expect(outcome).toMatchObject({
              outcome: isTerminal(status) ? 'duplicate' : 'ignored',
            });
          },
        ),
        fuzzParameters(),
      );
      expect(rejected).toBeGreaterThan(FUZZ_RUNS / 10);
    },
    FUZZ_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------
// detect: the schedule, CloudTrail, backfill, and anything else.

const cloudTrailSamples = [
  readEventFile<Event>('eventbridge/cloudtrail-create-inference-recommendations-job.json'),
  readEventFile<Event>('eventbridge/cloudtrail-stop-inference-recommendations-job.json'),
];
const scheduledSample = readEventFile<Event>('eventbridge/scheduled-event.json');

const detectEvent: fc.Arbitrary<Event | Json> = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...cloudTrailSamples), fc.array(mutation, { maxLength: 3 }))
      .map(([sample, mutations]) => mutate(sample, mutations).event),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(fc.constant(scheduledSample), fc.array(mutation, { maxLength: 2 }))
      .map(([sample, mutations]) => mutate(sample, mutations).event),
    weight: 2,
  },
  { arbitrary: fc.record({ backfill: fc.oneof(fc.constant(true), replacement) }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, weight: 2 },
);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** What detect.input.ts documents, written apart from it. */
function classify(
  event: unknown,
):
  | { kind: 'poll' | 'backfill' | 'wiring-mistake' }
  | { kind: 'cloudtrail'; jobName: string }
  | { kind: 'unusable'; field: string } {
  if (!isRecord(event)) return { kind: 'wiring-mistake' };
  if (event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
    return { kind: 'poll' };
  }
  if (event.backfill === true) return { kind: 'backfill' };
  if (event.source !== 'aws.sagemaker' || event['detail-type'] !== 'AWS API Call via CloudTrail') {
    return { kind: 'wiring-mistake' };
  }
  const detail = event.detail;
  if (!isRecord(detail)) return { kind: 'unusable', field: 'detail' };
  // The account and region of the call are the envelope's (a spoke's rule forwards them as is).
  const { account, region } = event;
  if (typeof account !== 'string' || !ACCOUNT_ID.test(account)) {
    return { kind: 'unusable', field: 'account' };
  }
  if (typeof region !== 'string' || !REGION_NAME.test(region)) {
    return { kind: 'unusable', field: 'region' };
  }
  if (!(CLOUDTRAIL_EVENT_NAMES as readonly unknown[]).includes(detail.eventName)) {
    return { kind: 'unusable', field: 'eventName' };
  }
  const parameters = detail.requestParameters;
  if (!isRecord(parameters)) return { kind: 'unusable', field: 'requestParameters' };
  const name = parameters.jobName;
  if (typeof name !== 'string' || name.length > 64 || !JOB_NAME_PATTERN.test(name)) {
    return { kind: 'unusable', field: 'jobName' };
  }
  if (detail.errorCode !== undefined && typeof detail.errorCode !== 'string') {
    return { kind: 'unusable', field: 'errorCode' };
  }
  if (detail.errorCode) return { kind: 'unusable', field: String(detail.errorCode) };
  // The fuzzed detect watches the samples' account and region only.
  if (account !== '111122223333' || region !== 'us-east-1') {
    return { kind: 'unusable', field: 'is not watched' };
  }
  return { kind: 'cloudtrail', jobName: name };
}

describe('fuzz: events into the detect handler', () => {
  it(
    `throws only for wiring mistakes, and ignores unusable CloudTrail events with a reason (${FUZZ_RUNS} cases)`,
    async () => {
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(detectEvent, async (event) => {
          const { deps, calls } = detectDeps();
          const expected = classify(event);
          seen.set(expected.kind, (seen.get(expected.kind) ?? 0) + 1);
          let result: unknown;
          try {
            result = await handlers.detect(deps)(event, lambdaContext('detect'));
          } catch (error) {
            expect(expected.kind, (error as Error).message).toBe('wiring-mistake');
            expect((error as Error).name).toBe('UnexpectedDetectInputError');
            expect((error as Error).message).toMatch(/; got /);
            expect(calls).toEqual([]);
            return;
          }
          switch (expected.kind) {
            case 'wiring-mistake':
              throw new Error(`accepted a wiring mistake: ${JSON.stringify(result)}`);
            case 'unusable': {
              expect(result).toMatchObject({ outcome: 'ignored' });
              const reason = (result as { reason: string }).reason;
              expect(reason).toContain(expected.field);
              expect(calls).toEqual([]);
              break;
            }
            case 'cloudtrail':
              expect(result).toMatchObject({ outcome: 'not-found', jobName: expected.jobName });
              expect(calls).toEqual(['describeJob']);
              break;
            default:
              expect(result).toMatchObject({ mode: expected.kind, stateChanges: 0 });
          }
        }),
        fuzzParameters(),
      );
      console.log(`detect fuzz: ${JSON.stringify(Object.fromEntries(seen))}`);
      for (const kind of ['poll', 'backfill', 'wiring-mistake', 'unusable', 'cloudtrail']) {
        expect(seen.get(kind), kind).toBeGreaterThan(0);
      }
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('job names longer than SageMaker allows', () => {
  // SageMaker's JobName is at most 64 characters besides its pattern; jobNameSchema checks only
  // the pattern, which a name of dashes matches at any length.
  const tooLong = `a${'-'.repeat(63)}b`;

  it('ingest rejects a state change naming a 65-character job, naming jobName', async () => {
    const { deps, calls } = ingestDeps();
    const event = {
      detail: {
        jobName: tooLong,
        accountId: '111122223333',
        region: 'us-east-1',
        jobArn: null,
        status: 'COMPLETED',
        previousStatus: null,
        lastModifiedTime: null,
        detectedBy: 'poll',
      },
    };
    const error = await handlers
      .ingest(deps)(event, lambdaContext('ingest'))
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(namedFields(error)).toEqual([['detail', 'jobName']]);
    expect(calls).toEqual([]);
  });

  it('detect ignores a CloudTrail call naming a 65-character job, with the reason', async () => {
    const event = structuredClone(cloudTrailSamples[0]!) as Event & {
      detail: { requestParameters: { jobName: string } };
    };
    event.detail.requestParameters.jobName = tooLong;
    const { deps, calls } = detectDeps();
    const result = await handlers.detect(deps)(event, lambdaContext('detect'));
    expect(result).toMatchObject({
      outcome: 'ignored',
      reason: expect.stringContaining('jobName'),
    });
    expect(calls).toEqual([]);
  });
});
