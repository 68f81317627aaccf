import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { RECORDED, recordedDetailSchema, type RecordedDetail } from '../../shared/events.js';
import { eventDetail, withJobLocation } from '../../shared/event-detail.js';
import { logAndRethrow, logger } from '../../shared/observability.js';
import { notifyDeps } from './deps.js';
import {
  NotificationInProgressError,
  notifyRecorded,
  type NotifyDeps,
  type NotifyOutcome,
} from './notify.js';

export const createHandler = (deps: NotifyDeps = notifyDeps) =>
  middy<RecordedDetail, NotifyOutcome>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(eventDetail(recordedDetailSchema, RECORDED, withJobLocation))
    .handler(async (detail) => {
      logger.appendKeys({
        jobName: detail.jobName,
        accountId: detail.accountId,
        region: detail.region,
        status: detail.status,
      });
      return logAndRethrow(
        'Notify failed',
        async () => {
          const result = await notifyRecorded(detail, deps);
          logger.info('Notification handled', { ...result });
          return result;
        },
        { expected: (error) => error instanceof NotificationInProgressError },
      );
    });

export const handler = createHandler();
