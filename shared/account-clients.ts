import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import {
  describeTarget,
  isHomeAccount,
  isWatched,
  spokeRoleArn,
  UnwatchedJobError,
  type AccountRegion,
  type WatchConfig,
} from './accounts.js';

/** Who assumes a spoke's reader role: shows in the spoke's CloudTrail as the session name. */
export type ReaderSession = 'irwatch-detect' | 'irwatch-ingest' | 'irwatch-api';

/**
 * SageMaker clients per account and region, made once per container. The home account is read
 * with the function's own role; another account through its spoke's reader role, assumed with
 * the external ID (the SDK refreshes the session before it expires). The STS client is the
 * home region's, so `AWS_ENDPOINT_URL_STS` points it at a local STS. An account or region not
 * watched gets no client: UnwatchedJobError, before any call.
 */
export function sageMakerClients(
  config: WatchConfig,
  session: ReaderSession,
  options: { maxAttempts?: number } = {},
) {
  const attempts = options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts };
  const clients = new Map<string, SageMakerClient>();
  return (where: AccountRegion): SageMakerClient => {
    if (!isWatched(config, where)) throw new UnwatchedJobError(where);
    const id = describeTarget(where);
    let client = clients.get(id);
    if (!client) {
      client = isHomeAccount(config, where.accountId)
        ? new SageMakerClient({ region: where.region, ...attempts })
        : new SageMakerClient({
            region: where.region,
            ...attempts,
            credentials: fromTemporaryCredentials({
              params: {
                RoleArn: spokeRoleArn(config, where.accountId),
                RoleSessionName: session,
                ...(config.externalId === undefined ? {} : { ExternalId: config.externalId }),
                DurationSeconds: 3600,
              },
              clientConfig: { region: config.home.region },
            }),
          });
      clients.set(id, client);
    }
    return client;
  };
}
