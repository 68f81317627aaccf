import { randomUUID } from 'node:crypto';
import type { BusEvent } from '../eventbridge/eventbridge-endpoint.js';
import { isoSeconds } from '../eventbridge/eventbridge-endpoint.js';
import type { SimulatorApiCall } from '../sagemaker/sagemaker-simulator.js';

/** CloudTrail writes request and response members in camelCase. */
function camelCased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCased);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => [
        `${key[0]?.toLowerCase() ?? ''}${key.slice(1)}`,
        camelCased(v),
      ]),
    );
  }
  return value;
}

/** CloudTrail's userIdentity of the caller: a user, or a role session with its issuer. */
function userIdentity(call: SimulatorApiCall): Record<string, unknown> {
  const { account } = call;
  const keyId = call.accessKeyId ?? 'local';
  const session = call.callerArn
    ? /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(call.callerArn)
    : null;
  if (session) {
    return {
      type: 'AssumedRole',
      principalId: `${keyId}:${session[3]}`,
      arn: call.callerArn,
      accountId: account,
      accessKeyId: keyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: keyId,
          arn: `arn:aws:iam::${session[1]}:role/${session[2]}`,
          accountId: account,
          userName: session[2],
        },
      },
    };
  }
  const arn = call.callerArn ?? `arn:aws:iam::${account}:user/local`;
  return {
    type: 'IAMUser',
    principalId: keyId,
    arn,
    accountId: account,
    accessKeyId: keyId,
    userName: arn.slice(arn.lastIndexOf('/') + 1),
  };
}

/**
 * The `AWS API Call via CloudTrail` event a trail puts on the default bus of the call's account
 * and region for a SageMaker call, in the shape of a real one (see events/eventbridge/cloudtrail-*.json).
 */
export function cloudTrailEvent(call: SimulatorApiCall): BusEvent {
  const time = isoSeconds(call.at);
  const output = camelCased(call.output) as Record<string, unknown>;
  const { account } = call;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.sagemaker',
    account,
    time,
    region: call.region,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: userIdentity(call),
      eventTime: time,
      eventSource: 'sagemaker.amazonaws.com',
      eventName: call.operation,
      awsRegion: call.region,
      sourceIPAddress: call.sourceIp ?? '127.0.0.1',
      userAgent: call.userAgent ?? 'unknown',
      requestParameters: camelCased(call.input),
      // A call that returns nothing is recorded with null responseElements.
      responseElements: Object.keys(output).length > 0 ? output : null,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
    },
  };
}
