import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { metrics } from '../../shared/metrics.js';
import { logger } from '../../shared/observability.js';
import { detectDeps } from './deps.js';
import {
  detectCloudTrailChange,
  detectStateChanges,
  StateChangesNotAcceptedError,
  type CloudTrailOutcome,
  type DetectDeps,
  type DetectReport,
} from './detect.js';
import { parseDetectInput } from './input.js';

export type DetectResult =
  DetectReport | CloudTrailOutcome | { outcome: 'ignored'; reason: string };

export const createHandler = (deps: DetectDeps = detectDeps) =>
  middy<unknown, DetectResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      try {
        const input = parseDetectInput(event);
        logger.appendKeys({ trigger: input.kind });
        switch (input.kind) {
          case 'unusable-cloudtrail':
            // Logged, not thrown: a retry would read the same event and fail the same way.
            logger.warn('Ignored a CloudTrail event naming no job', { reason: input.reason });
            metrics.addMetric('IgnoredCloudTrailEvents', MetricUnit.Count, 1);
            return { outcome: 'ignored', reason: input.reason };
          case 'cloudtrail': {
            logger.appendKeys({ jobName: input.jobName, eventName: input.eventName });
            const result = await detectCloudTrailChange(input.jobName, deps);
            const emitted = result.outcome === 'emitted' ? 1 : 0;
            metrics.addMetric('StateChanges', MetricUnit.Count, emitted);
            logger.info('Handled CloudTrail event', { result });
            return result;
          }
          case 'poll':
          case 'backfill': {
            const report = await detectStateChanges(input.kind, deps);
            metrics.addMetric('StateChanges', MetricUnit.Count, report.stateChanges);
            metrics.addMetric('JobsListed', MetricUnit.Count, report.jobsListed);
            logger.info('Detected state changes', { report });
            return report;
          }
        }
      } catch (error) {
        // Rethrown so Lambda's async retries and then the dead-letter queue keep the event.
        const partial = error instanceof StateChangesNotAcceptedError ? error.report : undefined;
        logger.error('Detect failed', {
          error: error as Error,
          ...(partial && { report: partial }),
        });
        metrics.addMetric('DetectFailures', MetricUnit.Count, 1);
        throw error;
      }
    });

export const handler = createHandler();
