import { createGate, type CallRecord, type Gate } from './gate.js';
import {
  createLocalIdentities,
  type LocalIdentities,
  type LocalRole,
  type LocalUser,
} from './identities.js';
import type { ServiceProtocol } from './requests.js';
import { localUserCredentials } from './user-credentials.js';
import {
  functionRoles,
  loadResourcePolicies,
  loadRolePolicies,
  loadTemplate,
  type CloudFormationTemplate,
  type PolicyDocument,
  type RolePolicies,
  type TemplateEnvironment,
} from './template-policies.js';

export interface LocalIamOptions {
  /** The template the deployment uses: `loadTemplate(serverless.yml)` or the packaged one. */
  template: CloudFormationTemplate;
  environment: TemplateEnvironment;
  /** The keys the local user signs with. */
  user: { accessKeyId: string; secretAccessKey: string };
  /** Secret material for the role sessions' keys. */
  seed: string;
  /** The other accounts of the local world: each one's user, and its roles (a spoke's). */
  otherAccounts?: Array<{ user?: LocalUser; roles: LocalRole[] }>;
  /** False (`--no-iam`): callers and signatures are checked, every signed call is allowed. */
  enforceIam: boolean;
  record?: (call: CallRecord) => void;
  /** The gates' clock (signature times, session expiry), epoch ms; the wall clock by default. */
  now?: () => number;
}

export interface LocalIam {
  identities: LocalIdentities;
  /** Each function's role, by function name. */
  functionRoles: Map<string, LocalRole>;
  resourcePolicies: Map<string, PolicyDocument>;
  enforceIam: boolean;
  /**
   * The gate of one local endpoint; `accounts` are those whose resources it holds (every
   * account's by default).
   */
  gateFor(protocol: ServiceProtocol, where?: { accounts?: readonly string[] }): Gate;
}

/** The roles a template's resolution made, as the local world's IAM holds them. */
export function localRoles(
  policiesOf: Record<string, RolePolicies>,
  account: string,
): Map<string, LocalRole> {
  return new Map(
    Object.entries(policiesOf).map(([logicalId, role]) => [
      logicalId,
      {
        logicalId,
        roleName: role.roleArn.slice(role.roleArn.indexOf(':role/') + ':role/'.length),
        arn: role.roleArn,
        account,
        policies: role.policies,
        ...(role.trustPolicy ? { trustPolicy: role.trustPolicy } : {}),
        maxSessionSeconds: role.maxSessionSeconds,
      },
    ]),
  );
}

/**
 * The local account's IAM: every role and every resource policy of the template the deployment
 * uses, the keys of each role's session and of the local user, and a gate per endpoint that
 * enforces them.
 */
export function createLocalIam(options: LocalIamOptions): LocalIam {
  const { template, environment } = options;
  const roles = localRoles(loadRolePolicies(template, environment), environment.account);
  const byFunction = new Map<string, LocalRole>();
  for (const [name, fn] of Object.entries(functionRoles(template, environment))) {
    const role = fn.roleLogicalId && roles.get(fn.roleLogicalId);
    if (!role) {
      throw new Error(
        `Function ${name} has no role of its own in the template: the local stack cannot tell what it may do`,
      );
    }
    byFunction.set(name, role);
  }
  const resourcePolicies = new Map(
    Object.entries(loadResourcePolicies(template, environment)).map(([arn, { policy }]) => [
      arn,
      policy,
    ]),
  );
  const identities = createLocalIdentities({
    account: environment.account,
    roles,
    functionRoles: byFunction,
    user: options.user,
    otherUsers: (options.otherAccounts ?? []).flatMap(({ user }) => (user ? [user] : [])),
    otherRoles: (options.otherAccounts ?? []).flatMap(({ roles: theirs }) => theirs),
    seed: options.seed,
  });
  return {
    identities,
    functionRoles: byFunction,
    resourcePolicies,
    enforceIam: options.enforceIam,
    gateFor: (protocol, where = {}) =>
      createGate({
        protocol,
        identities,
        resourcePolicies,
        ...(where.accounts ? { accounts: where.accounts } : {}),
        enforceIam: options.enforceIam,
        ...(options.record ? { record: options.record } : {}),
        ...(options.now ? { now: options.now } : {}),
      }),
  };
}

/**
 * The keys of a role session in the local stack whose data folder this is: one of the
 * template's operator roles (`{ role: 'RedriveRole' }`), as `aws sts assume-role` would hand them
 * to the operator, or a function's (`{ function: 'detect' }`), as `osls invoke` runs it deployed.
 */
export async function localRoleSession(
  stack: { config: string; dataDir: string; environment: TemplateEnvironment },
  who: { role: string } | { function: string },
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
  const { keys, seed } = await localUserCredentials(stack.dataDir, stack.environment.region);
  const iam = createLocalIam({
    template: loadTemplate(stack.config, stack.environment),
    environment: stack.environment,
    user: keys,
    seed,
    enforceIam: true,
  });
  const session =
    'role' in who ? iam.identities.forRole(who.role) : iam.identities.forFunction(who.function);
  return {
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    ...(session.sessionToken ? { sessionToken: session.sessionToken } : {}),
  };
}
