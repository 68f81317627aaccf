import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { metrics } from '../../shared/metrics.js';
import { logger } from '../../shared/observability.js';
import { detectSystem } from './deps.js';
import {
  detectAcrossTargets,
  detectCloudTrailChange,
  StateChangesNotAcceptedError,
  type CloudTrailOutcome,
  type DetectRun,
  type DetectSystem,
  type TargetRun,
} from './detect.js';
import { parseDetectInput } from './input.js';
import { emitRefreshes, type RefreshReport } from './refresh-schedule.js';

export type DetectResult =
  | (DetectRun & { refreshes?: RefreshReport })
  | CloudTrailOutcome
  | { outcome: 'ignored'; reason: string };

function failuresByAccount(run: DetectRun) {
  const byAccount = new Map<string, Array<TargetRun & { outcome: 'failed' }>>();
  for (const target of run.targets) {
    if (target.outcome !== 'failed') continue;
    byAccount.set(target.accountId, [...(byAccount.get(target.accountId) ?? []), target]);
  }
  return byAccount;
}

const sameTarget = (a: { accountId: string; region: string }) => (b: typeof a) =>
  a.accountId === b.accountId && a.region === b.region;

export const createHandler = (system: DetectSystem = detectSystem) =>
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
            const { jobName, eventName, where } = input;
            logger.appendKeys({ jobName, eventName, ...where });
            if (!system.targets.some(sameTarget(where))) {
              // A forwarding rule left behind in an account or region no longer watched.
              logger.warn('Ignored a CloudTrail event of an account or region not watched');
              metrics.addMetric('IgnoredCloudTrailEvents', MetricUnit.Count, 1);
              return {
                outcome: 'ignored',
                reason: `account ${where.accountId} in ${where.region} is not watched (WATCHED_ACCOUNTS, WATCHED_REGIONS)`,
              };
            }
            const result = await detectCloudTrailChange(jobName, system.forTarget(where));
            const emitted = result.outcome === 'emitted' ? 1 : 0;
            metrics.addMetric('StateChanges', MetricUnit.Count, emitted);
            logger.info('Handled CloudTrail event', { result });
            return result;
          }
          case 'poll':
          case 'backfill': {
            const run = await detectAcrossTargets(input.kind, system);
            // One error per account per run (a missing or refused reader role fails each of its
            // regions alike), naming the regions; the other accounts were read.
            for (const [accountId, failed] of failuresByAccount(run)) {
              logger.error('Could not read an account', {
                accountId,
                regions: failed.map((target) => target.region),
                error: failed[0]!.error,
              });
            }
            metrics.addMetric('StateChanges', MetricUnit.Count, run.stateChanges);
            metrics.addMetric('JobsListed', MetricUnit.Count, run.jobsListed);
            metrics.addMetric('UnreadableTargets', MetricUnit.Count, run.failedTargets);
            logger.info('Detected state changes', { run });
            if (input.kind === 'poll' && system.refresh) {
              const refreshes = await emitRefreshes(system.refresh, run.refreshMark);
              metrics.addMetric('ProgressRefreshes', MetricUnit.Count, refreshes.refreshed);
              logger.info('Asked for running jobs to be refreshed', { refreshes });
              return { ...run, refreshes };
            }
            return run;
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
