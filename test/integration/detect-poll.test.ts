import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  createDetectDeps as CreateDetectDeps,
  DetectDepsOptions,
} from '../../functions/detect/deps.js';
import type { DetectReport } from '../../functions/detect/detect.js';
import type * as DetectorStore from '../../functions/detect/detector-store.js';
import type { createHandler as CreateHandler } from '../../functions/detect/handler.js';
import type { JobStatus } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { keys } from '../../shared/db/table.js';
import {
  HOUR,
  MINUTE,
  resetDetector,
  seenItems,
  simulatedClock,
  simulatorCalls,
  stateChanges,
  storedWatermark,
  onlyReport,
  timelineJob,
} from '../support/detect.js';
import { HOME, jobKey, lambdaContext, readEventFile, useLocalWorld } from '../support/world.js';

const clock = simulatedClock('2026-03-02T09:00:00.000Z');
const world = useLocalWorld({ now: clock.now, as: 'detect' });
const scheduledEvent = readEventFile('eventbridge/scheduled-event.json');
const noSleep = async () => undefined;
const LIST = 'ListInferenceRecommendationsJobs';

let createHandler: typeof CreateHandler;
let createDetectDeps: typeof CreateDetectDeps;
let store: typeof DetectorStore;

beforeAll(async () => {
  // After useLocalWorld's beforeAll: deps.ts reads TABLE_NAME and the endpoints at import.
  ({ createHandler } = await import('../../functions/detect/handler.js'));
  ({ createDetectDeps } = await import('../../functions/detect/deps.js'));
  store = await import('../../functions/detect/detector-store.js');
});

/** One scheduled invocation of the real handler at the simulated time. */
async function poll(options: DetectDepsOptions = {}): Promise<DetectReport> {
  const handler = createHandler(
    createDetectDeps({ now: clock.date, retry: { sleep: noSleep }, ...options }),
  );
  return onlyReport(await handler(scheduledEvent, lambdaContext('detect')));
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The job's status and LastModifiedTime as the simulator shows it now (what a poll can see). */
function visible(name: string): { status: JobStatus; lastModifiedTime: string } | undefined {
  const view = world.simulator.describeJob(name);
  if (!view) return undefined;
  return {
    status: view.Status as JobStatus,
    lastModifiedTime: iso(Math.round(Number(view.LastModifiedTime) * 1000)),
  };
}

async function setWatermark(ms: number) {
  await store.writeWatermark(world.table.doc, world.table.tableName, HOME, iso(ms), new Date(ms));
}

describe('detect polls SageMaker over simulated time', () => {
  it('reports every transition a poll can see exactly once, across overlapping polls', async () => {
    await resetDetector(world);
    const t0 = clock.now();
    const timelines: Record<string, Array<[JobStatus, number]>> = {
      'steady-complete': [
        ['PENDING', 0],
        ['IN_PROGRESS', 2 * MINUTE],
        ['COMPLETED', 38 * MINUTE],
      ],
      'quick-fail': [
        ['PENDING', 5 * MINUTE],
        ['IN_PROGRESS', 5 * MINUTE + 20_000],
        ['FAILED', 21 * MINUTE],
      ],
      'stopped-by-hand': [
        ['PENDING', 10 * MINUTE],
        ['IN_PROGRESS', 11 * MINUTE],
        ['STOPPING', 30 * MINUTE],
        ['STOPPED', 31 * MINUTE + 30_000],
      ],
      // Born and finished between two polls: the only state a poll can see is COMPLETED.
      'within-one-minute': [
        ['PENDING', 15 * MINUTE + 10_000],
        ['IN_PROGRESS', 15 * MINUTE + 20_000],
        ['COMPLETED', 15 * MINUTE + 50_000],
      ],
      // Seen PENDING, then IN_PROGRESS and COMPLETED before the next poll.
      'skips-a-state': [
        ['PENDING', 24 * MINUTE + 30_000],
        ['IN_PROGRESS', 25 * MINUTE + 10_000],
        ['COMPLETED', 25 * MINUTE + 50_000],
      ],
      'long-advanced': [
        ['PENDING', 20 * MINUTE],
        ['IN_PROGRESS', 20 * MINUTE + 1_000],
        ['COMPLETED', 2 * HOUR],
      ],
    };
    for (const [name, timeline] of Object.entries(timelines)) {
      world.simulator.addJob(timelineJob(name, t0, timeline));
    }

    const from = world.eventBridge.events.length;
    const expected = new Map<string, Array<[JobStatus | null, JobStatus, string]>>();
    for (let minute = 0; minute <= 150; minute += 1) {
      clock.set(t0 + minute * MINUTE);
      await poll();
      for (const name of Object.keys(timelines)) {
        const now = visible(name);
        if (!now) continue;
        const seen = expected.get(name) ?? [];
        const last = seen[seen.length - 1];
        if (last?.[1] !== now.status) {
          seen.push([last?.[1] ?? null, now.status, now.lastModifiedTime]);
        }
        expected.set(name, seen);
      }
    }

    const events = stateChanges(world, from);
    for (const name of Object.keys(timelines)) {
      const got = events
        .filter((event) => event.detail.jobName === name)
        .map((event): [JobStatus | null, JobStatus, string | null] => [
          event.detail.previousStatus,
          event.detail.status,
          event.detail.lastModifiedTime,
        ]);
      expect(got, name).toEqual(expected.get(name));
    }
    expect(events.every((event) => event.detail.detectedBy === 'poll')).toBe(true);
    expect(events.every((event) => event.resources[0] === event.detail.jobArn)).toBe(true);
    // Spelled out for the two cases the model above covers implicitly.
    expect(
      events.filter((e) => e.detail.jobName === 'within-one-minute').map((e) => e.detail),
    ).toMatchObject([{ previousStatus: null, status: 'COMPLETED' }]);
    expect(
      events.filter((e) => e.detail.jobName === 'skips-a-state').map((e) => e.detail),
    ).toMatchObject([
      { previousStatus: null, status: 'PENDING' },
      { previousStatus: 'PENDING', status: 'COMPLETED' },
    ]);
    expect(events).toHaveLength(16);
  });

  it('does not skip a job whose LastModifiedTime equals the watermark', async () => {
    await resetDetector(world);
    const tie = clock.now() - 30_000;
    const narrow = { config: { overlapMs: 1 } };
    world.simulator.addJob(timelineJob('tie-first', tie, [['COMPLETED', 0]]));
    const first = await poll(narrow);
    expect(first.watermark.after).toBe(iso(tie));

    // Changed at the same instant, but not yet in the listing the first poll read.
    world.simulator.addJob(timelineJob('tie-late', tie, [['COMPLETED', 0]]));
    clock.advance(MINUTE);
    const from = world.eventBridge.events.length;
    const calls = world.simulator.calls.length;
    const second = await poll(narrow);

    expect(second.modifiedAfter).toBe(iso(tie - 1));
    expect(simulatorCalls(world, LIST, calls)[0]?.input.LastModifiedTimeAfter).toBe(
      (tie - 1) / 1000,
    );
    expect(stateChanges(world, from).map((event) => event.detail.jobName)).toEqual(['tie-late']);
  });

  it('does not report a job that disappears from SageMaker', async () => {
    await resetDetector(world);
    const t = clock.now();
    world.simulator.addJob(
      timelineJob('vanishing', t, [
        ['PENDING', 0],
        ['IN_PROGRESS', MINUTE],
        ['COMPLETED', 30 * MINUTE],
      ]),
    );
    clock.set(t + 2 * MINUTE);
    await poll();
    expect(world.simulator.removeJob('vanishing')).toBe(true);

    const from = world.eventBridge.events.length;
    clock.set(t + 3 * MINUTE);
    const soon = await poll();
    clock.set(t + 40 * MINUTE);
    const later = await poll();

    expect(stateChanges(world, from)).toEqual([]);
    expect([soon.jobsListed, later.jobsListed]).toEqual([0, 0]);
    expect(await seenItems(world)).toMatchObject([{ jobName: 'vanishing', status: 'IN_PROGRESS' }]);
  });

  // The counts a benchmark prints: they depend only on the number of jobs, never on timing.
  it.each([
    // changed, List calls, PutEvents calls, BatchGetItem calls, BatchWriteItem calls
    [0, 1, 0, 0, 0],
    [10, 1, 1, 1, 1],
    [1000, 10, 100, 10, 40],
  ])(
    'handles %i jobs changed since the watermark in one invocation: %i List and %i PutEvents calls',
    async (changed, listCalls, putEventsCalls, batchGets, batchWrites) => {
      await resetDetector(world);
      const t = clock.now();
      await setWatermark(t);
      for (let i = 0; i < changed; i += 1) {
        world.simulator.addJob(
          timelineJob(`bulk-${String(i).padStart(4, '0')}`, t + 1_000 + i, [
            ['PENDING', 0],
            ['COMPLETED', 30_000],
          ]),
        );
      }
      clock.advance(MINUTE);
      const events = world.eventBridge.events.length;
      const putEvents = world.eventBridge.calls.length;
      const sagemaker = world.simulator.calls.length;

      const report = await poll();

      expect(report.calls).toEqual({
        sagemakerList: listCalls,
        sagemakerDescribe: 0,
        putEvents: putEventsCalls,
        dynamoBatchGet: batchGets,
        dynamoBatchWrite: batchWrites,
      });
      // The report tells the truth: the servers saw the same calls.
      expect(simulatorCalls(world, LIST, sagemaker)).toHaveLength(listCalls);
      expect(world.simulator.calls.length - sagemaker).toBe(listCalls);
      expect(world.eventBridge.calls.length - putEvents).toBe(putEventsCalls);
      expect(putEventsCalls).toBeLessThanOrEqual(Math.ceil(changed / 10));

      const emitted = stateChanges(world, events);
      expect(report.stateChanges).toBe(changed);
      expect(new Set(emitted.map((event) => event.detail.jobName)).size).toBe(changed);
      expect(
        emitted.every((e) => e.detail.status === 'COMPLETED' && !e.detail.previousStatus),
      ).toBe(true);
      expect(await seenItems(world)).toHaveLength(changed);
      const newest = changed === 0 ? iso(t) : iso(t + 1_000 + changed - 1 + 30_000);
      expect(await storedWatermark(world)).toBe(newest);

      // The next poll lists the same jobs again (overlap) and has nothing to say.
      clock.advance(MINUTE);
      const again = await poll();
      expect(again.stateChanges).toBe(0);
      expect(again.calls.putEvents).toBe(0);
      expect(again.calls.sagemakerList).toBe(listCalls);
      expect(stateChanges(world, events)).toHaveLength(changed);
    },
  );

  it('resends the entries PutEvents refused, once each', async () => {
    await resetDetector(world);
    const t = clock.now();
    await setWatermark(t);
    for (let i = 0; i < 25; i += 1) {
      world.simulator.addJob(timelineJob(`part-${i}`, t + 1_000 + i, [['COMPLETED', 0]]));
    }
    const flaky = new Set(['part-3', 'part-14', 'part-22']);
    world.eventBridge.setFailEntry((entry) => {
      const { jobName } = JSON.parse(entry.Detail ?? '{}') as { jobName?: string };
      if (!jobName || !flaky.delete(jobName)) return undefined;
      return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' };
    });
    clock.advance(MINUTE);
    const events = world.eventBridge.events.length;
    const putEvents = world.eventBridge.calls.length;

    const report = await poll();

    expect(flaky.size).toBe(0);
    expect(report.resent).toBe(3);
    expect(report.calls.putEvents).toBe(4);
    expect(world.eventBridge.calls.length - putEvents).toBe(4);
    const names = stateChanges(world, events).map((event) => event.detail.jobName);
    expect(names).toHaveLength(25);
    expect(new Set(names).size).toBe(25);
    expect(await seenItems(world)).toHaveLength(25);
  });

  it('fails without moving the watermark past a job the bus never accepted', async () => {
    await resetDetector(world);
    const t = clock.now();
    await setWatermark(t);
    const changedAt = { 'perm-a': 10_000, 'perm-b': 20_000, 'perm-c': 30_000 };
    for (const [name, offset] of Object.entries(changedAt)) {
      world.simulator.addJob(
        timelineJob(name, t + 1_000, [
          ['PENDING', 0],
          ['COMPLETED', offset],
        ]),
      );
    }
    world.eventBridge.setFailEntry((entry) =>
      entry.Detail?.includes('"perm-b"')
        ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' }
        : undefined,
    );
    clock.advance(MINUTE);
    const events = world.eventBridge.events.length;

    await expect(poll()).rejects.toMatchObject({
      name: 'StateChangesNotAcceptedError',
      jobNames: ['perm-b'],
    });

    const refusedAt = iso(t + 1_000 + changedAt['perm-b']);
    expect(await storedWatermark(world)).toBe(refusedAt);
    expect(
      stateChanges(world, events)
        .map((e) => e.detail.jobName)
        .sort(),
    ).toEqual(['perm-a', 'perm-c']);
    expect((await seenItems(world)).map((item) => item.jobName).sort()).toEqual([
      'perm-a',
      'perm-c',
    ]);

    // The bus recovers: the next poll still lists perm-b and reports it, and only it.
    world.eventBridge.setFailEntry(undefined);
    clock.advance(MINUTE);
    const retry = world.eventBridge.events.length;
    const report = await poll();
    expect(report.modifiedAfter! < refusedAt).toBe(true);
    expect(stateChanges(world, retry).map((e) => e.detail)).toMatchObject([
      { jobName: 'perm-b', status: 'COMPLETED', previousStatus: null },
    ]);
    expect(await storedWatermark(world)).toBe(iso(t + 1_000 + changedAt['perm-c']));
  });
});

describe('detector store', () => {
  /** The real client, with the answers of some calls cut short the way DynamoDB may. */
  function throttledDoc(unprocessedOnCall: (call: number) => number) {
    const real = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: world.table.endpoint }),
    );
    let call = 0;
    const doc = {
      async send(command: Parameters<typeof real.send>[0]) {
        const result = (await real.send(command)) as {
          Responses?: Record<string, Array<Record<string, unknown>>>;
          UnprocessedKeys?: Record<string, { Keys?: Array<Record<string, unknown>> }>;
        };
        call += 1;
        const cut = unprocessedOnCall(call);
        const table = world.table.tableName;
        const responses = result.Responses?.[table] ?? [];
        if (cut > 0) {
          const keep = responses.slice(cut);
          result.UnprocessedKeys = {
            [table]: {
              Keys: responses.slice(0, cut).map((item) => keys.seen(jobKey(String(item.jobName)))),
            },
          };
          result.Responses = { [table]: keep };
        }
        return result;
      },
    };
    return doc as unknown as DynamoDBDocumentClient;
  }

  it('resends the keys BatchGetItem left unprocessed, with backoff', async () => {
    await resetDetector(world);
    const statuses = Array.from({ length: 150 }, (_, i) => ({
      jobName: `stored-${i}`,
      status: 'IN_PROGRESS' as const,
      lastModifiedTime: iso(clock.now() + i),
    }));
    await store.writeSeenStatuses(
      world.table.doc,
      world.table.tableName,
      HOME,
      statuses,
      clock.date(),
    );
    const waits: number[] = [];

    const read = await store.readSeenStatuses(
      throttledDoc((call) => (call === 1 ? 40 : 0)),
      world.table.tableName,
      HOME,
      statuses.map((s) => s.jobName),
      { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    );

    expect(read.calls).toBe(3);
    expect(waits).toEqual([50]);
    expect([...read.statuses.values()].sort((a, b) => (a.jobName < b.jobName ? -1 : 1))).toEqual(
      [...statuses].sort((a, b) => (a.jobName < b.jobName ? -1 : 1)),
    );
  });

  it('gives up, naming the unread keys, when BatchGetItem never processes them', async () => {
    await resetDetector(world);
    await store.writeSeenStatuses(
      world.table.doc,
      world.table.tableName,
      HOME,
      [{ jobName: 'stuck', status: 'PENDING', lastModifiedTime: null }],
      clock.date(),
    );
    await expect(
      store.readSeenStatuses(
        throttledDoc(() => 1),
        world.table.tableName,
        HOME,
        ['stuck'],
        {
          maxAttempts: 3,
          sleep: noSleep,
        },
      ),
    ).rejects.toMatchObject({ name: 'UnprocessedKeysError' });
  });

  it("reads the refresh round's mark in the same BatchGetItem as the watermarks", async () => {
    await resetDetector(world);
    await setWatermark(clock.now());
    const handler = createHandler(createDetectDeps({ now: clock.date, retry: { sleep: noSleep } }));
    const invoke = async () =>
      (await handler(scheduledEvent, lambdaContext('detect'))) as {
        calls: DetectReport['calls'];
        refreshMark?: string | null;
        refreshes?: { calls: { dynamoQuery: number } };
      };

    const first = await invoke();
    // One BatchGetItem for the watermark and the mark; the refresh then queries the three
    // running statuses and finds none: 4 DynamoDB requests and the mark written.
    expect(first.calls.dynamoBatchGet).toBe(1);
    expect(first.refreshMark).toBeNull();
    expect(first.refreshes?.calls.dynamoQuery).toBe(3);

    clock.advance(MINUTE);
    const second = await invoke();
    expect(second.calls.dynamoBatchGet).toBe(1);
    // The round before ended at the first poll's time: the mark came back with the watermark.
    expect(second.refreshMark).toBe(new Date(clock.now() - MINUTE).toISOString());
  });
});
