import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one place that builds irwatch's logger; its sibling metrics.ts builds the metrics (a file
 * of their own, so the functions that publish none do not bundle them: the Powertools packages
 * declare no sideEffects, so an unused import is not shaken out). Service name and namespace
 * come from the Powertools variables set in serverless.yml (POWERTOOLS_SERVICE_NAME,
 * POWERTOOLS_METRICS_NAMESPACE); these defaults serve the local stack and the tests.
 *
 * Tracing is Lambda's active X-Ray tracing, switched on in serverless.yml: the Powertools tracer
 * would add the X-Ray SDK to every bundle and its load time to every cold start.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'irwatch' });

export interface RethrowOptions {
  /** What the log line carries beside the error. */
  attributes?: (error: unknown) => Record<string, unknown> | undefined;
  /** Errors a retry is there to clear: logged at info, by their message alone. */
  expected?: (error: unknown) => boolean;
  /** Runs before the rethrow (to count the failure). */
  onFailure?: (error: unknown) => void;
}

/**
 * Runs an asynchronous handler's work; a failure is logged as `failure` and rethrown, so Lambda's
 * async retries and then the dead-letter queue keep the event.
 */
export async function logAndRethrow<T>(
  failure: string,
  work: () => Promise<T>,
  options: RethrowOptions = {},
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (options.expected?.(error)) logger.info((error as Error).message);
    else logger.error(failure, { error: error as Error, ...options.attributes?.(error) });
    options.onFailure?.(error);
    throw error;
  }
}
