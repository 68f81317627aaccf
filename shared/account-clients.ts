import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  describeTarget,
  isWatched,
  UnwatchedJobError,
  type AccountRegion,
  type WatchConfig,
} from './accounts.js';
import { readerCredentials, type ReaderSession } from './reader-credentials.js';

export type { ReaderSession } from './reader-credentials.js';

/**
 * SageMaker clients per account and region, made once per container. The home account is read
 * with the function's own role; another account through its spoke's reader role
 * (shared/reader-credentials.ts: one signed AssumeRole, renewed before it expires, instead of
 * the SDK's STS client and credential providers). An account or region not watched gets no
 * client: UnwatchedJobError, before any call.
 */
export function sageMakerClients(
  config: WatchConfig,
  session: ReaderSession,
  options: { maxAttempts?: number } = {},
) {
  const attempts = options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts };
  const credentialsOf = readerCredentials(config, session);
  const clients = new Map<string, SageMakerClient>();
  return (where: AccountRegion): SageMakerClient => {
    if (!isWatched(config, where)) throw new UnwatchedJobError(where);
    const id = describeTarget(where);
    let client = clients.get(id);
    if (!client) {
      const credentials = credentialsOf(where.accountId);
      client = new SageMakerClient({
        region: where.region,
        ...attempts,
        ...(credentials ? { credentials } : {}),
      });
      clients.set(id, client);
    }
    return client;
  };
}
