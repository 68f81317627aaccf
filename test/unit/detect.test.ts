import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectAcrossTargets,
  detectStateChanges,
  diffStatuses,
  TargetReadError,
  isOlderThan,
  modifiedAfterFor,
  nextWatermark,
  StateChangesNotAcceptedError,
  type DetectDeps,
  type JobSummary,
  type KnownJob,
  type SeenStatus,
} from '../../functions/detect/detect.js';
import { parseDetectInput, UnexpectedDetectInputError } from '../../functions/detect/input.js';
import {
  JOB_STATUSES,
  stateChangeDetailSchema,
  type StateChangeDetail,
} from '../../shared/events.js';
import { readEventFile } from '../support/world.js';

const BASE = Date.parse('2026-03-02T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const statusArb = fc.constantFrom(...JOB_STATUSES);
// A narrow range of times, so equal LastModifiedTimes (ties) come up often.
const timeArb = fc.option(
  fc.integer({ min: 0, max: 20 }).map((s) => iso(BASE + s * 1000)),
  { nil: null, freq: 8 },
);
const nameArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');

const jobArb = (jobName: fc.Arbitrary<string>) =>
  fc.record({
    jobName,
    jobArn: fc.constant(null),
    status: statusArb,
    lastModifiedTime: timeArb,
  }) as fc.Arbitrary<KnownJob>;

const seenArb = fc
  .uniqueArray(fc.record({ jobName: nameArb, status: statusArb, lastModifiedTime: timeArb }), {
    selector: (seen) => seen.jobName,
  })
  .map((list) => new Map(list.map((seen): [string, SeenStatus] => [seen.jobName, seen])));

const uniqueListingArb = fc.uniqueArray(jobArb(nameArb), { selector: (job) => job.jobName });

const seenOf = (job: KnownJob): SeenStatus => ({
  jobName: job.jobName,
  status: job.status,
  lastModifiedTime: job.lastModifiedTime,
});

describe('diffStatuses', () => {
  it('reports each change once, from the status last seen', () => {
    fc.assert(
      fc.property(fc.array(jobArb(nameArb), { maxLength: 20 }), seenArb, (listed, seen) => {
        const changes = diffStatuses(listed, seen);
        const names = changes.map((change) => change.job.jobName);
        expect(new Set(names).size).toBe(names.length);
        for (const { job, previousStatus } of changes) {
          expect(previousStatus).toBe(seen.get(job.jobName)?.status ?? null);
          expect(job.status).not.toBe(previousStatus);
          expect(listed).toContainEqual(job);
        }
      }),
    );
  });

  it('misses no job whose listed status differs from what was seen, unless the listing is older', () => {
    fc.assert(
      fc.property(uniqueListingArb, seenArb, (listed, seen) => {
        const changed = new Map(
          diffStatuses(listed, seen).map((change) => [change.job.jobName, change.job.status]),
        );
        for (const job of listed) {
          const last = seen.get(job.jobName);
          const expected = !last || (last.status !== job.status && !isOlderThan(job, last));
          expect(changed.get(job.jobName)).toBe(expected ? job.status : undefined);
        }
      }),
    );
  });

  it('finds nothing new in the same listing once the changes are stored (overlapping polls)', () => {
    fc.assert(
      fc.property(fc.array(jobArb(nameArb), { maxLength: 20 }), seenArb, (listed, seen) => {
        const stored = new Map(seen);
        for (const { job } of diffStatuses(listed, seen)) stored.set(job.jobName, seenOf(job));
        expect(diffStatuses(listed, stored)).toEqual([]);
      }),
    );
  });

  it('reports a job seen PENDING and listed COMPLETED as one change from PENDING', () => {
    const seen = new Map([['j', { jobName: 'j', status: 'PENDING', lastModifiedTime: iso(BASE) }]]);
    const listed: KnownJob[] = [
      { jobName: 'j', jobArn: null, status: 'COMPLETED', lastModifiedTime: iso(BASE + 60_000) },
    ];
    expect(diffStatuses(listed, seen as Map<string, SeenStatus>)).toEqual([
      { job: listed[0], previousStatus: 'PENDING' },
    ]);
  });

  it('ignores a listing older than what Describe already showed', () => {
    const seen = new Map<string, SeenStatus>([
      ['j', { jobName: 'j', status: 'STOPPING', lastModifiedTime: iso(BASE + 5_000) }],
    ]);
    const stale: KnownJob = {
      jobName: 'j',
      jobArn: null,
      status: 'IN_PROGRESS',
      lastModifiedTime: iso(BASE),
    };
    expect(diffStatuses([stale], seen)).toEqual([]);
  });
});

describe('nextWatermark', () => {
  const msArb = fc.integer({ min: 0, max: 1_000 }).map((s) => BASE + s * 1000);
  const inputArb = fc.record({
    current: fc.option(msArb.map(iso), { nil: null }),
    handled: fc.array(msArb.map(iso), { maxLength: 8 }),
    unaccepted: fc.array(msArb.map(iso), { maxLength: 3 }),
    startedAt: msArb.map((ms) => new Date(ms)),
  });

  it('never moves back, nor past a refused job, the start of the run or the newest job handled', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const next = nextWatermark(input);
        if (input.current !== null) {
          expect(next).not.toBeNull();
          expect(Date.parse(next!)).toBeGreaterThanOrEqual(Date.parse(input.current));
        }
        if (next === input.current) return;
        const at = Date.parse(next!);
        for (const refused of input.unaccepted) expect(at).toBeLessThanOrEqual(Date.parse(refused));
        expect(at).toBeLessThanOrEqual(input.startedAt.getTime());
        expect(at).toBeLessThanOrEqual(Math.max(...input.handled.map(Date.parse)));
      }),
    );
  });

  it('moves to the newest job handled when every event was accepted', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        fc.pre(input.handled.length > 0);
        const newest = Math.max(...input.handled.map(Date.parse));
        const startedAt = new Date(newest + 1_000);
        const expected = Math.max(newest, input.current ? Date.parse(input.current) : -Infinity);
        const next = nextWatermark({ ...input, unaccepted: [], startedAt });
        expect(Date.parse(next!)).toBe(expected);
      }),
    );
  });

  it('holds when a refused job has no LastModifiedTime to bound it', () => {
    expect(
      nextWatermark({
        current: iso(BASE),
        handled: [iso(BASE + 60_000)],
        unaccepted: [null],
        startedAt: new Date(BASE + 120_000),
      }),
    ).toBe(iso(BASE));
  });
});

describe('modifiedAfterFor', () => {
  const config = { overlapMs: 300_000, lookbackMs: 24 * 3_600_000 };
  const now = new Date(BASE);

  it('subtracts the overlap from the watermark, looks back on a first run, and lists all for a backfill', () => {
    expect(modifiedAfterFor('poll', iso(BASE - 60_000), now, config)).toEqual(
      new Date(BASE - 60_000 - 300_000),
    );
    expect(modifiedAfterFor('poll', null, now, config)).toEqual(new Date(BASE - 24 * 3_600_000));
    expect(modifiedAfterFor('backfill', iso(BASE - 60_000), now, config)).toBeUndefined();
    expect(modifiedAfterFor('backfill', null, now, config)).toBeUndefined();
  });
});

/** Detect's dependencies in memory: pages of jobs, a seen-status map, a bus that may refuse. */
function memoryDeps(pages: JobSummary[][], refuse: (jobName: string) => boolean = () => false) {
  const seen = new Map<string, SeenStatus>();
  const published: StateChangeDetail[] = [];
  const state = { watermark: undefined as string | undefined, publishCalls: 0 };
  const deps: DetectDeps = {
    where: { accountId: '111122223333', region: 'us-east-1' },
    config: { overlapMs: 300_000, lookbackMs: 24 * 3_600_000 },
    now: () => new Date(BASE + 3_600_000),
    async listJobs({ nextToken }) {
      const index = nextToken === undefined ? 0 : Number(nextToken);
      return {
        jobs: pages[index] ?? [],
        nextToken: index + 1 < pages.length ? String(index + 1) : undefined,
      };
    },
    describeJob: async () => undefined,
    readWatermark: async () => state.watermark,
    async writeWatermark(watermark) {
      state.watermark = watermark;
    },
    async readSeenStatuses(jobNames) {
      expect(jobNames.length).toBeLessThanOrEqual(100);
      const statuses = new Map<string, SeenStatus>();
      for (const name of jobNames) {
        const found = seen.get(name);
        if (found) statuses.set(name, found);
      }
      return { statuses, calls: 1 };
    },
    // No ingest in memory: no job record exists, so a backfill reports every job.
    readJobRecords: async () => ({ statuses: new Map(), calls: 1 }),
    async writeSeenStatuses(statuses) {
      for (const status of statuses) seen.set(status.jobName, status);
      return { calls: Math.ceil(statuses.length / 25) };
    },
    async publishStateChanges(details) {
      state.publishCalls += 1;
      const unaccepted: number[] = [];
      details.forEach((detail, index) => {
        stateChangeDetailSchema.parse(detail);
        if (refuse(detail.jobName)) unaccepted.push(index);
        else published.push(detail);
      });
      return { calls: Math.ceil(details.length / 10), resent: 0, unaccepted };
    },
  };
  return { deps, seen, published, state };
}

/** Pages of distinct jobs (as a paginated listing returns them), up to 100 a page. */
const pagesArb = fc
  .array(
    fc.array(fc.record({ status: statusArb, offset: fc.nat(3_000) }), {
      maxLength: 100,
      size: 'max',
    }),
    {
      minLength: 1,
      maxLength: 12,
    },
  )
  .map((pages) => {
    let next = 0;
    return pages.map((page) =>
      page.map(({ status, offset }): JobSummary => {
        next += 1;
        return {
          jobName: `job-${next}`,
          jobArn: `arn:aws:sagemaker:us-east-1:111122223333:inference-recommendations-job/job-${next}`,
          status,
          lastModifiedTime: iso(BASE + offset * 1000),
        };
      }),
    );
  });

describe('detectStateChanges', () => {
  it('publishes every change once in full batches of 10, whatever the pages hold', async () => {
    await fc.assert(
      fc.asyncProperty(pagesArb, async (pages) => {
        const jobs = pages.flat();
        const { deps, seen, published, state } = memoryDeps(pages);

        const report = await detectStateChanges('poll', deps);

        expect(published.map((detail) => detail.jobName)).toEqual(
          expect.arrayContaining(jobs.map((job) => job.jobName)),
        );
        expect(published).toHaveLength(jobs.length);
        expect(report.calls.putEvents).toBe(Math.ceil(jobs.length / 10));
        expect(report.calls.sagemakerList).toBe(pages.length);
        expect(seen.size).toBe(jobs.length);
        const newest = jobs
          .map((job) => job.lastModifiedTime!)
          .sort()
          .at(-1);
        expect(state.watermark).toBe(newest);

        const again = await detectStateChanges('poll', deps);
        expect(again.stateChanges).toBe(0);
        expect(published).toHaveLength(jobs.length);
      }),
      { numRuns: 60 },
    );
  });

  it('stores statuses only for accepted events and holds the watermark at the first refused job', async () => {
    await fc.assert(
      fc.asyncProperty(pagesArb, fc.integer({ min: 2, max: 7 }), async (pages, every) => {
        const jobs = pages.flat();
        const refused = new Set(
          jobs.filter((_, index) => index % every === 0).map((job) => job.jobName),
        );
        fc.pre(refused.size > 0);
        const { deps, seen, published, state } = memoryDeps(pages, (name) => refused.has(name));

        const error = await detectStateChanges('poll', deps).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(StateChangesNotAcceptedError);
        expect(new Set((error as StateChangesNotAcceptedError).jobNames)).toEqual(refused);
        expect(published.some((detail) => refused.has(detail.jobName))).toBe(false);
        expect([...seen.keys()].some((name) => refused.has(name))).toBe(false);
        expect(seen.size).toBe(jobs.length - refused.size);
        const firstRefused = jobs
          .filter((job) => refused.has(job.jobName))
          .map((job) => job.lastModifiedTime!)
          .sort()[0]!;
        if (state.watermark !== undefined) expect(state.watermark <= firstRefused).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('skips a status it does not know without failing the run', async () => {
    const pages: JobSummary[][] = [
      [
        { jobName: 'known', jobArn: null, status: 'COMPLETED', lastModifiedTime: iso(BASE) },
        { jobName: 'novel', jobArn: null, status: 'HIBERNATING', lastModifiedTime: iso(BASE) },
      ],
    ];
    const { deps, published } = memoryDeps(pages);
    const report = await detectStateChanges('poll', deps);
    expect(report.unknownStatus).toBe(1);
    expect(published.map((detail) => detail.jobName)).toEqual(['known']);
  });
});

describe('parseDetectInput', () => {
  it('recognizes the schedule, the CloudTrail samples and a backfill', () => {
    expect(parseDetectInput(readEventFile('eventbridge/scheduled-event.json'))).toEqual({
      kind: 'poll',
    });
    expect(
      parseDetectInput(
        readEventFile('eventbridge/cloudtrail-create-inference-recommendations-job.json'),
      ),
    ).toEqual({
      kind: 'cloudtrail',
      jobName: 'xgboost-churn-default',
      eventName: 'CreateInferenceRecommendationsJob',
      where: { accountId: '111122223333', region: 'us-east-1' },
    });
    expect(
      parseDetectInput(
        readEventFile('eventbridge/cloudtrail-stop-inference-recommendations-job.json'),
      ),
    ).toEqual({
      kind: 'cloudtrail',
      jobName: 'tabular-stopped',
      eventName: 'StopInferenceRecommendationsJob',
      where: { accountId: '111122223333', region: 'us-east-1' },
    });
    expect(parseDetectInput({ backfill: true })).toEqual({ kind: 'backfill' });
  });

  it('names the field that makes a CloudTrail event unusable', () => {
    const sample = readEventFile<{ detail: Record<string, unknown> }>(
      'eventbridge/cloudtrail-stop-inference-recommendations-job.json',
    );
    const unusable = parseDetectInput({
      ...sample,
      detail: { ...sample.detail, requestParameters: {} },
    });
    expect(unusable).toMatchObject({ kind: 'unusable-cloudtrail' });
    expect((unusable as { reason: string }).reason).toContain('requestParameters.jobName');
  });

  it('throws on anything else', () => {
    expect(() => parseDetectInput({ backfill: 'yes' })).toThrow(UnexpectedDetectInputError);
    expect(() => parseDetectInput('poll')).toThrow(/Scheduled Event/);
  });
});

describe('detectAcrossTargets: every watched account and region', () => {
  const targets = Array.from({ length: 12 }, (_, i) => ({
    accountId: String(100000000000 + i),
    region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
  }));
  const job = (name: string): JobSummary => ({
    jobName: name,
    jobArn: null,
    status: 'IN_PROGRESS',
    lastModifiedTime: iso(BASE),
  });

  it('reads each once, in order, and one that cannot be read fails alone', async () => {
    const unreadable = targets[3]!;
    const worlds = new Map(
      targets.map((where) => {
        const memory = memoryDeps([[job(`job-of-${where.accountId}`)]]);
        const deps: DetectDeps = { ...memory.deps, where };
        if (where === unreadable) {
          deps.listJobs = () =>
            Promise.reject(
              new TargetReadError(
                where,
                new Error('AccessDenied: not authorized to perform sts:AssumeRole'),
              ),
            );
        }
        return [where, { deps, memory }];
      }),
    );
    const asked: string[] = [];
    const run = await detectAcrossTargets('poll', {
      targets,
      forTarget: (where) => {
        asked.push(where.accountId);
        return worlds.get(where)!.deps;
      },
    });

    expect(asked.sort()).toEqual(targets.map((where) => where.accountId).sort());
    expect(run.targets.map((target) => target.accountId)).toEqual(
      targets.map((where) => where.accountId),
    );
    expect(run.failedTargets).toBe(1);
    expect(run.targets[3]).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/account 100000000003 in eu-west-1: .*AccessDenied/),
    });
    expect(run.stateChanges).toBe(targets.length - 1);
    for (const where of targets.filter((target) => target !== unreadable)) {
      const { published } = worlds.get(where)!.memory;
      // Each target's events carry its own account and region.
      expect(published).toEqual([
        expect.objectContaining({ jobName: `job-of-${where.accountId}`, ...where }),
      ]);
    }
  });

  it('still tries every target when the table or the bus fails one, then fails the run', async () => {
    const tried: string[] = [];
    const failing = detectAcrossTargets('poll', {
      targets,
      forTarget: (where) => {
        tried.push(where.accountId);
        const { deps } = memoryDeps([[job('j')]]);
        return where === targets[0]
          ? { ...deps, where, readWatermark: () => Promise.reject(new Error('DynamoDB is down')) }
          : { ...deps, where };
      },
    });
    await expect(failing).rejects.toThrow('DynamoDB is down');
    expect(tried).toHaveLength(targets.length);
  });
});

describe('detectAcrossTargets: the watermarks', () => {
  it("reads every target's watermark at once when the system can, and none one by one", async () => {
    const targets = [
      { accountId: '100000000000', region: 'us-east-1' },
      { accountId: '100000000001', region: 'eu-west-1' },
    ];
    const perTarget: string[] = [];
    const memories = targets.map(() => memoryDeps([[]]));
    const run = await detectAcrossTargets('poll', {
      targets,
      readWatermarks: async (asked) => {
        expect(asked).toEqual(targets);
        return { watermarks: new Map([['100000000001/eu-west-1', iso(BASE)]]), calls: 1 };
      },
      forTarget: (where) => {
        const index = targets.indexOf(where);
        return {
          ...memories[index]!.deps,
          where,
          readWatermark: async () => {
            perTarget.push(where.accountId);
            return undefined;
          },
          listJobs: async (query) => {
            // The stored watermark minus the overlap, or the lookback for the one without.
            expect(query.modifiedAfter?.toISOString()).toBe(
              index === 1 ? iso(BASE - 300_000) : iso(BASE + 3_600_000 - 24 * 3_600_000),
            );
            return { jobs: [], nextToken: undefined };
          },
        };
      },
    });
    expect(perTarget).toEqual([]);
    expect(run.calls.dynamoBatchGet).toBe(1);
  });
});
