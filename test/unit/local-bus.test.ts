import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalBus } from '../../local/aws/eventbridge/bus.js';
import type { BusEvent } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import {
  readServerlessConfig,
  ServerlessConfigError,
} from '../../local/stack/serverless-config.js';
import { RECORDED, STATE_CHANGE } from '../../shared/events.js';
import { repoRoot } from '../support/serverless.js';

const service = readServerlessConfig(join(repoRoot, 'serverless.yml'));

const event = (detailType: string, detail: unknown = {}): BusEvent => ({
  version: '0',
  id: '1',
  'detail-type': detailType,
  source: 'irwatch',
  account: '111122223333',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('serverless.yml as the local stack reads it', () => {
  it('finds ingest with the rule osls deploys', () => {
    const ingest = service.functions.find((fn) => fn.name === 'ingest');
    expect(ingest).toMatchObject({
      handlerModule: 'functions/ingest/handler',
      handlerExport: 'handler',
      eventBridge: [
        {
          bus: 'irwatch',
          pattern: { source: ['irwatch'], 'detail-type': [STATE_CHANGE] },
        },
      ],
    });
  });

  it('names the file and the problem when the file does not parse', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'irwatch-config-'));
    await writeFile(join(dir, 'serverless.yml'), 'service: [unclosed\n');
    expect(() => readServerlessConfig(join(dir, 'serverless.yml'))).toThrow(ServerlessConfigError);
    expect(() => readServerlessConfig(join(dir, 'serverless.yml'))).toThrow(
      /serverless\.yml does not parse/,
    );
    expect(() => readServerlessConfig(join(dir, 'missing.yml'))).toThrow(
      /Cannot read .*missing\.yml/,
    );
  });
});

describe('the local bus', () => {
  it('delivers by pattern and reports events no rule matches', async () => {
    const invoked: string[] = [];
    const unmatched: string[] = [];
    const bus = createLocalBus({
      functions: service.functions,
      invoke: async (name) => {
        invoked.push(name);
      },
      onUnmatched: (e) => unmatched.push(e['detail-type']),
    });
    await bus.publish('irwatch', [event(STATE_CHANGE), event('Something Else')]);
    await bus.publish('default', [event(STATE_CHANGE)]);
    await bus.idle();
    expect(invoked).toEqual(['ingest']);
    expect(unmatched).toEqual(['Something Else', STATE_CHANGE]);
    expect(bus.stats).toMatchObject({ delivered: 1, unmatched: 2 });
  });

  it('retries a failing handler with backoff, then writes the event to the dead-letter file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'irwatch-bus-'));
    const deadLetterFile = join(dir, 'dead-letter.jsonl');
    let attempts = 0;
    const bus = createLocalBus({
      functions: service.functions,
      invoke: async () => {
        attempts += 1;
        throw new Error('boom');
      },
      deadLetterFile,
      retryDelayMs: 1,
    });
    await bus.publish('irwatch', [event(STATE_CHANGE, { jobName: 'a' })]);
    await bus.idle();
    const ingest = service.functions.find((fn) => fn.name === 'ingest')!;
    expect(attempts).toBe(ingest.maximumRetryAttempts + 1);
    const [letter, ...more] = (await readFile(deadLetterFile, 'utf8')).trim().split('\n');
    expect(more).toEqual([]);
    expect(JSON.parse(letter!)).toMatchObject({
      functionName: 'ingest',
      attempts: ingest.maximumRetryAttempts + 1,
      error: 'Error: boom',
      event: { 'detail-type': STATE_CHANGE, detail: { jobName: 'a' } },
    });
    expect(bus.stats).toMatchObject({ retries: ingest.maximumRetryAttempts, deadLetters: 1 });
  });

  it('succeeds on a retry without dead-lettering', async () => {
    let attempts = 0;
    const bus = createLocalBus({
      functions: service.functions,
      invoke: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('once');
      },
      retryDelayMs: 1,
    });
    await bus.publish('irwatch', [event(STATE_CHANGE)]);
    await bus.idle();
    expect(bus.stats).toMatchObject({ delivered: 1, retries: 1, deadLetters: 0 });
  });

  it('does not route Recorded events to ingest', async () => {
    const invoked: string[] = [];
    const bus = createLocalBus({
      functions: service.functions.filter((fn) => fn.name === 'ingest'),
      invoke: async (name) => {
        invoked.push(name);
      },
    });
    await bus.publish('irwatch', [event(RECORDED, { status: 'COMPLETED' })]);
    await bus.idle();
    expect(invoked).toEqual([]);
  });
});
