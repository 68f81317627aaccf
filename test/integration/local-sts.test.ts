import { join } from 'node:path';
import {
  ListInferenceRecommendationsJobsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  forwardingOutcomes,
  loadSpokeAccount,
  localRegions,
  SPOKE_ACCOUNT,
} from '../../local/stack/accounts.js';
import { cloudTrailEvent } from '../../local/aws/cloudtrail/cloudtrail.js';
import type { LocalServer } from '../../local/aws/http-server.js';
import { createLocalIam, type LocalIam } from '../../local/aws/iam/local-iam.js';
import { sagemakerProtocol, stsProtocol } from '../../local/aws/iam/requests.js';
import { loadTemplate } from '../../local/aws/iam/template-policies.js';
import { createSageMakerSimulator } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import { createStsEndpoint } from '../../local/aws/sts/sts-endpoint.js';
import { sageMakerRequests } from '../../shared/account-requests.js';
import { readWatchConfig } from '../../shared/accounts.js';
import { AwsRequestError } from '../../shared/aws-request.js';
import { ACCOUNT, REGION } from '../support/fixtures.js';
import { TEST_USER } from '../support/iam.js';
import { repoRoot } from '../support/serverless.js';

// The local STS and the spoke account on a clock the test moves: sessions last what AssumeRole
// asked for and are refused as AWS refuses expired keys; a role's MaxSessionDuration and the
// one-hour limit of role chaining hold.
const STAGE = 'sts';
const EXTERNAL_ID = 'irwatch-sts-test-external-id';
const READER = `arn:aws:iam::${SPOKE_ACCOUNT}:role/irwatch-${STAGE}-reader`;
const regions = localRegions(REGION);
const spoke = loadSpokeAccount({
  templatePath: join(repoRoot, 'spoke/template.yml'),
  account: SPOKE_ACCOUNT,
  regions,
  hub: { account: ACCOUNT, region: REGION, stage: STAGE },
  externalId: EXTERNAL_ID,
});

let clock = Date.now();
const iam: LocalIam = createLocalIam({
  // Watching the spoke, as osls deploy --param passes it: detect's role may assume its reader.
  template: loadTemplate(join(repoRoot, 'serverless.yml'), {
    stage: STAGE,
    region: REGION,
    parameters: { watchedAccounts: SPOKE_ACCOUNT, spokeExternalId: EXTERNAL_ID },
  }),
  environment: { account: ACCOUNT, region: REGION, stage: STAGE },
  user: TEST_USER,
  seed: `test-${STAGE}`,
  otherAccounts: [{ roles: spoke.roles }],
  enforceIam: true,
  now: () => clock,
});
const simulator = createSageMakerSimulator({ now: () => clock });
const servers: LocalServer[] = [];
let stsUrl = '';
let sagemakerUrl = '';

beforeAll(async () => {
  const sts = await createStsEndpoint({ identities: iam.identities, now: () => clock }).listen(
    0,
    iam.gateFor(stsProtocol),
  );
  const sagemaker = await simulator.listen(0, iam.gateFor(sagemakerProtocol));
  servers.push(sts, sagemaker);
  stsUrl = sts.url;
  sagemakerUrl = sagemaker.url;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** Clients sign at the test's clock, as a machine whose time has moved on would. */
const skew = () => ({ systemClockOffset: clock - Date.now(), maxAttempts: 1 });
const stsAs = (credentials: Keys) =>
  new STSClient({ region: REGION, endpoint: stsUrl, credentials, ...skew() });
const detectKeys = (): Keys => {
  const session = iam.identities.forFunction('detect');
  return {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken!,
  };
};

async function assumeReader(durationSeconds?: number) {
  const sts = stsAs(detectKeys());
  try {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: READER,
        RoleSessionName: 'expiry',
        ExternalId: EXTERNAL_ID,
        ...(durationSeconds !== undefined ? { DurationSeconds: durationSeconds } : {}),
      }),
    );
    const keys = out.Credentials!;
    return {
      expiration: keys.Expiration!,
      keys: {
        accessKeyId: keys.AccessKeyId!,
        secretAccessKey: keys.SecretAccessKey!,
        sessionToken: keys.SessionToken!,
      },
    };
  } finally {
    sts.destroy();
  }
}

describe('the local STS', () => {
  it('hands out a session for the DurationSeconds asked, then refuses its keys as expired', async () => {
    clock = Date.parse('2030-01-01T00:00:00Z');
    const { keys, expiration } = await assumeReader(900);
    expect(expiration.getTime()).toBe(clock + 900_000);
    const list = async () => {
      const client = new SageMakerClient({
        region: REGION,
        endpoint: sagemakerUrl,
        credentials: keys,
        ...skew(),
      });
      try {
        return await client.send(new ListInferenceRecommendationsJobsCommand({}));
      } finally {
        client.destroy();
      }
    };
    expect((await list()).InferenceRecommendationsJobs).toEqual([]);

    clock += 899_000;
    const sts = stsAs(keys);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(SPOKE_ACCOUNT);
    sts.destroy();

    clock += 1_000;
    const expired = 'The security token included in the request is expired';
    await expect(list()).rejects.toMatchObject({
      name: 'ExpiredTokenException',
      message: expired,
    });
    const later = stsAs(keys);
    await expect(later.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'ExpiredToken',
      message: expired,
      $metadata: { httpStatusCode: 403 },
    });
    later.destroy();
  });

  it("holds a role chain to one hour and a session to the role's MaxSessionDuration", async () => {
    clock = Date.now();
    const validation = { name: 'ValidationError', $metadata: { httpStatusCode: 400 } };
    // detect signs with a role session: the reader role is assumed by role chaining.
    await expect(assumeReader(3601)).rejects.toMatchObject({
      ...validation,
      message:
        'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    });
    await expect(assumeReader(899)).rejects.toMatchObject({
      ...validation,
      message: expect.stringContaining(
        "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
      ),
    });
    // The hub's user (no chain) asking the RedriveRole (MaxSessionDuration 3600) for longer.
    const sts = stsAs(TEST_USER);
    try {
      await expect(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: iam.identities.forRole('RedriveRole').principalArn,
            RoleSessionName: 'operator',
            DurationSeconds: 7200,
          }),
        ),
      ).rejects.toMatchObject({
        ...validation,
        message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      });
      const redrive = await sts.send(
        new AssumeRoleCommand({
          RoleArn: iam.identities.forRole('RedriveRole').principalArn,
          RoleSessionName: 'operator',
        }),
      );
      expect(redrive.AssumedRoleUser?.Arn).toBe(
        `arn:aws:sts::${ACCOUNT}:assumed-role/irwatch-${STAGE}-RedriveRole/operator`,
      );
    } finally {
      sts.destroy();
    }
  });
});

describe('irwatch’s own AssumeRole and SageMaker requests (no SDK client), against the local STS', () => {
  const stsCalls: string[] = [];
  /** The api's environment as Lambda gives it, its endpoints the local servers'. */
  const apiWorld = (externalId: string | undefined) => {
    const session = iam.identities.forFunction('api');
    const env = {
      AWS_ACCESS_KEY_ID: session.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
      AWS_SESSION_TOKEN: session.sessionToken!,
      AWS_ENDPOINT_URL_STS: stsUrl,
      AWS_ENDPOINT_URL_SAGEMAKER: sagemakerUrl,
    };
    const config = readWatchConfig({
      HOME_ACCOUNT_ID: ACCOUNT,
      AWS_REGION: REGION,
      WATCHED_ACCOUNTS: SPOKE_ACCOUNT,
      WATCHED_REGIONS: regions.join(','),
      SPOKE_ROLE_NAME: `irwatch-${STAGE}-reader`,
      SPOKE_EXTERNAL_ID: externalId ?? 'not-the-external-id',
    });
    const countingFetch: typeof fetch = (input, init) => {
      if (String(input).startsWith(stsUrl)) stsCalls.push(String(init?.body));
      return fetch(input, init);
    };
    return sageMakerRequests(config, 'irwatch-api', {
      env,
      now: () => clock,
      fetch: countingFetch,
      maxAttempts: 1,
    });
  };

  it('reads a spoke through its reader role, assumed once and renewed five minutes before it expires', async () => {
    clock = Date.parse('2031-01-01T00:00:00Z');
    stsCalls.length = 0;
    const sageMakerOf = apiWorld(EXTERNAL_ID);
    const list = () =>
      sageMakerOf({ accountId: SPOKE_ACCOUNT, region: regions[1]! })<{
        InferenceRecommendationsJobs: unknown[];
      }>('ListInferenceRecommendationsJobs', {});
    expect(await list()).toEqual({ InferenceRecommendationsJobs: [] });
    expect(stsCalls).toHaveLength(1);
    const form = new URLSearchParams(stsCalls[0]);
    expect(Object.fromEntries(form)).toEqual({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: READER,
      RoleSessionName: 'irwatch-api',
      ExternalId: EXTERNAL_ID,
      DurationSeconds: '3600',
    });
    // The same session for both regions of the account, until 55 minutes have passed.
    await sageMakerOf({ accountId: SPOKE_ACCOUNT, region: REGION })(
      'ListInferenceRecommendationsJobs',
      {},
    );
    clock += 54 * 60_000;
    await list();
    expect(stsCalls).toHaveLength(1);
    clock += 2 * 60_000;
    expect(await list()).toEqual({ InferenceRecommendationsJobs: [] });
    expect(stsCalls).toHaveLength(2);
    // An hour after the first session began, the renewed one still reads.
    clock += 10 * 60_000;
    await list();
    expect(stsCalls).toHaveLength(2);
  });

  it('carries STS’s refusal (code, status, message) when the external ID is wrong, and SageMaker’s error codes', async () => {
    clock = Date.now();
    const refused = apiWorld(undefined)({ accountId: SPOKE_ACCOUNT, region: REGION })(
      'ListInferenceRecommendationsJobs',
      {},
    );
    await expect(refused).rejects.toBeInstanceOf(AwsRequestError);
    await expect(refused).rejects.toMatchObject({
      code: 'AccessDenied',
      status: 403,
      retryable: false,
      awsMessage: `User: arn:aws:sts::${ACCOUNT}:assumed-role/irwatch-${STAGE}-ApiRole/irwatch-local-api is not authorized to perform: sts:AssumeRole on resource: ${READER}`,
    });
    const missing = apiWorld(EXTERNAL_ID)({ accountId: SPOKE_ACCOUNT, region: REGION })(
      'DescribeInferenceRecommendationsJob',
      { JobName: 'no-such-job' },
    );
    await expect(missing).rejects.toMatchObject({
      code: 'ResourceNotFound',
      status: 400,
      retryable: false,
      message: expect.stringMatching(
        /^SageMaker\.DescribeInferenceRecommendationsJob: ResourceNotFound: /,
      ),
    });
  });
});

describe("a spoke's forward rule", () => {
  const hubBus = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/irwatch-${STAGE}`;
  const event = (account: string, region: string) =>
    cloudTrailEvent({
      operation: 'CreateInferenceRecommendationsJob',
      input: { JobName: 'forwarded' },
      output: { JobArn: 'arn' },
      account,
      region,
      at: Date.now(),
    });
  /** The hub bus policy with a statement admitting the spoke's forwarder roles. */
  const admitting = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${SPOKE_ACCOUNT}:root` },
        Action: 'events:PutEvents',
        Resource: hubBus,
        Condition: {
          ArnLike: {
            'aws:PrincipalArn': `arn:aws:iam::${SPOKE_ACCOUNT}:role/irwatch-${STAGE}-forwarder-*`,
          },
        },
      },
    ],
  };

  it("puts the event on the hub's bus as the region's forwarder role when the bus policy admits it", async () => {
    const [outcome, ...others] = await forwardingOutcomes(
      spoke,
      event(SPOKE_ACCOUNT, regions[1]!),
      () => admitting,
      Date.now(),
    );
    expect(others).toEqual([]);
    expect(outcome).toMatchObject({
      delivered: true,
      rule: {
        ruleArn: `arn:aws:events:${regions[1]}:${SPOKE_ACCOUNT}:rule/irwatch-${STAGE}-forward`,
        target: hubBus,
        role: { roleName: `irwatch-${STAGE}-forwarder-${regions[1]}` },
      },
    });
  });

  it('is denied, in AWS words, by a hub bus without a policy for the spoke', async () => {
    const [outcome] = await forwardingOutcomes(
      spoke,
      event(SPOKE_ACCOUNT, REGION),
      () => undefined,
      Date.now(),
    );
    expect(outcome).toMatchObject({
      delivered: false,
      reason: expect.stringContaining(
        `User: arn:aws:sts::${SPOKE_ACCOUNT}:assumed-role/irwatch-${STAGE}-forwarder-${REGION}/events is not authorized to perform: events:PutEvents on resource: ${hubBus}`,
      ),
    });
  });

  it('takes only its own region and the CloudTrail events of its pattern', async () => {
    const other = { ...event(SPOKE_ACCOUNT, 'ap-south-1') };
    expect(await forwardingOutcomes(spoke, other, () => admitting, Date.now())).toEqual([]);
    const notSageMaker = { ...event(SPOKE_ACCOUNT, REGION), source: 'aws.s3' };
    expect(await forwardingOutcomes(spoke, notSageMaker, () => admitting, Date.now())).toEqual([]);
  });

  it("lets EventBridge assume the forwarder role only for that rule's events", async () => {
    const role = spoke.forwardRules[0]!.role;
    const foreign = {
      ...spoke,
      forwardRules: spoke.forwardRules.map((rule) => ({
        ...rule,
        ruleArn: rule.ruleArn.replace('irwatch-sts-forward', 'someone-elses-rule'),
      })),
    };
    const [outcome] = await forwardingOutcomes(
      foreign,
      event(SPOKE_ACCOUNT, REGION),
      () => admitting,
      Date.now(),
    );
    expect(outcome).toMatchObject({
      delivered: false,
      reason: expect.stringContaining(`EventBridge cannot assume ${role.arn}`),
    });
  });
});
