import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { EventBridgeEnvelope } from '@aws-lambda-powertools/parser/envelopes/eventbridge';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { stateChangeDetailSchema, type StateChangeDetail } from '../../shared/events.js';
import { logger } from '../../shared/observability.js';
import { ingestDeps } from './deps.js';
import { ingestStateChange, type IngestDeps, type IngestOutcome } from './ingest.js';

export const createHandler = (deps: IngestDeps = ingestDeps) =>
  middy<StateChangeDetail, IngestOutcome>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(parser({ schema: stateChangeDetailSchema, envelope: EventBridgeEnvelope }))
    .handler(async (detail) => {
      logger.appendKeys({ jobName: detail.jobName, status: detail.status });
      try {
        const result = await ingestStateChange(detail, deps);
        logger.info('Ingested state change', { outcome: result.outcome });
        return result;
      } catch (error) {
        // Rethrown so Lambda's async retries and then the dead-letter queue keep the event.
        logger.error('Ingest failed', error as Error);
        throw error;
      }
    });

export const handler = createHandler();
