import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as standIn from '../../shared/lambda-event-streams.js';

const require = createRequire(import.meta.url);

describe('the bundles’ stand-in for @smithy/core/event-streams', () => {
  it('exports what the SDK’s HTTP protocol imports from the real module', () => {
    // The one importer (HttpProtocol.loadEventStreamCapability) destructures these names.
    const protocol = readFileSync(
      require
        .resolve('@smithy/core/protocols')
        .replace(/dist-cjs.*$/, 'dist-es/submodules/protocols/HttpProtocol.js'),
      'utf8',
    );
    const imported = /const \{ ([\w, ]+) \} = await import\("@smithy\/core\/event-streams"\)/.exec(
      protocol,
    );
    expect(imported).not.toBeNull();
    const names = imported![1]!.split(',').map((name) => name.trim());
    const real = require('@smithy/core/event-streams') as Record<string, unknown>;
    for (const name of names) {
      expect(typeof real[name]).toBe('function');
      expect(typeof (standIn as Record<string, unknown>)[name]).toBe('function');
    }
  });

  it('fails loudly if a function ever calls an event-stream operation', () => {
    expect(() => standIn.eventStreamSerdeProvider()).toThrow(/event-streams alias/);
    expect(() => new standIn.EventStreamSerde()).toThrow(/event-streams alias/);
  });
});
