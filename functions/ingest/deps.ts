import {
  DescribeInferenceRecommendationsJobCommand,
  paginateListInferenceRecommendationsJobSteps,
  ResourceNotFound,
  type InferenceRecommendationsJobStep,
} from '@aws-sdk/client-sagemaker';
import {
  createDocumentClient,
  createEventBridgeClient,
  createSageMakerClient,
} from '../../shared/aws.js';
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
const sagemaker = createSageMakerClient();
const doc = createDocumentClient();
const eventBridge = createEventBridgeClient();

export const ingestDeps: IngestDeps = {
  async describeJob(jobName) {
    try {
      return await sagemaker.send(
        new DescribeInferenceRecommendationsJobCommand({ JobName: jobName }),
      );
    } catch (error) {
      if (error instanceof ResourceNotFound) return undefined;
      throw error;
    }
  },
  async listSteps(jobName) {
    const steps: InferenceRecommendationsJobStep[] = [];
    const pages = paginateListInferenceRecommendationsJobSteps(
      { client: sagemaker, pageSize: 100 },
      { JobName: jobName },
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
  markPublished: (jobName, version) => markPublished(doc, config.TABLE_NAME, jobName, version),
  markNotFound: (jobName) => markNotFound(doc, config.TABLE_NAME, jobName, new Date()),
  async publishRecorded(detail) {
    await putBusEvents(eventBridge, config.EVENT_BUS_NAME, [
      { detailType: RECORDED, detail, resources: detail.jobArn ? [detail.jobArn] : [] },
    ]);
  },
};
