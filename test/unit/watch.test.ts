import { describe, expect, it } from 'vitest';
import { PASSING_FAILURES_TOLERATED, watchJob, type WatchedJob } from '../../local/cli/watch.js';

const NOW = Date.parse('2026-11-01T10:00:00Z');
const best = { instanceType: 'ml.c5.xlarge', memorySizeInMB: null, value: 0.0001 };

function job(status: string, completed: number, eta: string | null): WatchedJob {
  return {
    jobName: 'j',
    accountId: '111122223333',
    region: 'us-east-1',
    status,
    failureReason: null,
    recommendationCount: completed,
    failedBenchmarkCount: 0,
    best: { lowestCostPerInference: best, lowestModelLatency: null, highestMaxInvocations: null },
    progress: {
      total: 4,
      completed,
      failed: 0,
      running: completed < 4 ? 1 : 0,
      pending: Math.max(0, 3 - completed),
      eta,
      etaUnavailableReason: eta ? null : 'no benchmark has finished yet, so none can be timed',
      best: { lowestCostPerInference: completed > 0 ? best : null },
    },
  };
}

async function run(sequence: Array<WatchedJob | undefined>, isTTY: boolean) {
  let output = '';
  let reads = 0;
  const code = await watchJob({
    fetchJob: async () => sequence[Math.min(reads++, sequence.length - 1)],
    wait: async () => undefined,
    now: () => new Date(NOW),
    out: { write: (text: string) => (output += text), isTTY, columns: 200 },
  });
  return { code, output };
}

const eta = new Date(NOW + 90_000).toISOString();

describe('irwatch watch', () => {
  it('redraws one progress bar in place on a terminal, then prints the summary', async () => {
    const { code, output } = await run(
      [
        undefined,
        job('IN_PROGRESS', 0, null),
        job('IN_PROGRESS', 2, eta),
        job('COMPLETED', 4, null),
      ],
      true,
    );
    expect(code).toBe(0);
    const frames = output.split('\r\x1b[2K').slice(1);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toContain('[------------------------]  0/4 benchmarks');
    expect(frames[0]).toContain('no ETA: no benchmark has finished yet');
    expect(frames[1]).toContain('[############------------]  2/4 benchmarks');
    expect(frames[1]).toContain(`ETA ${eta} (in 1 min 30 s)`);
    expect(frames[1]).toContain('cheapest so far ml.c5.xlarge');
    expect(frames[1]).toMatch(/\nj \(111122223333, us-east-1\) COMPLETED\n/);
  });

  it('prints a plain line per change when not on a terminal, and the exit code of each end', async () => {
    const same = job('IN_PROGRESS', 1, eta);
    const plain = await run(
      [same, same, job('IN_PROGRESS', 2, eta), job('STOPPED', 2, null)],
      false,
    );
    expect(plain.code).toBe(2);
    expect(plain.output).not.toContain('\r');
    expect(plain.output.split('\n').filter((line) => line.includes('benchmarks ('))).toHaveLength(
      2,
    );
    expect((await run([job('FAILED', 0, null)], false)).code).toBe(1);
    expect((await run([job('COMPLETED', 4, null)], false)).code).toBe(0);
    expect((await run([job('DELETED', 4, null)], false)).code).toBe(1);
  });

  it('rides out passing read failures in a row, and gives up on the next or on any refusal', async () => {
    const passing = new Error('503');
    const refusal = new Error('403');
    const reads = (failures: Error[], then: WatchedJob) => {
      let index = 0;
      return watchJob({
        fetchJob: async () => {
          const failure = failures[index++];
          if (failure) throw failure;
          return then;
        },
        isPassing: (error) => error === passing,
        wait: async () => undefined,
        now: () => new Date(NOW),
        out: { write: () => true, isTTY: false },
      });
    };
    const done = job('COMPLETED', 4, null);
    const tolerated = Array<Error>(PASSING_FAILURES_TOLERATED).fill(passing);
    expect(await reads(tolerated, done)).toBe(0);
    await expect(reads([...tolerated, passing], done)).rejects.toBe(passing);
    await expect(reads([refusal], done)).rejects.toBe(refusal);
  });
});
