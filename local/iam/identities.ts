import { createHash } from 'node:crypto';
import type { LocalRole, NamedPolicy } from './role-policies.js';

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
  /** Each function's role, from the template (role-policies.ts). */
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
  const sessions = new Map<string, LocalPrincipal>();
  for (const [name, role] of options.functionRoles) {
    sessions.set(name, {
      accessKeyId: `ASIA${derive(options.seed, `key:${name}`, 16, 'upper')}`,
      secretAccessKey: derive(options.seed, `secret:${name}`, 40, 'base64'),
      sessionToken: derive(options.seed, `token:${name}`, 64, 'base64'),
      // Lambda names the session after the function.
      callerArn: `arn:aws:sts::${account}:assumed-role/${role.roleName}/irwatch-local-${name}`,
      principalArn: role.arn,
      functionName: name,
      policies: role.policies,
    });
  }
  const byKey = new Map([user, ...sessions.values()].map((p) => [p.accessKeyId, p]));
  return {
    account,
    user,
    byAccessKey: (accessKeyId) => byKey.get(accessKeyId),
    forFunction(name) {
      const session = sessions.get(name);
      if (!session) throw new Error(`No role for function "${name}" in serverless.yml`);
      return session;
    },
    environmentOf: (principal) => ({
      AWS_ACCESS_KEY_ID: principal.accessKeyId,
      AWS_SECRET_ACCESS_KEY: principal.secretAccessKey,
      ...(principal.sessionToken ? { AWS_SESSION_TOKEN: principal.sessionToken } : {}),
    }),
  };
}
