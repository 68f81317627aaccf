import { spokeRoleArn, isHomeAccount, type WatchConfig } from './accounts.js';
import { assumedRoleCredentials } from './assume-role.js';
import type { AwsRequestOptions, CredentialsSource } from './aws-request.js';

/** Who assumes a spoke's reader role: shows in the spoke's CloudTrail as the session name. */
export type ReaderSession = 'irwatch-detect' | 'irwatch-ingest' | 'irwatch-api';

/**
 * The credentials to read each watched account with: none of its own for the home account (the
 * function's role signs), the spoke's reader role for another, assumed with the external ID
 * through the home region's STS (so `AWS_ENDPOINT_URL_STS` points it at a local STS), one
 * provider per account for the life of the container.
 */
export function readerCredentials(
  config: WatchConfig,
  session: ReaderSession,
  options: Omit<AwsRequestOptions, 'credentials'> = {},
): (accountId: string) => CredentialsSource | undefined {
  const providers = new Map<string, CredentialsSource>();
  return (accountId) => {
    if (isHomeAccount(config, accountId)) return undefined;
    let provider = providers.get(accountId);
    if (!provider) {
      provider = assumedRoleCredentials(
        {
          roleArn: spokeRoleArn(config, accountId),
          sessionName: session,
          ...(config.externalId === undefined ? {} : { externalId: config.externalId }),
          durationSeconds: 3600,
        },
        { ...options, region: config.home.region },
      );
      providers.set(accountId, provider);
    }
    return provider;
  };
}
