import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallRecord } from '../../local/aws/iam/gate.js';
import { createLocalIam, type LocalIam } from '../../local/aws/iam/local-iam.js';
import { loadTemplate } from '../../local/aws/iam/template-policies.js';
import { ACCOUNT, REGION } from './fixtures.js';
import { repoRoot } from './serverless.js';

/** The keys test/support/env.ts gives every test process: the local account's administrator. */
export const TEST_USER = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Where the gates of every test process write the calls they evaluated (one JSON line each), for
 * the permissions check that runs after the suite (test/permissions).
 */
export const CALL_LOG_VARIABLE = 'IRWATCH_IAM_CALL_LOG';

export function recordCall(call: CallRecord): void {
  const file = process.env[CALL_LOG_VARIABLE];
  if (file) appendFileSync(file, `${JSON.stringify(call)}\n`);
}

/**
 * The local account's IAM for one test file, from the repository's serverless.yml for `stage`:
 * tables, buses and topics of that stage are the ones the roles name.
 */
export function testIam(stage: string, options: { record?: boolean } = {}): LocalIam {
  return createLocalIam({
    template: loadTemplate(join(repoRoot, 'serverless.yml'), { stage, region: REGION }),
    environment: { account: ACCOUNT, region: REGION, stage },
    user: TEST_USER,
    seed: `test-${stage}`,
    enforceIam: true,
    ...(options.record === false ? {} : { record: recordCall }),
  });
}

/**
 * From now on, SDK clients of this process that have not signed yet sign as the function's role
 * session, as its code does in Lambda. A client keeps the credentials it first signed with, so
 * call this before the function's first call (handlers are imported in beforeAll).
 */
export function actAs(iam: LocalIam, functionName: string): void {
  delete process.env.AWS_SESSION_TOKEN;
  Object.assign(
    process.env,
    iam.identities.environmentOf(iam.identities.forFunction(functionName)),
  );
}

/** Back to the administrator's keys of test/support/env.ts. */
export function actAsUser(): void {
  delete process.env.AWS_SESSION_TOKEN;
  process.env.AWS_ACCESS_KEY_ID = TEST_USER.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_USER.secretAccessKey;
}
