import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK client factories. Endpoints are never configured here: the SDK reads its own
 * AWS_ENDPOINT_URL_SAGEMAKER, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_EVENTBRIDGE and
 * AWS_ENDPOINT_URL_SNS, which is how the local stack and the tests point it at local servers
 * (shared/secrets.ts reads AWS_ENDPOINT_URL_SECRETS_MANAGER the same way).
 * Each function's deps.ts calls these once, at module scope.
 */
export interface ClientOptions {
  /**
   * Total attempts per call (throttling, 5xx, timeouts) in the SDK's standard retry mode.
   * Unset, the SDK reads its own AWS_MAX_ATTEMPTS (serverless.yml sets it) or uses 3.
   */
  maxAttempts?: number;
}

const common = (options: ClientOptions) =>
  options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts };

export const createSageMakerClient = (options: ClientOptions = {}) =>
  new SageMakerClient(common(options));

export const createDynamoDbClient = (options: ClientOptions = {}) =>
  new DynamoDBClient(common(options));

/** Numbers come back as JS numbers; undefined attributes are dropped rather than rejected. */
export const createDocumentClient = (options: ClientOptions = {}) =>
  DynamoDBDocumentClient.from(createDynamoDbClient(options), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

export const createEventBridgeClient = (options: ClientOptions = {}) =>
  new EventBridgeClient(common(options));

export const createSnsClient = (options: ClientOptions = {}) => new SNSClient(common(options));
