import { createHash } from 'node:crypto';
import type { NamedPolicy } from './template-policies.js';

/** A role of the template, as its sessions act. */
export interface LocalRole {
  logicalId: string;
  roleName: string;
  arn: string;
  policies: NamedPolicy[];
}

/** A caller the local endpoints know: its keys, what IAM calls it, and the policies it holds. */
export interface LocalPrincipal {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials (a function's role session) also carry a token the call must send. */
  sessionToken?: string;
  /** The caller as AWS names it in a denial: an assumed-role session, or a user. */
  callerArn: string;
  /** `aws:PrincipalArn`: the role, or the user. */
  principalArn: string;
  /** Set for a function's role session. */
  functionName?: string;
  policies: NamedPolicy[];
}

export interface LocalIdentities {
  account: string;
  byAccessKey(accessKeyId: string): LocalPrincipal | undefined;
  /** The role session a function's code signs with, as Lambda hands it in its environment. */
  forFunction(name: string): LocalPrincipal;
  /** A session of a role of the template by its logical id (an operator's, like RedriveRole). */
  forRole(logicalId: string): LocalPrincipal;
  /** The person at the keyboard: the local account's administrator. */
  user: LocalPrincipal;
  /** The environment variables a process signs with to act as this principal. */
  environmentOf(principal: LocalPrincipal): Record<string, string>;
}

/** The local account's administrator, as an account's first user often is. */
const ADMINISTRATOR: NamedPolicy = {
  name: 'AdministratorAccess',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

export interface LocalIdentitiesOptions {
  account: string;
  /** Every role of the template, by logical id. */
  roles: Map<string, LocalRole>;
  /** Each function's role, by function name. */
  functionRoles: Map<string, LocalRole>;
  /** The keys the local user signs with. */
  user: { accessKeyId: string; secretAccessKey: string };
  /** Secret material the role sessions' keys derive from; new per data folder. */
  seed: string;
}

const derive = (seed: string, label: string, length: number, alphabet: 'upper' | 'base64') => {
  const digest = createHash('sha256').update(`${seed}\0${label}`).digest();
  return alphabet === 'upper'
    ? digest.toString('hex').toUpperCase().slice(0, length)
    : digest
        .toString('base64')
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, length);
};

export function createLocalIdentities(options: LocalIdentitiesOptions): LocalIdentities {
  const { account } = options;
  const user: LocalPrincipal = {
    ...options.user,
    callerArn: `arn:aws:iam::${account}:user/irwatch-local`,
    principalArn: `arn:aws:iam::${account}:user/irwatch-local`,
    policies: [ADMINISTRATOR],
  };
  const session = (
    role: LocalRole,
    sessionName: string,
    functionName?: string,
  ): LocalPrincipal => ({
    accessKeyId: `ASIA${derive(options.seed, `key:${role.logicalId}`, 16, 'upper')}`,
    secretAccessKey: derive(options.seed, `secret:${role.logicalId}`, 40, 'base64'),
    sessionToken: derive(options.seed, `token:${role.logicalId}`, 64, 'base64'),
    callerArn: `arn:aws:sts::${account}:assumed-role/${role.roleName}/${sessionName}`,
    principalArn: role.arn,
    ...(functionName ? { functionName } : {}),
    policies: role.policies,
  });
  // Lambda names a function's session after the function.
  const sessions = new Map<string, LocalPrincipal>(
    [...options.functionRoles].map(([name, role]) => [
      name,
      session(role, `irwatch-local-${name}`, name),
    ]),
  );
  const roleSessions = new Map<string, LocalPrincipal>(
    [...options.roles]
      .filter(([, role]) => ![...options.functionRoles.values()].includes(role))
      .map(([id, role]) => [id, session(role, 'irwatch-local')]),
  );
  const byKey = new Map(
    [user, ...sessions.values(), ...roleSessions.values()].map((p) => [p.accessKeyId, p]),
  );
  return {
    account,
    user,
    byAccessKey: (accessKeyId) => byKey.get(accessKeyId),
    forFunction(name) {
      const found = sessions.get(name);
      if (!found) throw new Error(`No role for function "${name}" in serverless.yml`);
      return found;
    },
    forRole(logicalId) {
      const found = roleSessions.get(logicalId);
      if (!found) throw new Error(`No role ${logicalId} (other than a function's) in the template`);
      return found;
    },
    environmentOf: (principal) => ({
      AWS_ACCESS_KEY_ID: principal.accessKeyId,
      AWS_SECRET_ACCESS_KEY: principal.secretAccessKey,
      ...(principal.sessionToken ? { AWS_SESSION_TOKEN: principal.sessionToken } : {}),
    }),
  };
}
