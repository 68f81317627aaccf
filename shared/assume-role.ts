import {
  AwsRequestError,
  queryRequest,
  STS,
  xmlElement,
  type AwsCredentials,
  type AwsRequestOptions,
  type CredentialsSource,
} from './aws-request.js';

export interface AssumeRoleParams {
  roleArn: string;
  /** Shows in the role's account's CloudTrail as who assumed it. */
  sessionName: string;
  externalId?: string;
  durationSeconds?: number;
}

export interface AssumeRoleOptions extends AwsRequestOptions {
  /** The STS endpoint's region (AWS_ENDPOINT_URL_STS overrides the endpoint, not the signature). */
  region: string;
}

/** Credentials are renewed this long before they expire, as the SDK does. */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/** STS AssumeRole (query protocol) read down to its Credentials; AWS's errors as AwsRequestError. */
export async function assumeRole(
  params: AssumeRoleParams,
  options: AssumeRoleOptions,
): Promise<AwsCredentials & { expiration: Date }> {
  const xml = await queryRequest(
    STS,
    options.region,
    'AssumeRole',
    {
      RoleArn: params.roleArn,
      RoleSessionName: params.sessionName,
      ExternalId: params.externalId,
      DurationSeconds: params.durationSeconds,
    },
    options,
  );
  const credentials = xmlElement(xml, 'Credentials') ?? '';
  const accessKeyId = xmlElement(credentials, 'AccessKeyId');
  const secretAccessKey = xmlElement(credentials, 'SecretAccessKey');
  const sessionToken = xmlElement(credentials, 'SessionToken');
  const expiration = new Date(xmlElement(credentials, 'Expiration') ?? NaN);
  if (!accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiration.getTime())) {
    throw new AwsRequestError(
      `STS.AssumeRole ${params.roleArn}: the answer holds no complete Credentials`,
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken, expiration };
}

/**
 * A role's credentials as a provider (what the SDK's `credentials` option takes, and what
 * aws-request signs with): assumed on first use, kept until five minutes before they expire,
 * one AssumeRole for callers that ask at the same time; a failure is not kept.
 */
export function assumedRoleCredentials(
  params: AssumeRoleParams,
  options: AssumeRoleOptions,
): CredentialsSource {
  const now = options.now ?? Date.now;
  let held: (AwsCredentials & { expiration: Date }) | undefined;
  let pending: Promise<AwsCredentials> | undefined;
  return () => {
    if (held && held.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS > now()) {
      return Promise.resolve(held);
    }
    pending ??= assumeRole(params, options)
      .then((credentials) => {
        held = credentials;
        return credentials;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
