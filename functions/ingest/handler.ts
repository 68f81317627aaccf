import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import {
  STATE_CHANGE,
  stateChangeDetailSchema,
  type StateChangeDetail,
} from '../../shared/events.js';
import { eventDetail, withJobLocation } from '../../shared/event-detail.js';
import { logAndRethrow, logger } from '../../shared/observability.js';
import { ingestDeps } from './deps.js';
import { ingestStateChange, type IngestDeps, type IngestOutcome } from './ingest.js';

export const createHandler = (deps: IngestDeps = ingestDeps) =>
  middy<StateChangeDetail, IngestOutcome>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(eventDetail(stateChangeDetailSchema, STATE_CHANGE, withJobLocation))
    .handler(async (detail) => {
      logger.appendKeys({
        jobName: detail.jobName,
        accountId: detail.accountId,
        region: detail.region,
        status: detail.status,
      });
      return logAndRethrow('Ingest failed', async () => {
        const result = await ingestStateChange(detail, deps);
        logger.info('Ingested state change', { outcome: result.outcome });
        return result;
      });
    });

export const handler = createHandler();
