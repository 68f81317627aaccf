import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SageMakerSimulator, SimulatorApiCall } from './sagemaker-simulator.js';

// The simulator lives in memory: its create and stop calls are kept in the data folder and
// replayed at start, so created jobs survive a restart exactly as they were, in their account
// and region.
const JOURNAL = 'sagemaker-calls.jsonl';

type JournalLine = Pick<SimulatorApiCall, 'operation' | 'input' | 'at' | 'region'> &
  Partial<Pick<SimulatorApiCall, 'account'>>;

export function recordSageMakerCall(dataDir: string, call: SimulatorApiCall): void {
  const line: JournalLine = {
    operation: call.operation,
    input: call.input,
    at: call.at,
    account: call.account,
    region: call.region,
  };
  appendFileSync(join(dataDir, JOURNAL), `${JSON.stringify(line)}\n`);
}

/**
 * Replays the journal; a line it cannot replay is skipped and named, never a failed start. A
 * line without an account (written before there were several) is the default account's.
 */
export function replaySageMakerCalls(dataDir: string, simulator: SageMakerSimulator): string[] {
  const file = join(dataDir, JOURNAL);
  if (!existsSync(file)) return [];
  const skipped: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (text.trim() === '') return;
      try {
        const call = JSON.parse(text) as JournalLine;
        const place = {
          region: call.region,
          ...(call.account !== undefined ? { account: call.account } : {}),
        };
        if (call.operation === 'CreateInferenceRecommendationsJob') {
          simulator.createJob(call.input, call.at, place);
        } else {
          simulator.stopJob(String(call.input.JobName), call.at, place);
        }
      } catch (error) {
        skipped.push(`${JOURNAL} line ${index + 1}: ${(error as Error).message}`);
      }
    });
  return skipped;
}
