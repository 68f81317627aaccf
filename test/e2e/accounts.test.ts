import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateInferenceRecommendationsJobCommand,
  DescribeInferenceRecommendationsJobCommand,
  ListInferenceRecommendationsJobsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_ACCOUNT, SPOKE_ACCOUNT, SPOKE_PROFILE } from '../../local/stack/accounts.js';
import { localRoleSession } from '../../local/aws/iam/local-iam.js';
import { startStack, type LocalStack } from '../../local/stack/stack.js';
import { assumedRoleCredentials } from '../../shared/assume-role.js';
import { aws, awsError, type StackInfo } from '../support/aws-clients.js';
import { requireAwsTools } from '../support/aws-tools.js';
import { eventually } from '../support/cli-process.js';
import { CALL_LOG_VARIABLE } from '../support/iam.js';

// Two accounts (the hub and a spoke) in two regions, driven by AWS's own CLI and the JS SDK:
// each call acts in its caller's account and signed region, and the hub reaches the spoke only
// through the spoke's reader role, assumed with the external ID.
const skipReason = requireAwsTools('aws');
if (skipReason) console.warn(`Skipping the many-accounts AWS CLI tests: ${skipReason}`);

const READER = `arn:aws:iam::${SPOKE_ACCOUNT}:role/irwatch-local-reader`;
const HUB_REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const TWIN = 'twin-job';

let stack: LocalStack;
let info: StackInfo & { sts: string; spokeExternalId: string; config: string };
const logged: string[] = [];

/** The stack's info with the AWS CLI's profile set to one account's user. */
const as = (profile: string): StackInfo => ({ ...info, awsFiles: { ...info.awsFiles, profile } });
const HUB = 'irwatch-local';

const createArgs = (account: string, region: string, name: string) => [
  'sagemaker',
  'create-inference-recommendations-job',
  '--region',
  region,
  '--job-name',
  name,
  '--job-type',
  'Default',
  '--role-arn',
  `arn:aws:iam::${account}:role/SageMakerInferenceRecommender`,
  '--input-config',
  JSON.stringify({
    ModelPackageVersionArn: `arn:aws:sagemaker:${region}:${account}:model-package/churn/7`,
  }),
];

/** The keys a function's code signs with in the local stack (its role's session). */
const functionSession = (fn: string) =>
  localRoleSession(
    {
      config: info.config,
      dataDir: stack.dataDir,
      environment: { account: HUB_ACCOUNT, region: HUB_REGION, stage: 'local' },
    },
    { function: fn },
  );

beforeAll(async () => {
  // This file signs as the functions' sessions itself (denials on purpose included): the call log
  // judges what the functions' own code sends, so these calls stay out of it.
  delete process.env[CALL_LOG_VARIABLE];
  const dataDir = await mkdtemp(join(tmpdir(), 'irwatch-accounts-'));
  stack = await startStack({
    dataDir,
    port: 0,
    pollIntervalSeconds: 3600,
    scenarioSpeed: 50,
    log: (line) => logged.push(line),
  });
  info = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as typeof info;
});

afterAll(async () => {
  await stack?.stop();
});

describe('the local world has two accounts in two regions', () => {
  it('lists the accounts with their profiles, and the regions, in stack.json', () => {
    expect(info).toMatchObject({
      accounts: [
        { id: HUB_ACCOUNT, profile: HUB, hub: true },
        { id: SPOKE_ACCOUNT, profile: SPOKE_PROFILE, hub: false },
      ],
      regions: [HUB_REGION, OTHER_REGION],
    });
    expect(info.spokeExternalId).toMatch(/^irwatch-local-[0-9a-f]{24}$/);
  });

  it.skipIf(skipReason)('answers GetCallerIdentity with each profile its own account', async () => {
    const hub = await aws<{ Account: string; Arn: string }>(as(HUB), info.sts, [
      'sts',
      'get-caller-identity',
    ]);
    const spoke = await aws<{ Account: string; Arn: string }>(as(SPOKE_PROFILE), info.sts, [
      'sts',
      'get-caller-identity',
      '--region',
      OTHER_REGION,
    ]);
    expect(hub).toMatchObject({
      Account: HUB_ACCOUNT,
      Arn: `arn:aws:iam::${HUB_ACCOUNT}:user/irwatch-local`,
    });
    expect(spoke).toMatchObject({
      Account: SPOKE_ACCOUNT,
      Arn: `arn:aws:iam::${SPOKE_ACCOUNT}:user/${SPOKE_PROFILE}`,
    });
  });

  it.skipIf(skipReason)(
    'keeps one job name apart in each account and region, each with its own ARN',
    async () => {
      const places = [
        [HUB, HUB_ACCOUNT, HUB_REGION],
        [HUB, HUB_ACCOUNT, OTHER_REGION],
        [SPOKE_PROFILE, SPOKE_ACCOUNT, HUB_REGION],
        [SPOKE_PROFILE, SPOKE_ACCOUNT, OTHER_REGION],
      ] as const;
      const created = [];
      for (const [profile, account, region] of places) {
        created.push(
          await aws<{ JobArn: string }>(
            as(profile),
            info.sagemaker,
            createArgs(account, region, TWIN),
          ),
        );
      }
      expect(created.map((c) => c.JobArn)).toEqual(
        places.map(
          ([, account, region]) =>
            `arn:aws:sagemaker:${region}:${account}:inference-recommendations-job/${TWIN}`,
        ),
      );
      for (const [profile, account, region] of places) {
        const described = await aws<{ JobArn: string; RoleArn: string }>(
          as(profile),
          info.sagemaker,
          [
            'sagemaker',
            'describe-inference-recommendations-job',
            '--region',
            region,
            '--job-name',
            TWIN,
          ],
        );
        expect(described.JobArn).toBe(
          `arn:aws:sagemaker:${region}:${account}:inference-recommendations-job/${TWIN}`,
        );
        expect(described.RoleArn).toContain(`::${account}:role/`);
      }
      // A second job of that name in the same account and region is refused, as SageMaker does.
      const again = await awsError(
        as(SPOKE_PROFILE),
        info.sagemaker,
        createArgs(SPOKE_ACCOUNT, OTHER_REGION, TWIN),
      );
      expect(again.stderr).toContain('(ResourceInUse)');
      // The spoke's region lists its own job only, none of the hub's scenario jobs.
      const listed = await aws<{ InferenceRecommendationsJobs: Array<{ JobArn: string }> }>(
        as(SPOKE_PROFILE),
        info.sagemaker,
        ['sagemaker', 'list-inference-recommendations-jobs', '--region', OTHER_REGION],
      );
      expect(listed.InferenceRecommendationsJobs.map((job) => job.JobArn)).toEqual([
        `arn:aws:sagemaker:${OTHER_REGION}:${SPOKE_ACCOUNT}:inference-recommendations-job/${TWIN}`,
      ]);
      // The hub's user may not hand SageMaker a role of the spoke account.
      const passed = await awsError(
        as(HUB),
        info.sagemaker,
        createArgs(HUB_ACCOUNT, HUB_REGION, 'passes-a-spoke-role').map((arg) =>
          arg.includes(':role/')
            ? `arn:aws:iam::${SPOKE_ACCOUNT}:role/SageMakerInferenceRecommender`
            : arg,
        ),
      );
      expect(passed.stderr).toContain(
        `User: arn:aws:iam::${HUB_ACCOUNT}:user/irwatch-local is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${SPOKE_ACCOUNT}:role/SageMakerInferenceRecommender`,
      );
    },
  );
});

describe("the hub reaches a spoke's jobs only through its reader role", () => {
  it("lets detect's session assume the reader role with the external ID, as detect's code will", async () => {
    const detect = await functionSession('detect');
    const saved = { ...process.env };
    // What Lambda gives detect: its role session's keys; AWS_ENDPOINT_URL_STS and _SAGEMAKER
    // come from the stack, as the SDK reads them.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: detect.accessKeyId,
      AWS_SECRET_ACCESS_KEY: detect.secretAccessKey,
      AWS_SESSION_TOKEN: detect.sessionToken,
    });
    delete process.env.AWS_PROFILE;
    try {
      // shared/assume-role.ts: the provider detect and ingest hand their SageMaker clients.
      const credentials = assumedRoleCredentials(
        { roleArn: READER, sessionName: 'irwatch-detect', externalId: info.spokeExternalId },
        { region: HUB_REGION },
      );
      const jobsIn = async (region: string) => {
        const client = new SageMakerClient({ region, credentials });
        try {
          const page = await client.send(new ListInferenceRecommendationsJobsCommand({}));
          return (page.InferenceRecommendationsJobs ?? []).map((job) => job.JobArn);
        } finally {
          client.destroy();
        }
      };
      expect(await jobsIn(OTHER_REGION)).toEqual([
        `arn:aws:sagemaker:${OTHER_REGION}:${SPOKE_ACCOUNT}:inference-recommendations-job/${TWIN}`,
      ]);
      expect(await jobsIn(HUB_REGION)).toEqual([
        `arn:aws:sagemaker:${HUB_REGION}:${SPOKE_ACCOUNT}:inference-recommendations-job/${TWIN}`,
      ]);
      const sts = new STSClient({ region: HUB_REGION, credentials });
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      expect(identity).toMatchObject({
        Account: SPOKE_ACCOUNT,
        Arn: `arn:aws:sts::${SPOKE_ACCOUNT}:assumed-role/irwatch-local-reader/irwatch-detect`,
      });
      expect(identity.UserId).toMatch(/^AROA[0-9A-Z]+:irwatch-detect$/);
    } finally {
      process.env = saved;
    }
  });

  /** AssumeRole of the reader role as `fn`'s session, with `externalId`; the error it gets. */
  async function assumeAs(fn: string, externalId?: string, roleArn = READER) {
    const session = await functionSession(fn);
    const sts = new STSClient({
      region: HUB_REGION,
      endpoint: info.sts,
      maxAttempts: 1,
      credentials: {
        accessKeyId: session.accessKeyId,
        secretAccessKey: session.secretAccessKey,
        sessionToken: session.sessionToken!,
      },
    });
    try {
      return await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'irwatch-test',
          ...(externalId !== undefined ? { ExternalId: externalId } : {}),
        }),
      );
    } catch (error) {
      return error as Error & { $metadata: { httpStatusCode?: number } };
    } finally {
      sts.destroy();
    }
  }

  const denied = (caller: string, role = READER) =>
    `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${role}`;
  const detectCaller = `arn:aws:sts::${HUB_ACCOUNT}:assumed-role/irwatch-local-DetectRole/irwatch-local-detect`;

  it('denies AssumeRole without the external ID or with a wrong one, in AWS words; admits the api with it', async () => {
    for (const attempt of [
      await assumeAs('detect'),
      await assumeAs('detect', 'not-the-external-id'),
    ]) {
      expect(attempt).toMatchObject({ name: 'AccessDenied', message: denied(detectCaller) });
      expect((attempt as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode).toBe(
        403,
      );
    }
    // The api asks a spoke's job for SageMaker's scaling recommendation (plan, source=sagemaker)
    // through the reader role: with the external ID only.
    const apiCaller = `arn:aws:sts::${HUB_ACCOUNT}:assumed-role/irwatch-local-ApiRole/irwatch-local-api`;
    expect(await assumeAs('api')).toMatchObject({
      name: 'AccessDenied',
      message: denied(apiCaller),
    });
    expect(await assumeAs('api', info.spokeExternalId)).toMatchObject({
      AssumedRoleUser: {
        Arn: `arn:aws:sts::${SPOKE_ACCOUNT}:assumed-role/irwatch-local-reader/irwatch-test`,
      },
    });
    // The notify role may not assume roles at all (its own policy), whatever it presents.
    expect(await assumeAs('notify', info.spokeExternalId)).toMatchObject({
      name: 'AccessDenied',
      message: denied(
        `arn:aws:sts::${HUB_ACCOUNT}:assumed-role/irwatch-local-NotifyRole/irwatch-local-notify`,
      ),
    });
    // A role that does not exist reads like one that does not admit the caller.
    const missing = `arn:aws:iam::${SPOKE_ACCOUNT}:role/irwatch-local-missing`;
    expect(await assumeAs('detect', info.spokeExternalId, missing)).toMatchObject({
      name: 'AccessDenied',
      message: denied(detectCaller, missing),
    });
  });

  it.skipIf(skipReason)(
    "denies the hub's administrator the reader role: its trust admits detect, ingest and api only",
    async () => {
      const error = await awsError(as(HUB), info.sts, [
        'sts',
        'assume-role',
        '--role-arn',
        READER,
        '--role-session-name',
        'admin',
        '--external-id',
        info.spokeExternalId,
      ]);
      expect(error.stderr).toContain(
        `An error occurred (AccessDenied) when calling the AssumeRole operation: ${denied(`arn:aws:iam::${HUB_ACCOUNT}:user/irwatch-local`)}`,
      );
    },
  );

  it("gives the reader session the spoke's read actions only: no create, none of the hub's jobs", async () => {
    const ingest = await assumeAs('ingest', info.spokeExternalId);
    if (ingest instanceof Error) throw ingest;
    const keys = ingest.Credentials!;
    const sagemaker = new SageMakerClient({
      region: HUB_REGION,
      endpoint: info.sagemaker,
      maxAttempts: 1,
      credentials: {
        accessKeyId: keys.AccessKeyId!,
        secretAccessKey: keys.SecretAccessKey!,
        sessionToken: keys.SessionToken!,
        expiration: keys.Expiration!,
      },
    });
    try {
      const session = `arn:aws:sts::${SPOKE_ACCOUNT}:assumed-role/irwatch-local-reader/irwatch-test`;
      await expect(
        sagemaker.send(
          new CreateInferenceRecommendationsJobCommand({
            JobName: 'reader-made',
            JobType: 'Default',
            RoleArn: `arn:aws:iam::${SPOKE_ACCOUNT}:role/SageMakerInferenceRecommender`,
            InputConfig: {
              ModelPackageVersionArn: `arn:aws:sagemaker:${HUB_REGION}:${SPOKE_ACCOUNT}:model-package/churn/7`,
            },
          }),
        ),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(
          `User: ${session} is not authorized to perform: sagemaker:CreateInferenceRecommendationsJob on resource: arn:aws:sagemaker:${HUB_REGION}:${SPOKE_ACCOUNT}:inference-recommendations-job/reader-made`,
        ),
      });
      // The hub's scenario job is no job of the spoke account.
      await expect(
        sagemaker.send(
          new DescribeInferenceRecommendationsJobCommand({ JobName: 'xgboost-churn-default' }),
        ),
      ).rejects.toMatchObject({ name: 'ResourceNotFound' });
      const described = await sagemaker.send(
        new DescribeInferenceRecommendationsJobCommand({ JobName: TWIN }),
      );
      expect(described.JobArn).toBe(
        `arn:aws:sagemaker:${HUB_REGION}:${SPOKE_ACCOUNT}:inference-recommendations-job/${TWIN}`,
      );
    } finally {
      sagemaker.destroy();
    }
  });

  it("keeps the spoke's user out of the hub's table", async () => {
    const error = await awsError(as(SPOKE_PROFILE), info.dynamodb, [
      'dynamodb',
      'describe-table',
      '--table-name',
      'irwatch-local',
    ]);
    expect(error.stderr).toContain(`account ${SPOKE_ACCOUNT}`);
  });
});

describe("a spoke's CloudTrail events", () => {
  it("go to the spoke's forward rule in their region, which puts them on the hub's bus as its forwarder role", async () => {
    const line = await eventually(
      async () =>
        logged.find((entry) =>
          entry.includes(
            `arn:aws:events:${OTHER_REGION}:${SPOKE_ACCOUNT}:rule/irwatch-local-forward`,
          ),
        ),
      10_000,
      "the spoke's forward rule acting on the CloudTrail event",
    );
    const bus = `arn:aws:events:${HUB_REGION}:${HUB_ACCOUNT}:event-bus/irwatch-local`;
    // The bus policy of serverless.yml decides: forwarded, or denied in AWS's words.
    expect(
      [
        `forwarded it to ${bus}`,
        `User: arn:aws:sts::${SPOKE_ACCOUNT}:assumed-role/irwatch-local-forwarder-${OTHER_REGION}/events is not authorized to perform: events:PutEvents on resource: ${bus}`,
      ].some((outcome) => line.includes(outcome)),
      line,
    ).toBe(true);
  });
});
