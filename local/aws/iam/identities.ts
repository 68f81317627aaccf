import { createHash, randomBytes } from 'node:crypto';
import type { NamedPolicy, PolicyDocument } from './template-policies.js';

/** A role of the local world (the hub's template or a spoke account's), as its sessions act. */
export interface LocalRole {
  logicalId: string;
  roleName: string;
  arn: string;
  /** The account the role belongs to (its ARN's). */
  account: string;
  policies: NamedPolicy[];
  /** Who may assume it: what STS evaluates AssumeRole against, with the caller's own policies. */
  trustPolicy?: PolicyDocument;
  /** The longest session STS hands out for it (the role's MaxSessionDuration, 3600 by default). */
  maxSessionSeconds: number;
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
  /** The account the caller belongs to: where its calls act. */
  account: string;
  /** GetCallerIdentity's UserId: `AIDA…` for a user, `AROA…:<session>` for a role session. */
  userId: string;
  /** Set for a function's role session. */
  functionName?: string;
  /** Set for a role session, which may chain to another role for an hour at most. */
  role?: LocalRole;
  policies: NamedPolicy[];
  /** Epoch milliseconds from which its keys are refused as expired (sessions STS issued). */
  expiresAt?: number;
}

/** A person's IAM user in one account of the local world, with the keys of its AWS profile. */
export interface LocalUser {
  account: string;
  userName: string;
  keys: { accessKeyId: string; secretAccessKey: string };
}

export interface LocalIdentities {
  /** The hub's account: where irwatch runs. */
  account: string;
  byAccessKey(accessKeyId: string): LocalPrincipal | undefined;
  /** The role session a function's code signs with, as Lambda hands it in its environment. */
  forFunction(name: string): LocalPrincipal;
  /** A session of a role of the template by its logical id (an operator's, like RedriveRole). */
  forRole(logicalId: string): LocalPrincipal;
  /** The person at the keyboard: the hub account's administrator. */
  user: LocalPrincipal;
  /** The administrator of each account, the hub's first. */
  users: LocalPrincipal[];
  /** Every role of every account, by ARN: what STS may hand out sessions of. */
  roleByArn(arn: string): LocalRole | undefined;
  /** A new session of `role` named `sessionName`, refused as expired from `expiresAt` on. */
  issueSession(role: LocalRole, sessionName: string, expiresAt: number): LocalPrincipal;
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
  /** Every role of the hub's template, by logical id. */
  roles: Map<string, LocalRole>;
  /** Each function's role, by function name. */
  functionRoles: Map<string, LocalRole>;
  /** The keys the hub account's user signs with. */
  user: { accessKeyId: string; secretAccessKey: string };
  /** The users of the other accounts. */
  otherUsers?: LocalUser[];
  /** The roles of the other accounts (a spoke's reader role), which only STS hands out. */
  otherRoles?: LocalRole[];
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

/** IAM's unique id of a role (`AROA…`) or user (`AIDA…`): stable per ARN. */
const uniqueId = (prefix: 'AROA' | 'AIDA', arn: string) =>
  `${prefix}${derive('iam-unique-id', arn, 17, 'upper')}`;

export function createLocalIdentities(options: LocalIdentitiesOptions): LocalIdentities {
  const { account } = options;
  const userPrincipal = (user: LocalUser): LocalPrincipal => {
    const arn = `arn:aws:iam::${user.account}:user/${user.userName}`;
    return {
      ...user.keys,
      callerArn: arn,
      principalArn: arn,
      account: user.account,
      userId: uniqueId('AIDA', arn),
      policies: [ADMINISTRATOR],
    };
  };
  const user = userPrincipal({ account, userName: 'irwatch-local', keys: options.user });
  const users = [user, ...(options.otherUsers ?? []).map(userPrincipal)];
  const sessionOf = (
    role: LocalRole,
    sessionName: string,
    keys: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
  ): LocalPrincipal => ({
    ...keys,
    callerArn: `arn:aws:sts::${role.account}:assumed-role/${role.roleName}/${sessionName}`,
    principalArn: role.arn,
    account: role.account,
    userId: `${uniqueId('AROA', role.arn)}:${sessionName}`,
    role,
    policies: role.policies,
  });
  // The functions' and the operators' sessions keep their keys across restarts (from the seed).
  const templateSession = (role: LocalRole, sessionName: string, functionName?: string) => ({
    ...sessionOf(role, sessionName, {
      accessKeyId: `ASIA${derive(options.seed, `key:${role.logicalId}`, 16, 'upper')}`,
      secretAccessKey: derive(options.seed, `secret:${role.logicalId}`, 40, 'base64'),
      sessionToken: derive(options.seed, `token:${role.logicalId}`, 64, 'base64'),
    }),
    ...(functionName ? { functionName } : {}),
  });
  // Lambda names a function's session after the function.
  const sessions = new Map<string, LocalPrincipal>(
    [...options.functionRoles].map(([name, role]) => [
      name,
      templateSession(role, `irwatch-local-${name}`, name),
    ]),
  );
  const roleSessions = new Map<string, LocalPrincipal>(
    [...options.roles]
      .filter(([, role]) => ![...options.functionRoles.values()].includes(role))
      .map(([id, role]) => [id, templateSession(role, 'irwatch-local')]),
  );
  const byKey = new Map(
    [...users, ...sessions.values(), ...roleSessions.values()].map((p) => [p.accessKeyId, p]),
  );
  const rolesByArn = new Map(
    [...options.roles.values(), ...(options.otherRoles ?? [])].map((role) => [role.arn, role]),
  );
  return {
    account,
    user,
    users,
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
    roleByArn: (arn) => rolesByArn.get(arn),
    issueSession(role, sessionName, expiresAt) {
      const session: LocalPrincipal = {
        ...sessionOf(role, sessionName, {
          accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
          secretAccessKey: randomBytes(30).toString('base64'),
          sessionToken: randomBytes(96).toString('base64'),
        }),
        expiresAt,
      };
      byKey.set(session.accessKeyId, session);
      return session;
    },
    environmentOf: (principal) => ({
      AWS_ACCESS_KEY_ID: principal.accessKeyId,
      AWS_SECRET_ACCESS_KEY: principal.secretAccessKey,
      ...(principal.sessionToken ? { AWS_SESSION_TOKEN: principal.sessionToken } : {}),
    }),
  };
}
