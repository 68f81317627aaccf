import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  recordSageMakerCall,
  replaySageMakerCalls,
} from '../../local/aws/sagemaker/sagemaker-journal.js';
import { createSageMakerSimulator } from '../../local/aws/sagemaker/sagemaker-simulator.js';

const HUB = { account: '000000000000', region: 'us-east-1' };
const SPOKE = { account: '111111111111', region: 'eu-west-1' };
const input = (account: string, region: string) => ({
  JobName: 'journaled',
  JobType: 'Default',
  RoleArn: `arn:aws:iam::${account}:role/SageMakerInferenceRecommender`,
  InputConfig: {
    ModelPackageVersionArn: `arn:aws:sagemaker:${region}:${account}:model-package/churn/7`,
  },
});

describe("the simulator's journal", () => {
  it('brings each created and stopped job back in its own account and region', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-journal-'));
    const at = Date.now() - 10_000;
    // A line written before jobs had accounts: the default (hub) account's.
    await writeFile(
      join(dataDir, 'sagemaker-calls.jsonl'),
      `${JSON.stringify({ operation: 'CreateInferenceRecommendationsJob', input: input(HUB.account, HUB.region), at, region: HUB.region })}\n`,
    );
    for (const operation of [
      'CreateInferenceRecommendationsJob',
      'StopInferenceRecommendationsJob',
    ] as const) {
      recordSageMakerCall(dataDir, {
        operation,
        input: input(SPOKE.account, SPOKE.region),
        output: {},
        ...SPOKE,
        at: at + (operation === 'StopInferenceRecommendationsJob' ? 1_000 : 0),
      });
    }
    expect(await readFile(join(dataDir, 'sagemaker-calls.jsonl'), 'utf8')).toContain(
      '"account":"111111111111","region":"eu-west-1"',
    );

    const simulator = createSageMakerSimulator({ account: HUB.account, stoppingMs: 1_000 });
    expect(replaySageMakerCalls(dataDir, simulator)).toEqual([]);
    expect(simulator.describeJob('journaled', HUB)).toMatchObject({
      JobArn: 'arn:aws:sagemaker:us-east-1:000000000000:inference-recommendations-job/journaled',
    });
    expect(simulator.describeJob('journaled', SPOKE)).toMatchObject({
      JobArn: 'arn:aws:sagemaker:eu-west-1:111111111111:inference-recommendations-job/journaled',
      Status: 'STOPPED',
    });
    expect(simulator.jobNames({ account: SPOKE.account, region: HUB.region })).toEqual([]);
  });
});
