import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { NamedPolicy, PolicyDocument } from '../../local/aws/iam/template-policies.js';

/** Who sends a call: a role with its identity policies, or a service principal (no policies). */
export interface Caller {
  arn: string;
  policies: NamedPolicy[];
}

export interface PolicyCall {
  action: string;
  resource: string;
  /** Condition keys the request carries besides the principal's own. */
  context?: Record<string, string | string[]>;
}

const ACCOUNT_OF_ARN = /^arn:[^:]*:[^:]*:[^:]*:(\d{12}):/;

/** The account an ARN names, or undefined ("*", an S3 bucket, a service principal). */
export const accountOf = (arn: string): string | undefined => ACCOUNT_OF_ARN.exec(arn)?.[1];

/**
 * AWS's decision on one call (`@cloud-copilot/iam-simulate`, on AWS's authorization data):
 * `Allowed`, `ImplicitlyDenied` or `ExplicitlyDenied`. The caller's account and the resource's
 * come from their ARNs; a resource whose ARN names none ("*") is the caller's own, or in
 * `defaultAccount` for a service principal. A call into another account is allowed only when
 * the resource policy allows it too, as in AWS. A role
 * carries `aws:PrincipalArn` and `aws:PrincipalAccount`, as every request of a role does.
 */
export async function simulateCall(
  caller: Caller,
  call: PolicyCall,
  resourcePolicy: PolicyDocument | undefined,
  defaultAccount: string,
): Promise<string> {
  const callerAccount = accountOf(caller.arn);
  const result = await runSimulation(
    {
      request: {
        principal: caller.arn,
        action: call.action,
        resource: {
          resource: call.resource,
          accountId: accountOf(call.resource) ?? callerAccount ?? defaultAccount,
        },
        contextVariables: {
          ...(callerAccount
            ? { 'aws:PrincipalArn': caller.arn, 'aws:PrincipalAccount': callerAccount }
            : {}),
          ...call.context,
        },
      },
      identityPolicies: caller.policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy,
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`cannot simulate ${call.action}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult;
}
