import {
  DescribeInferenceRecommendationsJobCommand,
  paginateListInferenceRecommendationsJobSteps,
  ResourceNotFound,
  type InferenceRecommendationsJobStep,
} from '@aws-sdk/client-sagemaker';
import { sageMakerClients } from '../../shared/account-clients.js';
import { readWatchConfig } from '../../shared/accounts.js';
import { createDocumentClient, createEventBridgeClient } from '../../shared/aws.js';
import { putBusEvents } from '../../shared/bus.js';
import { readEnv } from '../../shared/config.js';
import { batchPutAll } from '../../shared/db/batch-write.js';
import {
  performanceItem,
  recommendationItem,
  stepItem,
  summaryItems,
} from '../../shared/db/items.js';
import { markNotFound, markPublished, putJobRecord } from '../../shared/db/job-store.js';
import { RECORDED } from '../../shared/events.js';
import type { IngestDeps } from './ingest.js';

const config = readEnv(['TABLE_NAME', 'EVENT_BUS_NAME']);
const sagemakerIn = sageMakerClients(readWatchConfig(), 'irwatch-ingest');
const doc = createDocumentClient();
const eventBridge = createEventBridgeClient();

export const ingestDeps: IngestDeps = {
  async describeJob(job) {
    try {
      return await sagemakerIn(job).send(
        new DescribeInferenceRecommendationsJobCommand({ JobName: job.jobName }),
      );
    } catch (error) {
      if (error instanceof ResourceNotFound) return undefined;
      throw error;
    }
  },
  async listSteps(job) {
    const steps: InferenceRecommendationsJobStep[] = [];
    const pages = paginateListInferenceRecommendationsJobSteps(
      { client: sagemakerIn(job), pageSize: 100 },
      { JobName: job.jobName },
    );
    for await (const page of pages) steps.push(...(page.Steps ?? []));
    return steps;
  },
  async putChildren(snapshot) {
    await batchPutAll(doc, config.TABLE_NAME, [
      ...snapshot.recommendations.map((rec) => recommendationItem(rec, snapshot.job)),
      ...snapshot.steps.map(stepItem),
      ...snapshot.performances.map(performanceItem),
      // Last: a summary the api finds lists only recommendations already written.
      ...summaryItems(snapshot),
    ]);
  },
  putJob: (job) => putJobRecord(doc, config.TABLE_NAME, job, new Date()),
  markPublished: (job, version) => markPublished(doc, config.TABLE_NAME, job, version),
  markNotFound: (job) => markNotFound(doc, config.TABLE_NAME, job, new Date()),
  async publishRecorded(detail) {
    await putBusEvents(eventBridge, config.EVENT_BUS_NAME, [
      { detailType: RECORDED, detail, resources: detail.jobArn ? [detail.jobArn] : [] },
    ]);
  },
};
