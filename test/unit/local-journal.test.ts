import { appendFile, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalBus, type PendingDelivery } from '../../local/aws/eventbridge/bus.js';
import type { BusEvent } from '../../local/aws/eventbridge/eventbridge-endpoint.js';
import { CorruptJournalError, openJournal } from '../../local/aws/journal.js';
import { readServerlessConfig } from '../../local/stack/serverless-config.js';
import { STATE_CHANGE } from '../../shared/events.js';
import { repoRoot } from '../support/serverless.js';

const service = readServerlessConfig(join(repoRoot, 'serverless.yml'));
const journalFile = async () => join(await mkdtemp(join(tmpdir(), 'irwatch-journal-')), 'j.jsonl');

const stateChange = (jobName: string): BusEvent => ({
  version: '0',
  id: jobName,
  'detail-type': STATE_CHANGE,
  source: 'irwatch',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { jobName },
});

describe('the delivery journal', () => {
  it('gives back what was added and not done, after a reopen', async () => {
    const file = await journalFile();
    const journal = await openJournal<string>(file);
    const [a, b, c] = await journal.add(['a', 'b', 'c']);
    await journal.done(b!);
    await journal.close();
    // No close in a crash: the file as it stands is all the next process gets.
    const reopened = await openJournal<string>(file);
    expect(reopened.pending()).toEqual([
      { id: a, entry: 'a' },
      { id: c, entry: 'c' },
    ]);
    await reopened.close();
  });

  it('ignores a torn last line and refuses a corrupt one before it, naming the file', async () => {
    const file = await journalFile();
    const journal = await openJournal<string>(file);
    await journal.add(['kept']);
    await journal.close();
    await appendFile(file, '{"op":"add","id":"x","ent');
    const reopened = await openJournal<string>(file);
    expect(reopened.pending().map((p) => p.entry)).toEqual(['kept']);
    await reopened.close();

    await appendFile(file, 'garbage\n{"op":"done","id":"none"}\n');
    const error = await openJournal(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CorruptJournalError);
    expect((error as Error).message).toContain(`delete ${file}`);
  });

  it('compacts: finished entries do not pile up in the file', async () => {
    const file = await journalFile();
    const journal = await openJournal<number>(file);
    for (let i = 0; i < 600; i += 1) {
      const [id] = await journal.add([i]);
      await journal.done(id!);
    }
    await journal.add([600]);
    await journal.close();
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBeLessThan(250);
    expect((await stat(file)).size).toBeLessThan(30_000);
  });
});

describe('the local bus with a journal', () => {
  it('delivers after a restart what the first process accepted and never finished', async () => {
    const file = await journalFile();
    const first = await openJournal<PendingDelivery>(file);
    const neverFinishes = createLocalBus({
      functions: service.functions,
      journal: first,
      invoke: () => new Promise(() => undefined),
    });
    await neverFinishes.publish('irwatch', [stateChange('a'), stateChange('b')]);
    // The process dies here: the handlers never returned.

    const second = await openJournal<PendingDelivery>(file);
    const invoked: string[] = [];
    const bus = createLocalBus({
      functions: service.functions,
      journal: second,
      invoke: async (name, event) => {
        invoked.push(
          `${name}:${(event as BusEvent & { detail: { jobName: string } }).detail.jobName}`,
        );
      },
    });
    expect(bus.resume()).toBe(2);
    await bus.idle();
    expect(invoked.sort()).toEqual(['ingest:a', 'ingest:b']);
    await second.close();

    const third = await openJournal<PendingDelivery>(file);
    expect(third.pending()).toEqual([]);
    await third.close();
  });

  it('removes a dead-lettered delivery from the journal once the letter is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'irwatch-journal-'));
    const journal = await openJournal<PendingDelivery>(join(dir, 'j.jsonl'));
    const bus = createLocalBus({
      functions: service.functions,
      journal,
      deadLetterFile: join(dir, 'dead-letter.jsonl'),
      retryDelayMs: 1,
      invoke: () => Promise.reject(new Error('handler broke')),
    });
    await bus.publish('irwatch', [stateChange('c')]);
    await bus.idle();
    expect(journal.pending()).toEqual([]);
    const letters = (await readFile(join(dir, 'dead-letter.jsonl'), 'utf8')).trim().split('\n');
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0]!)).toMatchObject({
      functionName: 'ingest',
      error: 'Error: handler broke',
    });
    await journal.close();
  });
});
