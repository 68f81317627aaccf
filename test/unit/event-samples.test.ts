import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  matchesEventPattern,
  parseEventPattern,
} from '../../local/aws/eventbridge/event-pattern.js';
import { readServerlessConfig } from '../../local/stack/serverless-config.js';
import {
  EVENT_SOURCE,
  PROGRESS,
  progressDetailSchema,
  RECORDED,
  recordedDetailSchema,
  STATE_CHANGE,
  stateChangeDetailSchema,
} from '../../shared/events.js';
import { repoRoot } from '../support/serverless.js';
import { readEventFile } from '../support/world.js';

const functions = readServerlessConfig(join(repoRoot, 'serverless.yml')).functions;
const targetsOf = (event: unknown) =>
  functions
    .filter((fn) =>
      fn.eventBridge.some(
        (rule) => rule.pattern !== undefined && matchesEventPattern(rule.pattern, event),
      ),
    )
    .map((fn) => fn.name);

interface IrwatchEvent {
  source: string;
  'detail-type': string;
  account: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

type Schema = { safeParse(value: unknown): { success: boolean } };

/** irwatch's own events: each sample's detail against its schema, and which function takes it. */
const IRWATCH_SAMPLES: Array<{
  file: string;
  detailType: string;
  schema: Schema;
  targets: string[];
}> = [
  {
    file: 'state-change.json',
    detailType: STATE_CHANGE,
    schema: stateChangeDetailSchema,
    targets: ['ingest'],
  },
  {
    file: 'recorded.json',
    detailType: RECORDED,
    schema: recordedDetailSchema,
    targets: ['notify'],
  },
  // No function of irwatch consumes Progress: it is for other programs.
  { file: 'progress.json', detailType: PROGRESS, schema: progressDetailSchema, targets: [] },
];

const CLOUDTRAIL_SAMPLES = [
  'cloudtrail-create-inference-recommendations-job.json',
  'cloudtrail-stop-inference-recommendations-job.json',
];
const OTHER_SAMPLES = ['scheduled-event.json'];

describe('the irwatch event samples', () => {
  it('are all checked here: a new sample in events/eventbridge/ needs its line', () => {
    const files = readdirSync(join(repoRoot, 'events', 'eventbridge')).sort();
    expect(files).toEqual(
      [...IRWATCH_SAMPLES.map((s) => s.file), ...CLOUDTRAIL_SAMPLES, ...OTHER_SAMPLES].sort(),
    );
  });

  it.each(IRWATCH_SAMPLES)(
    '$file holds a valid $detailType detail in its envelope, taken by $targets',
    ({ file, detailType, schema, targets }) => {
      const event = readEventFile<IrwatchEvent>(`eventbridge/${file}`);
      expect(event.source).toBe(EVENT_SOURCE);
      expect(event['detail-type']).toBe(detailType);
      expect(schema.safeParse(event.detail).success).toBe(true);
      // The envelope says where the job is, as the bus client puts it.
      expect(event.account).toBe(event.detail.accountId);
      expect(event.region).toBe(event.detail.region);
      expect(event.resources).toEqual([event.detail.jobArn]);
      expect(targetsOf(event)).toEqual(targets);
      // The schema is strict enough to refuse a broken sample.
      expect(schema.safeParse({ ...event.detail, jobName: 'not a job name' }).success).toBe(false);
      const { accountId: _dropped, ...withoutAccount } = event.detail;
      expect(schema.safeParse(withoutAccount).success).toBe(false);
    },
  );

  it('hold a Progress sample whose counts add up and that the documented early-failure rule takes', () => {
    const { detail } = readEventFile<{ detail: Record<string, number> }>(
      'eventbridge/progress.json',
    );
    expect(detail.completed! + detail.failed! + detail.running! + detail.pending!).toBe(
      detail.total,
    );
    expect(progressDetailSchema.safeParse({ ...detail, completed: -1 }).success).toBe(false);
    // README, "SNS stays for terminal states": who wants a job's first failed benchmark uses this.
    const earlyFailure = parseEventPattern({
      source: [EVENT_SOURCE],
      'detail-type': [PROGRESS],
      detail: { failed: [{ numeric: ['>', 0] }] },
    });
    const event = readEventFile<IrwatchEvent>('eventbridge/progress.json');
    expect(matchesEventPattern(earlyFailure, event)).toBe(true);
    expect(
      matchesEventPattern(earlyFailure, { ...event, detail: { ...event.detail, failed: 0 } }),
    ).toBe(false);
  });

  it('route the CloudTrail samples to detect only', () => {
    for (const file of CLOUDTRAIL_SAMPLES) {
      expect(targetsOf(readEventFile(`eventbridge/${file}`))).toEqual(['detect']);
    }
  });
});
