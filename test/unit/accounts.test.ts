import { describe, expect, it } from 'vitest';
import { sageMakerClients } from '../../shared/account-clients.js';
import {
  jobArnOf,
  parseJobArn,
  readWatchConfig,
  UnwatchedJobError,
} from '../../shared/accounts.js';
import { ConfigError } from '../../shared/config.js';

const env = {
  HOME_ACCOUNT_ID: '111122223333',
  AWS_REGION: 'us-east-1',
  WATCHED_ACCOUNTS: '444455556666, 777788889999,444455556666',
  WATCHED_REGIONS: 'eu-west-1,us-east-1',
  SPOKE_ROLE_NAME: 'irwatch-prod-reader',
  SPOKE_EXTERNAL_ID: 'external-id-0123',
};

describe('readWatchConfig: the accounts and regions one irwatch watches', () => {
  it('watches every account in every region, the home one first, each once', () => {
    const config = readWatchConfig(env);
    expect(config.targets.map((t) => `${t.accountId}/${t.region}`)).toEqual([
      '111122223333/us-east-1',
      '111122223333/eu-west-1',
      '444455556666/us-east-1',
      '444455556666/eu-west-1',
      '777788889999/us-east-1',
      '777788889999/eu-west-1',
    ]);
    expect(
      readWatchConfig({ HOME_ACCOUNT_ID: '111122223333', AWS_REGION: 'eu-west-1' }).targets,
    ).toEqual([{ accountId: '111122223333', region: 'eu-west-1' }]);
  });

  it('names the variable that is wrong', () => {
    expect(() => readWatchConfig({ ...env, WATCHED_ACCOUNTS: '4444' })).toThrow(
      new ConfigError(
        'WATCHED_ACCOUNTS must be 12-digit account IDs separated by commas, got "4444"',
      ),
    );
    expect(() => readWatchConfig({ ...env, WATCHED_REGIONS: 'europe' })).toThrow(/WATCHED_REGIONS/);
    expect(() => readWatchConfig({ ...env, HOME_ACCOUNT_ID: '' })).toThrow(/HOME_ACCOUNT_ID/);
    expect(() => readWatchConfig({ ...env, SPOKE_EXTERNAL_ID: '' })).toThrow(/SPOKE_EXTERNAL_ID/);
  });

  it('reads a job ARN back into its account, region and name', () => {
    const arn = jobArnOf({ accountId: '444455556666', region: 'eu-west-1', jobName: 'My-Job' });
    expect(arn).toBe(
      'arn:aws:sagemaker:eu-west-1:444455556666:inference-recommendations-job/my-job',
    );
    expect(parseJobArn(arn)).toEqual({
      partition: 'aws',
      accountId: '444455556666',
      region: 'eu-west-1',
      lowerCaseName: 'my-job',
    });
    expect(parseJobArn('arn:aws:sagemaker:eu-west-1:444455556666:model/my-job')).toBeUndefined();
  });
});

describe('sageMakerClients', () => {
  it("reads the home account with the function's own credentials and another through its reader role", async () => {
    const clientFor = sageMakerClients(readWatchConfig(env), 'irwatch-ingest');
    const home = clientFor({ accountId: '111122223333', region: 'eu-west-1' });
    const spoke = clientFor({ accountId: '444455556666', region: 'eu-west-1' });
    expect(await home.config.region()).toBe('eu-west-1');
    expect(await spoke.config.region()).toBe('eu-west-1');
    expect(clientFor({ accountId: '444455556666', region: 'eu-west-1' })).toBe(spoke);
    expect(spoke).not.toBe(home);
  });

  it('refuses an account or region it does not watch, before any call', () => {
    const clientFor = sageMakerClients(readWatchConfig(env), 'irwatch-ingest');
    expect(() => clientFor({ accountId: '999999999999', region: 'us-east-1' })).toThrow(
      UnwatchedJobError,
    );
    expect(() => clientFor({ accountId: '111122223333', region: 'ap-south-1' })).toThrow(
      /111122223333 in ap-south-1 is not watched/,
    );
  });
});
