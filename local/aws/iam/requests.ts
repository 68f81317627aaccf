import { isWildcardOnlyAction } from '@cloud-copilot/iam-simulate';
import {
  DYNAMODB_JSON,
  EVENTBRIDGE_JSON,
  SAGEMAKER_JSON,
  SQS_JSON,
  SSM_JSON,
  type JsonProtocol,
} from '../aws-json.js';
import { tableDefinition } from '../../../shared/db/table.js';

/** One authorization the call needs: an action on a resource, with the context it carries. */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

/** What a local endpoint speaks, for reading a call and for answering a refusal as AWS does. */
export interface ServiceProtocol {
  /** The SigV4 signing name (`Credential=.../<region>/<service>/aws4_request`). */
  signingName: string;
  /** The IAM service prefix (`dynamodb:GetItem`). */
  iamPrefix: string;
  /** The AWS JSON protocol it speaks (target prefix, error shape), or the query protocol. */
  json?: JsonProtocol;
  /** HTTP status of an access denial (403 for the query services, 400 for most JSON ones). */
  deniedStatus: number;
  /** Code of an access denial: `AccessDeniedException`, SNS's `AuthorizationError`, SQS's `AccessDenied`. */
  deniedCode: string;
  /** The authorizations one call needs; `where` gives the account and region of the call. */
  authorize(operation: string, input: CallInput, where: Place): Promise<AuthorizationRequest[]>;
  /** Calls the service takes unsigned: SNS's confirmation and unsubscribe links. */
  anonymous?(operation: string, method: string): boolean;
  /** A denial says who, what and on which resource, not why (STS's wording). */
  plainDenials?: boolean;
}

export interface Place {
  account: string;
  region: string;
}

/** A call's parameters: a JSON body, or a query protocol's form fields (`a.b.1` flattened). */
export type CallInput = Record<string, unknown>;

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/**
 * The one authorization a call needs: on `*` for an action without resource types, else on the
 * resource it names. A call that names none (its identifier missing) asks nothing: the service
 * rejects it as invalid input before any authorization, and so does the local endpoint.
 */
async function authorization(
  action: string,
  resource: string | undefined,
  context: Record<string, string | string[]> = {},
): Promise<AuthorizationRequest[]> {
  const [service, name] = action.split(':') as [string, string];
  if (await isWildcardOnlyAction(service, name)) return [{ action, resource: '*', context }];
  return resource === undefined ? [] : [{ action, resource, context }];
}

// ---------------------------------------------------------------- DynamoDB

const tableHashKey = tableDefinition.KeySchema.find((key) => key.KeyType === 'HASH')!.AttributeName;
const indexHashKeys = new Map(
  (tableDefinition.GlobalSecondaryIndexes ?? []).map((index) => [
    index.IndexName,
    index.KeySchema.find((key) => key.KeyType === 'HASH')!.AttributeName,
  ]),
);

/** The string or number a DynamoDB attribute value holds, as IAM compares it. */
const scalar = (value: unknown): string | undefined => {
  const attribute = record(value);
  return str(attribute.S) ?? str(attribute.N) ?? str(attribute.B);
};

/** The partition key values a Query's key condition names (the `#pk = :v` term). */
function queryLeadingKeys(input: CallInput, hashKey: string): string[] {
  const names = record(input.ExpressionAttributeNames);
  const values = record(input.ExpressionAttributeValues);
  const expression = str(input.KeyConditionExpression);
  if (expression) {
    for (const [, left, right] of expression.matchAll(/([#\w.]+)\s*=\s*(:[\w]+)/g)) {
      const name = left!.startsWith('#') ? str(names[left!]) : left;
      if (name === hashKey) {
        const value = scalar(values[right!]);
        return value === undefined ? [] : [value];
      }
    }
  }
  const legacy = record(record(input.KeyConditions)[hashKey]);
  const value = scalar(
    Array.isArray(legacy.AttributeValueList) ? legacy.AttributeValueList[0] : undefined,
  );
  return value === undefined ? [] : [value];
}

/**
 * The attributes a read asks for (`ProjectionExpression` with its names, or `AttributesToGet`):
 * `dynamodb:Attributes`, and `dynamodb:Select` SPECIFIC_ATTRIBUTES, as IAM sees such a read.
 */
function projection(request: CallInput): string[] | undefined {
  const names = record(request.ExpressionAttributeNames);
  const expression = str(request.ProjectionExpression);
  if (expression) {
    return expression
      .split(',')
      .map((path) => path.trim().split(/[.[]/)[0]!)
      .map((name) => (name.startsWith('#') ? (str(names[name]) ?? name) : name));
  }
  return Array.isArray(request.AttributesToGet) ? request.AttributesToGet.map(String) : undefined;
}

function dynamoContext(
  input: CallInput,
  leadingKeys: string[],
  read: CallInput = input,
): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  if (leadingKeys.length > 0) context['dynamodb:LeadingKeys'] = [...new Set(leadingKeys)];
  for (const key of ['Select', 'ReturnValues', 'ReturnConsumedCapacity'] as const) {
    const value = str(input[key]);
    if (value) context[`dynamodb:${key}`] = value;
  }
  const attributes = projection(read);
  if (attributes) {
    context['dynamodb:Attributes'] = [...new Set(attributes)];
    context['dynamodb:Select'] ??= 'SPECIFIC_ATTRIBUTES';
  }
  return context;
}

const tableArn = (where: Place, table: string) =>
  table.startsWith('arn:')
    ? table
    : `arn:aws:dynamodb:${where.region}:${where.account}:table/${table}`;

export const dynamodbProtocol: ServiceProtocol = {
  signingName: 'dynamodb',
  iamPrefix: 'dynamodb',
  json: DYNAMODB_JSON,
  deniedStatus: 400,
  deniedCode: 'AccessDeniedException',
  async authorize(operation, input, where) {
    const action = `dynamodb:${operation}`;
    const keyOf = (item: unknown) => scalar(record(item)[tableHashKey]);
    if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
      return Object.entries(record(input.RequestItems)).map(([table, requests]) => {
        const keys =
          operation === 'BatchGetItem'
            ? (Array.isArray(record(requests).Keys)
                ? (record(requests).Keys as unknown[])
                : []
              ).map(keyOf)
            : (Array.isArray(requests) ? requests : []).map((request) =>
                keyOf(
                  record(request).PutRequest
                    ? record(record(request).PutRequest).Item
                    : record(record(request).DeleteRequest).Key,
                ),
              );
        return {
          action,
          resource: tableArn(where, table),
          context: dynamoContext(
            input,
            keys.filter((key): key is string => key !== undefined),
            operation === 'BatchGetItem' ? record(requests) : input,
          ),
        };
      });
    }
    const table = str(input.TableName);
    if (!table) return authorization(action, undefined);
    const index = str(input.IndexName);
    const resource = index ? `${tableArn(where, table)}/index/${index}` : tableArn(where, table);
    let leading: string[] = [];
    if (operation === 'Query')
      leading = queryLeadingKeys(input, index ? (indexHashKeys.get(index) ?? '') : tableHashKey);
    else if (input.Key !== undefined)
      leading = [keyOf(input.Key)].filter((k): k is string => k !== undefined);
    else if (input.Item !== undefined)
      leading = [keyOf(input.Item)].filter((k): k is string => k !== undefined);
    return [{ action, resource, context: dynamoContext(input, leading) }];
  },
};

// ---------------------------------------------------------------- SageMaker

/** SageMaker keeps resource names lower-case in its ARNs. */
const sagemakerArn = (where: Place, type: string, name: string) =>
  `arn:aws:sagemaker:${where.region}:${where.account}:${type}/${name.toLowerCase()}`;
const jobArn = (where: Place, name: string) =>
  `arn:aws:sagemaker:${where.region}:${where.account}:inference-recommendations-job/${name.toLowerCase()}`;

function tagContext(tags: unknown): Record<string, string | string[]> {
  const list = Array.isArray(tags) ? tags.map(record) : [];
  if (list.length === 0) return {};
  const context: Record<string, string | string[]> = {
    'aws:TagKeys': list.map((tag) => String(tag.Key)),
  };
  for (const tag of list) context[`aws:RequestTag/${String(tag.Key)}`] = String(tag.Value);
  return context;
}

export const sagemakerProtocol: ServiceProtocol = {
  signingName: 'sagemaker',
  iamPrefix: 'sagemaker',
  json: SAGEMAKER_JSON,
  deniedStatus: 400,
  deniedCode: 'AccessDeniedException',
  async authorize(operation, input, where) {
    const action = `sagemaker:${operation}`;
    // GetScalingConfigurationRecommendation names its job InferenceRecommendationsJobName.
    const name = str(input.JobName) ?? str(input.InferenceRecommendationsJobName);
    const endpoint = str(input.EndpointName);
    const endpointConfig = str(input.EndpointConfigName);
    const resource =
      operation === 'DescribeEndpoint' && endpoint
        ? sagemakerArn(where, 'endpoint', endpoint)
        : operation === 'DescribeEndpointConfig' && endpointConfig
          ? sagemakerArn(where, 'endpoint-config', endpointConfig)
          : name
            ? jobArn(where, name)
            : undefined;
    const requests = await authorization(
      action,
      resource,
      operation.startsWith('Create') ? tagContext(input.Tags) : {},
    );
    // Creating a job hands SageMaker a role: IAM checks iam:PassRole on it as well.
    const role = str(input.RoleArn);
    if (operation === 'CreateInferenceRecommendationsJob' && role) {
      requests.push({
        action: 'iam:PassRole',
        resource: role,
        context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
      });
    }
    return requests;
  },
};

// ---------------------------------------------------------------- EventBridge

const busArn = (where: Place, bus: string | undefined) =>
  bus?.startsWith('arn:')
    ? bus
    : `arn:aws:events:${where.region}:${where.account}:event-bus/${bus ?? 'default'}`;

export const eventBridgeProtocol: ServiceProtocol = {
  signingName: 'events',
  iamPrefix: 'events',
  json: EVENTBRIDGE_JSON,
  deniedStatus: 400,
  deniedCode: 'AccessDeniedException',
  async authorize(operation, input, where) {
    const action = `events:${operation}`;
    if (operation === 'PutEvents') {
      const entries = Array.isArray(input.Entries) ? input.Entries.map(record) : [];
      const byBus = new Map<string, { sources: Set<string>; detailTypes: Set<string> }>();
      for (const entry of entries) {
        const arn = busArn(where, str(entry.EventBusName));
        const found = byBus.get(arn) ?? { sources: new Set(), detailTypes: new Set() };
        if (str(entry.Source)) found.sources.add(String(entry.Source));
        if (str(entry.DetailType)) found.detailTypes.add(String(entry.DetailType));
        byBus.set(arn, found);
      }
      return [...byBus].map(([resource, { sources, detailTypes }]) => ({
        action,
        resource,
        context: { 'events:source': [...sources], 'events:detail-type': [...detailTypes] },
      }));
    }
    const rule = str(input.Name);
    const bus = str(input.EventBusName);
    return authorization(
      action,
      rule && operation.endsWith('Rule')
        ? `arn:aws:events:${where.region}:${where.account}:rule/${bus && bus !== 'default' ? `${bus}/` : ''}${rule}`
        : operation.endsWith('EventBus')
          ? busArn(where, rule ?? bus)
          : undefined,
    );
  },
};

// ---------------------------------------------------------------- SNS

export const snsProtocol: ServiceProtocol = {
  signingName: 'sns',
  iamPrefix: 'sns',
  deniedStatus: 403,
  deniedCode: 'AuthorizationError',
  // The SubscribeURL and UnsubscribeURL SNS sends an endpoint are plain GETs, taken unsigned.
  anonymous: (operation, method) =>
    method === 'GET' && (operation === 'ConfirmSubscription' || operation === 'Unsubscribe'),
  async authorize(operation, input) {
    const action = `sns:${operation}`;
    const subscription = str(input.SubscriptionArn);
    const topic =
      str(input.TopicArn) ??
      str(input.TargetArn) ??
      (subscription ? subscription.split(':').slice(0, 6).join(':') : undefined);
    return authorization(action, topic);
  },
};

// ---------------------------------------------------------------- SQS

export const sqsProtocol: ServiceProtocol = {
  signingName: 'sqs',
  iamPrefix: 'sqs',
  json: SQS_JSON,
  deniedStatus: 403,
  deniedCode: 'AccessDenied',
  async authorize(operation, input, where) {
    const action = `sqs:${operation}`;
    const url = str(input.QueueUrl);
    const name = url ? url.split('/').filter(Boolean).pop() : str(input.QueueName);
    return authorization(
      action,
      name ? `arn:aws:sqs:${where.region}:${where.account}:${name}` : undefined,
    );
  },
};

// ---------------------------------------------------------------- SSM

export const ssmProtocol: ServiceProtocol = {
  signingName: 'ssm',
  iamPrefix: 'ssm',
  json: SSM_JSON,
  deniedStatus: 400,
  deniedCode: 'AccessDeniedException',
  async authorize(operation, input, where) {
    const action = `ssm:${operation}`;
    const name = str(input.Name);
    return authorization(
      action,
      name
        ? `arn:aws:ssm:${where.region}:${where.account}:parameter${name.startsWith('/') ? '' : '/'}${name}`
        : undefined,
    );
  },
};

// ---------------------------------------------------------------- STS

export const stsProtocol: ServiceProtocol = {
  signingName: 'sts',
  iamPrefix: 'sts',
  deniedStatus: 403,
  deniedCode: 'AccessDenied',
  plainDenials: true,
  async authorize(operation, input) {
    // Anyone signed may ask who they are: GetCallerIdentity needs no permission.
    if (operation === 'GetCallerIdentity') return [];
    const externalId = str(input.ExternalId);
    const sessionName = str(input.RoleSessionName);
    return authorization(`sts:${operation}`, str(input.RoleArn), {
      ...(externalId !== undefined ? { 'sts:ExternalId': externalId } : {}),
      ...(sessionName !== undefined ? { 'sts:RoleSessionName': sessionName } : {}),
    });
  },
};
