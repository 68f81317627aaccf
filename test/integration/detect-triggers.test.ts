import { beforeAll, describe, expect, it } from 'vitest';
import type {
  createDetectDeps as CreateDetectDeps,
  DetectDepsOptions,
} from '../../functions/detect/deps.js';
import type { CloudTrailOutcome } from '../../functions/detect/detect.js';
import type { createHandler as CreateHandler } from '../../functions/detect/handler.js';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { matchesEventPattern } from '../../local/aws/eventbridge/event-pattern.js';
import { keys } from '../../shared/db/table.js';
import { STATE_CHANGE } from '../../shared/events.js';
import {
  eventPatternsOf,
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

interface CloudTrailEvent {
  time: string;
  detail: { requestParameters: Record<string, unknown> | null; [key: string]: unknown };
  [key: string]: unknown;
}

const clock = simulatedClock('2024-11-24T14:00:00.000Z');
const world = useLocalWorld({ now: clock.now, as: 'detect' });
const scheduledEvent = readEventFile('eventbridge/scheduled-event.json');
const createEvent = readEventFile<CloudTrailEvent>(
  'eventbridge/cloudtrail-create-inference-recommendations-job.json',
);
const stopEvent = readEventFile<CloudTrailEvent>(
  'eventbridge/cloudtrail-stop-inference-recommendations-job.json',
);
const noSleep = async () => undefined;

let createHandler: typeof CreateHandler;
let createDetectDeps: typeof CreateDetectDeps;

beforeAll(async () => {
  // After useLocalWorld's beforeAll: deps.ts reads TABLE_NAME and the endpoints at import.
  ({ createHandler } = await import('../../functions/detect/handler.js'));
  ({ createDetectDeps } = await import('../../functions/detect/deps.js'));
});

function invoke(event: unknown, options: DetectDepsOptions = {}) {
  const handler = createHandler(
    createDetectDeps({ now: clock.date, retry: { sleep: noSleep }, ...options }),
  );
  return handler(event, lambdaContext('detect'));
}

const poll = async () => onlyReport(await invoke(scheduledEvent));
const iso = (ms: number) => new Date(ms).toISOString();

/** The two jobs the CloudTrail samples name, moving through their states at the samples' times. */
function addSampleJobsWithTimelines() {
  const created = Date.parse('2024-11-24T14:40:00.123Z');
  world.simulator.addJob(
    timelineJob('xgboost-churn-default', created, [
      ['PENDING', 0],
      ['IN_PROGRESS', 45_000],
      ['COMPLETED', 32 * MINUTE],
    ]),
  );
  const started = Date.parse('2024-11-26T10:47:55.018Z');
  world.simulator.addJob(
    timelineJob(
      'tabular-stopped',
      started,
      [
        ['PENDING', 0],
        ['IN_PROGRESS', MINUTE],
        ['STOPPING', Date.parse('2024-11-26T11:18:58.500Z') - started],
        ['STOPPED', Date.parse('2024-11-26T11:20:34.378Z') - started],
      ],
      'tabular-stopped',
    ),
  );
}

describe('CloudTrail events', () => {
  it('reports a created job at once, with the status Describe reads', async () => {
    await resetDetector(world);
    addSampleJobsWithTimelines();
    clock.set(Date.parse(createEvent.time) + 2_000);
    const from = world.eventBridge.events.length;
    const calls = world.simulator.calls.length;

    const result = (await invoke(createEvent)) as CloudTrailOutcome;

    expect(result.outcome).toBe('emitted');
    expect(simulatorCalls(world, 'DescribeInferenceRecommendationsJob', calls)).toMatchObject([
      { input: { JobName: 'xgboost-churn-default' } },
    ]);
    const jobArn =
      'arn:aws:sagemaker:us-east-1:111122223333:inference-recommendations-job/xgboost-churn-default';
    const events = stateChanges(world, from);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      source: 'irwatch',
      'detail-type': STATE_CHANGE,
      resources: [jobArn],
      detail: {
        jobName: 'xgboost-churn-default',
        jobArn,
        status: 'PENDING',
        previousStatus: null,
        lastModifiedTime: '2024-11-24T14:40:00.123Z',
        detectedBy: 'cloudtrail',
      },
    });
    expect(await seenItems(world)).toMatchObject([
      { jobName: 'xgboost-churn-default', status: 'PENDING' },
    ]);

    // The next poll carries on from what the CloudTrail event stored.
    clock.advance(MINUTE);
    const next = world.eventBridge.events.length;
    await poll();
    expect(stateChanges(world, next).map((event) => event.detail)).toMatchObject([
      { jobName: 'xgboost-churn-default', previousStatus: 'PENDING', status: 'IN_PROGRESS' },
    ]);
  });

  it('reports a stopped job with the status irwatch last saw as the previous one', async () => {
    await resetDetector(world);
    addSampleJobsWithTimelines();
    clock.set(Date.parse('2024-11-26T10:50:00Z'));
    await poll();
    clock.set(Date.parse(stopEvent.time) + 3_000);
    const from = world.eventBridge.events.length;

    await invoke(stopEvent);

    expect(stateChanges(world, from).map((event) => event.detail)).toEqual([
      {
        jobName: 'tabular-stopped',
        ...HOME,
        jobArn:
          'arn:aws:sagemaker:us-east-1:111122223333:inference-recommendations-job/tabular-stopped',
        status: 'STOPPING',
        previousStatus: 'IN_PROGRESS',
        lastModifiedTime: '2024-11-26T11:18:58.500Z',
        detectedBy: 'cloudtrail',
      },
    ]);

    // A poll in the same minute has nothing to add; the one after STOPPED reports it once.
    const afterStop = world.eventBridge.events.length;
    clock.advance(20_000);
    await poll();
    clock.set(Date.parse('2024-11-26T11:21:00Z'));
    await poll();
    expect(stateChanges(world, afterStop).map((event) => event.detail)).toMatchObject([
      { jobName: 'tabular-stopped', previousStatus: 'STOPPING', status: 'STOPPED' },
    ]);
  });

  it('logs and ignores a CloudTrail event that names no job, without calling SageMaker', async () => {
    await resetDetector(world);
    const calls = world.simulator.calls.length;
    const from = world.eventBridge.events.length;
    const unusable = [
      { ...createEvent, detail: { ...createEvent.detail, requestParameters: null } },
      {
        ...createEvent,
        detail: { ...createEvent.detail, requestParameters: { jobName: 'not a job name!' } },
      },
      { ...createEvent, detail: { ...createEvent.detail, errorCode: 'ResourceInUse' } },
      { ...createEvent, detail: 'not an object' },
    ];
    for (const event of unusable) {
      await expect(invoke(event)).resolves.toMatchObject({ outcome: 'ignored' });
    }
    expect(world.simulator.calls.length).toBe(calls);
    expect(stateChanges(world, from)).toEqual([]);
  });

  it('reports nothing, and does not fail, for a job SageMaker does not know', async () => {
    await resetDetector(world);
    const from = world.eventBridge.events.length;
    await expect(invoke(stopEvent)).resolves.toMatchObject({
      outcome: 'not-found',
      jobName: 'tabular-stopped',
    });
    expect(stateChanges(world, from)).toEqual([]);
    expect(await seenItems(world)).toEqual([]);
  });
});

describe('backfill', () => {
  it('reports 1,000 historic jobs the first poll cannot see and stores their statuses', async () => {
    await resetDetector(world);
    const now = Date.parse('2024-12-31T12:00:00Z');
    clock.set(now);
    const statuses = ['COMPLETED', 'FAILED', 'STOPPED'] as const;
    for (let i = 0; i < 1000; i += 1) {
      const start = now - 60 * 24 * HOUR + i * HOUR;
      world.simulator.addJob(
        timelineJob(`history-${String(i).padStart(4, '0')}`, start, [
          ['PENDING', 0],
          ['IN_PROGRESS', MINUTE],
          [statuses[i % 3]!, 40 * MINUTE],
        ]),
      );
    }
    const from = world.eventBridge.events.length;

    const firstPoll = await poll();
    expect(firstPoll.modifiedAfter).toBe(iso(now - 24 * HOUR));
    expect(firstPoll.stateChanges).toBe(0);

    const report = onlyReport(await invoke({ backfill: true }));

    expect(report).toMatchObject({
      mode: 'backfill',
      modifiedAfter: null,
      jobsListed: 1000,
      stateChanges: 1000,
      calls: { sagemakerList: 10, putEvents: 100 },
    });
    const events = stateChanges(world, from);
    expect(events).toHaveLength(1000);
    expect(new Set(events.map((event) => event.detail.jobName)).size).toBe(1000);
    expect(events.every((event) => event.detail.detectedBy === 'backfill')).toBe(true);
    expect(events.filter((event) => event.detail.status === 'FAILED')).toHaveLength(333);
    const seen = await seenItems(world);
    expect(seen).toHaveLength(1000);
    expect(seen.find((item) => item.jobName === 'history-0002')).toMatchObject({
      status: 'STOPPED',
    });
    const newest = now - 60 * 24 * HOUR + 999 * HOUR + 40 * MINUTE;
    expect(await storedWatermark(world)).toBe(iso(newest));

    // No ingest runs here, so no job record was stored: a second backfill still finds all 1,000
    // unrecorded (it compares with the job records, not with what detect saw). The poll, which
    // compares with what detect saw, finds nothing new.
    // The watermark of the one account and region, then the records, 100 a BatchGetItem.
    expect(await invoke({ backfill: true })).toMatchObject({
      stateChanges: 1000,
      calls: { dynamoBatchGet: 1 + 10 },
    });
    clock.advance(MINUTE);
    expect(await poll()).toMatchObject({ modifiedAfter: iso(newest - 5 * MINUTE) });
    expect(stateChanges(world, from)).toHaveLength(2000);
  });

  it('emits a state change for each job whose stored record is missing, older or in another status, and none for the rest', async () => {
    await resetDetector(world);
    const now = Date.parse('2025-02-01T12:00:00Z');
    clock.set(now);
    const names = ['drift-same', 'drift-rolled-back', 'drift-older', 'drift-missing'];
    for (const name of names) {
      world.simulator.addJob(
        timelineJob(name, now - 2 * HOUR, [
          ['PENDING', 0],
          ['IN_PROGRESS', MINUTE],
          ['COMPLETED', 40 * MINUTE],
        ]),
      );
    }
    const finished = iso(now - 2 * HOUR + 40 * MINUTE);
    const record = async (jobName: string, status: string, lastModifiedTime: string) =>
      world.table.doc.send(
        new PutCommand({
          TableName: world.table.tableName,
          Item: {
            ...keys.job(jobKey(jobName)),
            entity: 'job',
            ...jobKey(jobName),
            status,
            lastModifiedTime,
          },
        }),
      );
    await record('drift-same', 'COMPLETED', finished);
    // Rolled back by hand: an older status with the same time, as a lost event would leave it.
    await record('drift-rolled-back', 'IN_PROGRESS', finished);
    await record('drift-older', 'COMPLETED', iso(now - 3 * HOUR));
    // Detect's own marks say every job was seen COMPLETED: a backfill must not trust them.
    await poll();
    const from = world.eventBridge.events.length;

    const report = onlyReport(await invoke({ backfill: true }));

    const details = stateChanges(world, from).map((event) => event.detail);
    expect(details.map((detail) => detail.jobName).sort()).toEqual(
      ['drift-missing', 'drift-older', 'drift-rolled-back'].sort(),
    );
    expect(details.find((detail) => detail.jobName === 'drift-rolled-back')).toMatchObject({
      status: 'COMPLETED',
      previousStatus: 'IN_PROGRESS',
      detectedBy: 'backfill',
    });
    expect(details.find((detail) => detail.jobName === 'drift-missing')).toMatchObject({
      previousStatus: null,
    });
    expect(report).toMatchObject({
      jobsListed: expect.any(Number) as unknown,
      stateChanges: 3,
    });
  });
});

describe('what detect is invoked with', () => {
  it.each([
    ['an empty object', {}],
    ['a backfill that is not asked for', { backfill: false }],
    ['an SQS batch', { Records: [{ body: '{}' }] }],
    ['a state-change event', { source: 'irwatch', 'detail-type': STATE_CHANGE, detail: {} }],
    ['nothing', null],
  ])('fails on %s, naming what it expects', async (_label, event) => {
    await expect(invoke(event)).rejects.toMatchObject({
      name: 'UnexpectedDetectInputError',
      message: expect.stringContaining('{"backfill": true}') as unknown,
    });
  });
});

describe('event patterns in serverless.yml', () => {
  it('every event detect emits matches the rule that routes state changes to ingest', async () => {
    await resetDetector(world);
    addSampleJobsWithTimelines();
    const from = world.eventBridge.events.length;
    clock.set(Date.parse(createEvent.time) + 2_000);
    await invoke(createEvent);
    clock.advance(MINUTE);
    await poll();
    clock.set(Date.parse(stopEvent.time) + 3_000);
    await invoke(stopEvent);
    await resetDetector(world);
    addSampleJobsWithTimelines();
    await invoke({ backfill: true });

    const emitted = world.eventBridge.events.slice(from).map((record) => record.event);
    expect(new Set(stateChanges(world, from).map((e) => e.detail.detectedBy))).toEqual(
      new Set(['cloudtrail', 'poll', 'backfill']),
    );
    const [ingestPattern] = eventPatternsOf('ingest');
    expect(ingestPattern).toBeDefined();
    for (const event of emitted) expect(matchesEventPattern(ingestPattern, event)).toBe(true);
  });

  it("detect's CloudTrail rules (the account's own and the spokes') match both samples and no other SageMaker call", () => {
    const [cloudTrailPattern, spokesPattern, ...others] = eventPatternsOf('detect');
    expect(others).toEqual([]);
    expect(spokesPattern).toEqual(cloudTrailPattern);
    expect(matchesEventPattern(cloudTrailPattern, createEvent)).toBe(true);
    expect(matchesEventPattern(cloudTrailPattern, stopEvent)).toBe(true);
    const otherCall = {
      ...createEvent,
      detail: { ...createEvent.detail, eventName: 'CreateTrainingJob' },
    };
    expect(matchesEventPattern(cloudTrailPattern, otherCall)).toBe(false);
    expect(matchesEventPattern(cloudTrailPattern, scheduledEvent)).toBe(false);
  });
});
