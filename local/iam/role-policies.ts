import type { CfnResource, ServiceDefinition } from '../serverless-config.js';

/** An IAM policy document as IAM reads it (after CloudFormation resolved its intrinsics). */
export interface PolicyDocument {
  Version?: string;
  Statement: Array<Record<string, unknown>> | Record<string, unknown>;
}

export interface NamedPolicy {
  name: string;
  policy: PolicyDocument;
}

export interface LocalRole {
  logicalId: string;
  roleName: string;
  arn: string;
  policies: NamedPolicy[];
}

export interface StackPolicies {
  /** Each function's role, by function name. */
  functionRoles: Map<string, LocalRole>;
  /** Resource-based policies (queue, bus, topic, key policies) by the ARN of their resource. */
  resourcePolicies: Map<string, PolicyDocument>;
  /** ARN of each resource by logical id, as deployed names would give them locally. */
  arns: Map<string, string>;
}

export interface StackPlace {
  account: string;
  region: string;
  stage: string;
  partition?: string;
}

export class PolicyResolutionError extends Error {
  override name = 'PolicyResolutionError';
}

type Attributes = { ref: string; [attribute: string]: string };

const propertyString = (resource: CfnResource, key: string) => {
  const value = resource.Properties?.[key];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The values `Ref` and `Fn::GetAtt` give for each resource, computed from the names the template
 * sets (or CloudFormation-style names where it sets none), in the local account and region.
 */
function resourceAttributes(
  logicalId: string,
  resource: CfnResource,
  place: Required<StackPlace>,
): Attributes {
  const { partition: p, region: r, account: a, stage } = place;
  switch (resource.Type) {
    case 'AWS::DynamoDB::Table': {
      const name = propertyString(resource, 'TableName') ?? `irwatch-${stage}-${logicalId}`;
      return { ref: name, Arn: `arn:${p}:dynamodb:${r}:${a}:table/${name}` };
    }
    case 'AWS::Events::EventBus': {
      const name = propertyString(resource, 'Name') ?? logicalId;
      return { ref: name, Name: name, Arn: `arn:${p}:events:${r}:${a}:event-bus/${name}` };
    }
    case 'AWS::SNS::Topic': {
      const name = propertyString(resource, 'TopicName') ?? `irwatch-${stage}-${logicalId}`;
      const arn = `arn:${p}:sns:${r}:${a}:${name}`;
      return { ref: arn, TopicArn: arn, TopicName: name };
    }
    case 'AWS::SQS::Queue': {
      const name = propertyString(resource, 'QueueName') ?? `irwatch-${stage}-${logicalId}`;
      const url = `https://sqs.${r}.amazonaws.com/${a}/${name}`;
      return { ref: url, QueueUrl: url, QueueName: name, Arn: `arn:${p}:sqs:${r}:${a}:${name}` };
    }
    case 'AWS::IAM::Role': {
      const name = propertyString(resource, 'RoleName') ?? `irwatch-${stage}-${logicalId}`;
      return { ref: name, Arn: `arn:${p}:iam::${a}:role/${name}` };
    }
    case 'AWS::KMS::Key': {
      const id = `00000000-0000-4000-8000-${Buffer.from(logicalId).toString('hex').padEnd(12, '0').slice(0, 12)}`;
      return { ref: id, KeyId: id, Arn: `arn:${p}:kms:${r}:${a}:key/${id}` };
    }
    case 'AWS::Logs::LogGroup': {
      const name = propertyString(resource, 'LogGroupName') ?? logicalId;
      return { ref: name, Arn: `arn:${p}:logs:${r}:${a}:log-group:${name}:*` };
    }
    default:
      return { ref: logicalId, Arn: `arn:${p}:cloudformation:${r}:${a}:resource/${logicalId}` };
  }
}

/**
 * Resources osls adds itself (log groups, the HTTP API): a Lambda function `x` gets the log group
 * `XLogGroup`, so a policy that names it still resolves.
 */
function generatedAttributes(
  logicalId: string,
  place: Required<StackPlace>,
): Attributes | undefined {
  const logGroup = /^(\w+)LogGroup$/.exec(logicalId);
  if (logGroup) {
    const name = `/aws/lambda/irwatch-${place.stage}-${logGroup[1]!.charAt(0).toLowerCase()}${logGroup[1]!.slice(1)}`;
    return {
      ref: name,
      Arn: `arn:${place.partition}:logs:${place.region}:${place.account}:log-group:${name}:*`,
    };
  }
  if (logicalId === 'HttpApi' || logicalId.endsWith('LambdaFunction')) {
    return {
      ref: logicalId,
      Arn: `arn:${place.partition}:lambda:${place.region}:${place.account}:function:${logicalId}`,
    };
  }
  return undefined;
}

/**
 * Resolves the intrinsics of a template fragment (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`) to
 * the strings CloudFormation would put there for the local stack.
 */
export function createIntrinsicResolver(
  resources: Record<string, CfnResource>,
  place: StackPlace,
): (value: unknown) => unknown {
  const full = { partition: 'aws', ...place };
  const attributes = new Map<string, Attributes>(
    Object.entries(resources).map(([id, resource]) => [id, resourceAttributes(id, resource, full)]),
  );
  const pseudo: Record<string, string> = {
    'AWS::Partition': full.partition,
    'AWS::Region': full.region,
    'AWS::AccountId': full.account,
    'AWS::StackName': `irwatch-${full.stage}`,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const lookup = (id: string, attribute?: string): string => {
    if (!attribute && id in pseudo) return pseudo[id]!;
    const found = attributes.get(id) ?? generatedAttributes(id, full);
    const value = found && (attribute ? found[attribute] : found.ref);
    if (value === undefined) {
      throw new PolicyResolutionError(
        `Cannot resolve ${attribute ? `${id}.${attribute}` : `Ref ${id}`} for the local stack`,
      );
    }
    return value;
  };

  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Ref') return lookup(String(arg));
    if (entries.length === 1 && key === 'Fn::GetAtt') {
      const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split('.');
      return lookup(String(id), String(attribute));
    }
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return (resolve(parts) as unknown[]).map(String).join(separator);
    }
    if (entries.length === 1 && key === 'Fn::Sub') {
      const [template, variables] = Array.isArray(arg) ? arg : [arg, {}];
      const own = resolve(variables) as Record<string, string>;
      return String(template).replace(/\$\{([^}!]+)\}/g, (_all, name: string) => {
        if (name in own) return own[name]!;
        const dot = name.indexOf('.');
        return dot < 0 ? lookup(name) : lookup(name.slice(0, dot), name.slice(dot + 1));
      });
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * The IAM side of the template the deployment uses: each function's role with its inline
 * policies, and every resource-based policy, resolved for the local account and region.
 */
export function loadStackPolicies(service: ServiceDefinition, place: StackPlace): StackPolicies {
  const resolve = createIntrinsicResolver(service.resources, place);
  const arns = new Map<string, string>();
  for (const id of Object.keys(service.resources)) {
    try {
      arns.set(id, String(resolve({ 'Fn::GetAtt': [id, 'Arn'] })));
    } catch {
      arns.set(id, String(resolve({ Ref: id })));
    }
  }

  const roles = new Map<string, LocalRole>();
  const roleOf = (logicalId: string): LocalRole => {
    let role = roles.get(logicalId);
    if (role) return role;
    const resource = service.resources[logicalId];
    if (resource?.Type !== 'AWS::IAM::Role') {
      throw new PolicyResolutionError(`Role ${logicalId} is not an AWS::IAM::Role in the template`);
    }
    if (resource.Properties?.ManagedPolicyArns !== undefined) {
      throw new PolicyResolutionError(
        `Role ${logicalId} has ManagedPolicyArns: the local stack only evaluates inline policies`,
      );
    }
    role = {
      logicalId,
      roleName: String(resolve({ Ref: logicalId })),
      arn: String(resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] })),
      policies: asList(resource.Properties?.Policies)
        .filter(isRecord)
        .map((policy) => ({
          name: String(policy.PolicyName),
          policy: resolve(policy.PolicyDocument) as PolicyDocument,
        })),
    };
    roles.set(logicalId, role);
    return role;
  };

  const functionRoles = new Map<string, LocalRole>();
  for (const fn of service.functions) {
    if (!fn.role) {
      throw new PolicyResolutionError(
        `Function ${fn.name} has no role of its own in serverless.yml: the local stack cannot tell what it may do`,
      );
    }
    functionRoles.set(fn.name, roleOf(fn.role));
  }

  const resourcePolicies = new Map<string, PolicyDocument>();
  const addPolicy = (arn: string, document: unknown) => {
    const policy = resolve(document) as PolicyDocument;
    const existing = resourcePolicies.get(arn);
    resourcePolicies.set(
      arn,
      existing
        ? {
            ...existing,
            Statement: [...asList(existing.Statement), ...asList(policy.Statement)] as Array<
              Record<string, unknown>
            >,
          }
        : policy,
    );
  };
  for (const [id, resource] of Object.entries(service.resources)) {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::SQS::QueuePolicy':
        for (const queue of asList(props.Queues)) {
          const url = String(resolve(queue));
          const queueId = [...arns.keys()].find((key) => resolve({ Ref: key }) === url);
          if (queueId) addPolicy(arns.get(queueId)!, props.PolicyDocument);
        }
        break;
      case 'AWS::SNS::TopicPolicy':
        for (const topic of asList(props.Topics))
          addPolicy(String(resolve(topic)), props.PolicyDocument);
        break;
      case 'AWS::Events::EventBus':
        if (props.Policy !== undefined) addPolicy(arns.get(id)!, props.Policy);
        break;
      case 'AWS::Events::EventBusPolicy': {
        const busName =
          props.EventBusName === undefined ? 'default' : String(resolve(props.EventBusName));
        const busArn = `arn:${place.partition ?? 'aws'}:events:${place.region}:${place.account}:event-bus/${busName}`;
        addPolicy(busArn, { Version: '2012-10-17', Statement: asList(props.Statement) });
        break;
      }
      case 'AWS::KMS::Key':
        if (props.KeyPolicy !== undefined) addPolicy(arns.get(id)!, props.KeyPolicy);
        break;
      default:
        break;
    }
  }
  return { functionRoles, resourcePolicies, arns };
}
