import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecretString } from '../../local/aws/secretsmanager/secrets-manager-endpoint.js';
import { aws, awsError, botocoreCalls, type StackInfo } from '../support/aws-clients.js';
import { requireAwsTools } from '../support/aws-tools.js';
import { TEST_USER, testIam } from '../support/iam.js';
import { startLocalSecretsManager, type LocalSecretsManager } from '../support/secrets.js';

/**
 * The local Secrets Manager as AWS's own CLI and botocore see it: the secret serverless.yml
 * generates, read by the account's user and by the api's role, refused to a role without the
 * grant, answered in the shapes and errors of botocore's secretsmanager model.
 */
const skipReason = requireAwsTools('aws', 'botocore');
if (skipReason) console.warn(`Skipping the local Secrets Manager CLI tests: ${skipReason}`);

const STAGE = 'secrets';
// Not recorded for the permission check (test/permissions): these calls are the AWS CLI acting
// as the roles, refused on purpose, not what the functions' code sends.
const iam = testIam(STAGE, { record: false });
let local: LocalSecretsManager;
/** AWS profiles in a folder of this test: the user, the api's and ingest's role sessions. */
const profiles: Record<'user' | 'api' | 'ingest', StackInfo> = {} as never;

beforeAll(async () => {
  local = await startLocalSecretsManager(STAGE, iam);
  const dir = await mkdtemp(join(tmpdir(), 'irwatch-secrets-cli-'));
  const credentials: string[] = [];
  const config: string[] = [];
  const sessions = {
    user: TEST_USER,
    api: iam.identities.forFunction('api'),
    ingest: iam.identities.forFunction('ingest'),
  };
  for (const [name, keys] of Object.entries(sessions)) {
    credentials.push(
      `[${name}]`,
      `aws_access_key_id = ${keys.accessKeyId}`,
      `aws_secret_access_key = ${keys.secretAccessKey}`,
      ...('sessionToken' in keys && keys.sessionToken
        ? [`aws_session_token = ${keys.sessionToken}`]
        : []),
    );
    config.push(`[profile ${name}]`, 'region = us-east-1');
  }
  await writeFile(join(dir, 'credentials'), `${credentials.join('\n')}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'config'), `${config.join('\n')}\n`);
  for (const name of Object.keys(sessions) as Array<keyof typeof sessions>) {
    profiles[name] = {
      awsFiles: {
        credentials: join(dir, 'credentials'),
        config: join(dir, 'config'),
        profile: name,
      },
    } as StackInfo;
  }
});

afterAll(async () => {
  await local?.server.close();
});

const secretName = `irwatch/${STAGE}/api/cursor-key`;

describe.skipIf(skipReason)('the local Secrets Manager, driven by the AWS CLI', () => {
  it('gives the stack user the generated cursor key, by name or by ARN', async () => {
    const [secret] = local.secrets;
    const byName = await aws<Record<string, unknown>>(profiles.user, local.server.url, [
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      secretName,
    ]);
    expect(byName).toMatchObject({
      ARN: secret!.arn,
      Name: secretName,
      SecretString: secret!.secretString,
      VersionStages: ['AWSCURRENT'],
    });
    const byArn = await aws<Record<string, unknown>>(profiles.user, local.server.url, [
      'secretsmanager',
      'describe-secret',
      '--secret-id',
      secret!.arn,
    ]);
    expect(byArn).toMatchObject({ ARN: secret!.arn, Name: secretName });
    expect(byArn).not.toHaveProperty('SecretString');
  });

  it('lets the api role read the value, and nothing else of it', async () => {
    const value = await aws<{ SecretString: string }>(profiles.api, local.server.url, [
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      local.secrets[0]!.arn,
    ]);
    expect(value.SecretString).toBe(local.secrets[0]!.secretString);
    const describe = await awsError(profiles.api, local.server.url, [
      'secretsmanager',
      'describe-secret',
      '--secret-id',
      secretName,
    ]);
    expect(describe.stderr).toContain('(AccessDeniedException)');
    expect(describe.stderr).toContain('secretsmanager:DescribeSecret');
  });

  it('refuses a role without the grant, before saying whether the secret exists', async () => {
    for (const id of [secretName, 'irwatch/no-such-secret']) {
      const refused = await awsError(profiles.ingest, local.server.url, [
        'secretsmanager',
        'get-secret-value',
        '--secret-id',
        id,
      ]);
      expect(refused.stderr).toContain('(AccessDeniedException)');
      expect(refused.stderr).toContain('secretsmanager:GetSecretValue');
    }
  });

  it('answers in the shapes and errors of botocore’s model', async () => {
    const endpoint = local.server.url;
    const results = await botocoreCalls(profiles.user, [
      {
        service: 'secretsmanager',
        endpoint,
        operation: 'GetSecretValue',
        params: { SecretId: secretName },
      },
      {
        service: 'secretsmanager',
        endpoint,
        operation: 'DescribeSecret',
        params: { SecretId: secretName },
      },
      {
        service: 'secretsmanager',
        endpoint,
        operation: 'GetSecretValue',
        params: { SecretId: 'irwatch/none' },
      },
      {
        service: 'secretsmanager',
        endpoint,
        operation: 'GetSecretValue',
        params: { SecretId: secretName, VersionStage: 'AWSPREVIOUS' },
      },
    ]);
    for (const result of results) expect(result.problems).toEqual([]);
    expect(results.map((result) => result.error?.code ?? 'ok')).toEqual([
      'ok',
      'ok',
      'ResourceNotFoundException',
      'ResourceNotFoundException',
    ]);
    expect(results[0]!.output).toMatchObject({ SecretString: local.secrets[0]!.secretString });
  });
});

describe('the generated secrets', () => {
  it('keep their value across a restart of the local stack (same data folder)', async () => {
    const again = await startLocalSecretsManager(STAGE, iam, { dataDir: local.dataDir });
    await again.server.close();
    expect(again.secrets).toEqual(local.secrets);
    const fresh = await startLocalSecretsManager(STAGE, iam);
    await fresh.server.close();
    expect(fresh.secrets[0]!.secretString).not.toBe(local.secrets[0]!.secretString);
  });

  it('follow GenerateSecretString', () => {
    expect(generateSecretString()).toHaveLength(32);
    const digits = generateSecretString({
      PasswordLength: 50,
      ExcludeLowercase: true,
      ExcludeUppercase: true,
      ExcludePunctuation: true,
    });
    expect(digits).toMatch(/^\d{50}$/);
    const mixed = generateSecretString({
      PasswordLength: 4,
      ExcludePunctuation: true,
      ExcludeCharacters: 'abc',
    });
    expect(mixed).toMatch(/[a-z]/);
    expect(mixed).toMatch(/[A-Z]/);
    expect(mixed).toMatch(/\d/);
    expect(mixed).not.toMatch(/[abc]/);
    expect(
      JSON.parse(
        generateSecretString({ SecretStringTemplate: '{"user":"u"}', GenerateStringKey: 'key' }),
      ),
    ).toMatchObject({ user: 'u', key: expect.any(String) });
  });
});
