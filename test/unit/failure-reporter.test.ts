import { describe, expect, it } from 'vitest';
import { createFailureReporter } from '../../local/stack/failure-reporter.js';

describe('a failure that repeats every poll', () => {
  it('is reported once per distinct error, then after pauses that double', () => {
    const lines: string[] = [];
    let now = 0;
    const report = createFailureReporter(
      (line) => lines.push(line),
      () => now,
      60_000,
    );
    const denied = 'detect: poll failed: The security token included in the request is invalid.';
    for (let poll = 0; poll < 60; poll += 1) {
      report(denied);
      now += 5_000;
    }
    report('detect: poll failed: Region is missing');
    // 60 polls over 300 s: at 0 s, after the 60 s pause (at 60 s), after 120 s more (at 180 s).
    expect(lines).toEqual([
      denied,
      `${denied} (13 times so far)`,
      `${denied} (37 times so far)`,
      'detect: poll failed: Region is missing',
    ]);
  });
});
