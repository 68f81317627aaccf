import {
  describeTarget,
  isWatched,
  UnwatchedJobError,
  type AccountRegion,
  type WatchConfig,
} from './accounts.js';
import { jsonRequest, SAGEMAKER, type AwsRequestOptions } from './aws-request.js';
import { readerCredentials, type ReaderSession } from './reader-credentials.js';

/** One SageMaker operation of one account and region: its JSON 1.1 input to its output. */
export type SageMakerCall = <Output>(operation: string, input: object) => Promise<Output>;

/**
 * SageMaker of each watched account and region as signed JSON 1.1 requests
 * (shared/aws-request.ts), for a function that sends one or two operations and should not carry
 * the SDK's SageMaker client for them: the home account signed with the function's own role,
 * another through its spoke's reader role. An account or region not watched gets no caller:
 * UnwatchedJobError, before any call.
 */
export function sageMakerRequests(
  config: WatchConfig,
  session: ReaderSession,
  options: Omit<AwsRequestOptions, 'credentials'> = {},
): (where: AccountRegion) => SageMakerCall {
  const credentialsOf = readerCredentials(config, session, options);
  const callers = new Map<string, SageMakerCall>();
  return (where) => {
    if (!isWatched(config, where)) throw new UnwatchedJobError(where);
    const id = describeTarget(where);
    let call = callers.get(id);
    if (!call) {
      const credentials = credentialsOf(where.accountId);
      const requestOptions = { ...options, ...(credentials ? { credentials } : {}) };
      call = <Output>(operation: string, input: object) =>
        jsonRequest<Output>(SAGEMAKER, where.region, operation, input, requestOptions);
      callers.set(id, call);
    }
    return call;
  };
}
