import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../local/aws/iam/gate.js';
import { CALL_LOG_VARIABLE, testIam } from '../support/iam.js';
import { repoRoot } from '../support/serverless.js';

/**
 * Runs after the whole suite (npm test): the gates of every integration and end-to-end test wrote
 * each call they evaluated, so this is what the functions' code really sends.
 */
const logFile = process.env[CALL_LOG_VARIABLE] ?? join(repoRoot, 'test/artifacts/iam-calls.jsonl');

/**
 * Actions AWS services take with a function's role on its behalf, never sent by its code:
 * Lambda writes its logs and traces and sends a failed event to its on-failure destination; SNS
 * encrypts what notify publishes with the topic's key. (The api reads its cursor key itself:
 * secretsmanager:GetSecretValue is a call of its code, which Secrets Manager decrypts with its
 * own AWS-managed key, no grant needed.)
 */
const ON_ITS_BEHALF = new Set([
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'sqs:SendMessage',
  'kms:GenerateDataKey*',
  'kms:Decrypt',
]);

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

describe('each function is granted exactly what its code sends', () => {
  const calls = existsSync(logFile)
    ? readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as CallRecord)
    : [];
  // The roles of serverless.yml, as the local world and the tests enforced them (the packaged
  // template holds the same policies: test/integration/template-policies.test.ts).
  const { functionRoles } = testIam('permissions', { record: false });

  it('has the calls of the suite to judge by', () => {
    expect(calls.length, `no calls recorded in ${logFile}: run the whole npm test`).toBeGreaterThan(
      100,
    );
  });

  for (const [fn, role] of functionRoles) {
    const own = calls.filter((call) => call.functionName === fn);
    const granted = role.policies.flatMap(({ policy }) =>
      asList(policy.Statement).flatMap((statement) =>
        asList((statement as Record<string, unknown>).Action).map(String),
      ),
    );
    // A role that grants only what AWS does on the function's behalf (web's: its logs and
    // traces) is for a function whose code calls nothing.
    const sendsCalls = granted.some((action) => !ON_ITS_BEHALF.has(action));

    it(`${fn}: every call its code sent was allowed by its role`, () => {
      // AssumeRole is also decided by the target role's trust policy, which tests refuse on
      // purpose (no external ID): the function's role answers only for its own policies.
      const denied = own.flatMap((call) =>
        call.authorizations
          .filter((authorization) => !authorization.allowed && !authorization.callerPoliciesAllowed)
          .map((a) => `${a.action} on ${a.resource} (${role.logicalId})`),
      );
      expect([...new Set(denied)]).toEqual([]);
      if (sendsCalls) expect(own.length, `${fn} made no recorded call`).toBeGreaterThan(0);
      else expect(own, `${fn}'s role grants its code no call`).toEqual([]);
    });

    it(`${fn}: every action its role grants is one its code sends`, () => {
      const sent = new Set(own.flatMap((call) => call.authorizations.map((a) => a.action)));
      const unused = granted.filter((action) => !sent.has(action) && !ON_ITS_BEHALF.has(action));
      expect(unused, `granted to ${role.logicalId} but never sent by ${fn}`).toEqual([]);
    });
  }
});
