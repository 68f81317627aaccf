import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../local/aws/eventbridge/event-pattern.js';
import { readServerlessConfig } from '../../local/stack/serverless-config.js';
import { recordedDetailSchema, stateChangeDetailSchema } from '../../shared/events.js';
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

describe('the irwatch event samples', () => {
  it('hold a valid State Change detail that the ingest rule takes', () => {
    const event = readEventFile<{ detail: unknown }>('eventbridge/state-change.json');
    expect(stateChangeDetailSchema.safeParse(event.detail).success).toBe(true);
    expect(targetsOf(event)).toEqual(['ingest']);
  });

  it('hold a valid Recorded detail that the notify rule takes', () => {
    const event = readEventFile<{ detail: unknown }>('eventbridge/recorded.json');
    expect(recordedDetailSchema.safeParse(event.detail).success).toBe(true);
    expect(targetsOf(event)).toEqual(['notify']);
  });

  it('route the CloudTrail samples to detect only', () => {
    for (const file of [
      'eventbridge/cloudtrail-create-inference-recommendations-job.json',
      'eventbridge/cloudtrail-stop-inference-recommendations-job.json',
    ]) {
      expect(targetsOf(readEventFile(file))).toEqual(['detect']);
    }
  });
});
