import { randomUUID } from 'node:crypto';
import type { BusEvent } from './eventbridge-endpoint.js';
import { isoSeconds } from './eventbridge-endpoint.js';
import type { SimulatorApiCall } from './sagemaker-simulator.js';

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

/**
 * The `AWS API Call via CloudTrail` event a trail puts on the default bus for a SageMaker call,
 * in the shape of a real one (see events/eventbridge/cloudtrail-*.json).
 */
export function cloudTrailEvent(call: SimulatorApiCall, account: string): BusEvent {
  const time = isoSeconds(call.at);
  const output = camelCased(call.output) as Record<string, unknown>;
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
      userIdentity: {
        type: 'IAMUser',
        principalId: call.accessKeyId ?? 'local',
        arn: `arn:aws:iam::${account}:user/local`,
        accountId: account,
        accessKeyId: call.accessKeyId ?? 'local',
        userName: 'local',
      },
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
