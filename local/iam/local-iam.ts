import type { ServiceDefinition } from '../serverless-config.js';
import { createGate, type CallRecord, type Gate } from './gate.js';
import { createLocalIdentities, type LocalIdentities } from './identities.js';
import type { ServiceProtocol } from './requests.js';
import { loadStackPolicies, type StackPolicies } from './role-policies.js';

export interface LocalIamOptions {
  service: ServiceDefinition;
  account: string;
  region: string;
  stage: string;
  /** The keys the local user signs with. */
  user: { accessKeyId: string; secretAccessKey: string };
  /** Secret material for the functions' role sessions. */
  seed: string;
  /** False (`--no-iam`): callers and signatures are checked, every signed call is allowed. */
  enforceIam: boolean;
  record?: (call: CallRecord) => void;
}

export interface LocalIam {
  identities: LocalIdentities;
  policies: StackPolicies;
  enforceIam: boolean;
  /** The gate of one local endpoint. */
  gateFor(protocol: ServiceProtocol): Gate;
}

/**
 * The local account's IAM: every function's role and every resource policy taken from the same
 * serverless.yml and resources.yml the deployment uses, the keys of each role session and of
 * the local user, and a gate per endpoint that enforces them.
 */
export function createLocalIam(options: LocalIamOptions): LocalIam {
  const policies = loadStackPolicies(options.service, {
    account: options.account,
    region: options.region,
    stage: options.stage,
  });
  const identities = createLocalIdentities({
    account: options.account,
    functionRoles: policies.functionRoles,
    user: options.user,
    seed: options.seed,
  });
  return {
    identities,
    policies,
    enforceIam: options.enforceIam,
    gateFor: (protocol) =>
      createGate({
        protocol,
        identities,
        resourcePolicies: policies.resourcePolicies,
        enforceIam: options.enforceIam,
        ...(options.record ? { record: options.record } : {}),
      }),
  };
}
