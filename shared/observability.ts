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
