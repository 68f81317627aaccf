import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { parse, type ScalarTag } from 'yaml';
import type { DetectReport, DetectRun } from '../../functions/detect/detect.js';
import type { BusEvent } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import {
  cloneJob,
  type JobStatus,
  type SimulatedJob,
} from '../../local/aws/sagemaker/sagemaker-simulator.js';
import {
  STATE_CHANGE,
  stateChangeDetailSchema,
  type StateChangeDetail,
} from '../../shared/events.js';
import { keyValues, layout } from '../../shared/db/table.js';
import { repoRoot } from './serverless.js';
import { HOME, queryPartition } from './fixtures.js';
import { sampleJob, type LocalWorld } from './world.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Simulated time shared by the SageMaker simulator and the detector's `now`. */
export function simulatedClock(startIso: string) {
  let current = Date.parse(startIso);
  return {
    now: () => current,
    date: () => new Date(current),
    set: (ms: number) => {
      current = ms;
    },
    advance: (ms: number) => {
      current += ms;
    },
  };
}

/** CloudFormation's short-form tags, kept as their long form so the YAML parses as the files are. */
const cloudFormationTags: ScalarTag[] = [
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value.split('.') }) },
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
];

export interface FunctionEntry {
  events?: Array<{ eventBridge?: { pattern?: unknown; schedule?: string } }>;
  [key: string]: unknown;
}

/** A function's entry in serverless.yml, read from `functions/<name>/function.yml`. */
export function readFunctionConfig(name: string): FunctionEntry {
  const text = readFileSync(join(repoRoot, 'functions', name, 'function.yml'), 'utf8');
  const parsed = parse(text, { customTags: cloudFormationTags }) as Record<string, FunctionEntry>;
  const entry = parsed[name];
  if (!entry) throw new Error(`functions/${name}/function.yml has no entry named ${name}`);
  return entry;
}

/** The EventBridge patterns a function's rules match. */
export const eventPatternsOf = (name: string): unknown[] =>
  (readFunctionConfig(name).events ?? [])
    .map((event) => event.eventBridge?.pattern)
    .filter((pattern) => pattern !== undefined);

/** A job with a timeline, built from a sample under `events/sagemaker/jobs`. */
export function timelineJob(
  jobName: string,
  start: number,
  timeline: Array<[JobStatus, number]>,
  sample = 'xgboost-churn-default',
): SimulatedJob {
  return cloneJob(sampleJob(sample), {
    jobName,
    start,
    timeline: timeline.map(([status, afterMs]) => ({ status, afterMs })),
  });
}

/** State-change events put on the bus since `from` (an index into the recorded events). */
export function stateChanges(
  world: LocalWorld,
  from = 0,
): Array<BusEvent & { detail: StateChangeDetail }> {
  return world.eventBridge.events
    .slice(from)
    .flatMap(({ event }) =>
      event['detail-type'] === STATE_CHANGE
        ? [{ ...event, detail: stateChangeDetailSchema.parse(event.detail) }]
        : [],
    );
}

/** The detector's items (watermark and last-seen statuses) in the world's table. */
export const detectorItems = (world: LocalWorld) =>
  queryPartition(world.table.doc, world.table.tableName, keyValues.detectorPk);

export async function seenItems(world: LocalWorld) {
  return (await detectorItems(world)).filter((item) =>
    String(item[layout.primary.sk]).startsWith('SEEN#'),
  );
}

export async function storedWatermark(world: LocalWorld): Promise<string | undefined> {
  const item = (await detectorItems(world)).find(
    (entry) => entry[layout.primary.sk] === keyValues.watermarkSk(HOME),
  );
  return item?.watermark as string | undefined;
}

/** Forgets everything detect knows and every simulated job, so a scenario starts from nothing. */
export async function resetDetector(world: LocalWorld): Promise<void> {
  for (const name of world.simulator.jobNames()) world.simulator.removeJob(name);
  world.eventBridge.setFailEntry(undefined);
  const items = await detectorItems(world);
  for (let start = 0; start < items.length; start += 25) {
    const deletes = items.slice(start, start + 25).map((item) => ({
      DeleteRequest: {
        Key: {
          [layout.primary.pk]: item[layout.primary.pk],
          [layout.primary.sk]: item[layout.primary.sk],
        },
      },
    }));
    const { UnprocessedItems } = await world.table.doc.send(
      new BatchWriteCommand({ RequestItems: { [world.table.tableName]: deletes } }),
    );
    if (Object.keys(UnprocessedItems ?? {}).length > 0) {
      throw new Error('The local table left detector items undeleted');
    }
  }
}

/** Simulator calls of one operation since `from`. */
export const simulatorCalls = (world: LocalWorld, operation: string, from = 0) =>
  world.simulator.calls.slice(from).filter((call) => call.operation === operation);

/** The report of a poll or backfill's only account and region (the tests watch one). */
export function onlyReport(result: unknown): DetectReport {
  const run = result as DetectRun;
  if (!Array.isArray(run.targets) || run.targets.length !== 1) {
    throw new Error(`Expected a run over one account and region, got ${JSON.stringify(result)}`);
  }
  const [target] = run.targets;
  if (target?.outcome !== 'read') throw new Error(`The target failed: ${JSON.stringify(target)}`);
  return target.report;
}
