import {
  AwsRequestError,
  jsonRequest,
  SECRETS_MANAGER,
  type AwsRequestOptions,
} from './aws-request.js';
import { ConfigError } from './config.js';

/**
 * Secrets Manager's GetSecretValue as one signed JSON 1.1 request (shared/aws-request.ts) rather
 * than an SDK client (~75 KB) or a Lambda layer. It signs with the credentials Lambda hands the
 * function in its environment and honours AWS_ENDPOINT_URL_SECRETS_MANAGER (the SDK's own
 * variable, so the local stack and the tests point it at a local endpoint). Failures are
 * AwsRequestErrors carrying Secrets Manager's code; 5xx and throttles are retried.
 */

/** The current value (AWSCURRENT) of a secret string. */
export async function getSecretString(
  secretId: string,
  options: AwsRequestOptions = {},
): Promise<string> {
  const region = (options.env ?? process.env).AWS_REGION;
  if (!region) throw new ConfigError('Missing environment variable(s): AWS_REGION');
  const output = await jsonRequest<{ SecretString?: unknown }>(
    SECRETS_MANAGER,
    region,
    'GetSecretValue',
    { SecretId: secretId },
    options,
  );
  if (typeof output.SecretString !== 'string') {
    throw new AwsRequestError(`Secret ${secretId} holds no SecretString`);
  }
  return output.SecretString;
}
