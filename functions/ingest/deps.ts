import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeInferenceRecommendationsJobCommand,
  paginateListInferenceRecommendationsJobSteps,
  ResourceNotFound,
  type InferenceRecommendationsJobStep,
} from '@aws-sdk/client-sagemaker';
import { sageMakerClients } from '../../shared/account-clients.js';
import { readWatchConfig } from '../../shared/accounts.js';
import { createDocumentClient, createEventBridgeClient } from '../../shared/aws.js';
import { putBusEvents } from '../../shared/bus.js';
import { logger } from '../../shared/observability.js';
import { readEnv } from '../../shared/config.js';
import { batchPutAll } from '../../shared/db/batch-write.js';
import {
  listedStepItem,
  performanceItem,
  recommendationItem,
  recommendationListItems,
  summaryItems,
} from '../../shared/db/items.js';
import { getJob, markNotFound, markPublished, putJobRecord } from '../../shared/db/job-store.js';
import { putModelEntry } from '../../shared/db/model-store.js';
import { putProgress, putStepsIfNewer } from '../../shared/db/progress-store.js';
import { PROGRESS, RECORDED } from '../../shared/events.js';
import { existingEndpointOf, unreadableEndpoint } from '../../shared/model/existing-endpoint.js';
import type { IngestDeps } from './ingest.js';

const config = readEnv(['TABLE_NAME', 'EVENT_BUS_NAME']);
const sagemakerIn = sageMakerClients(readWatchConfig(), 'irwatch-ingest');
const doc = createDocumentClient();

/**
 * SageMaker answers a Describe of an endpoint or endpoint configuration that does not exist with
 * a ValidationException "Could not find endpoint …" (botocore's model declares no error for
 * either operation): that is the one refusal that means "gone", undefined here.
 */
const unlessMissing = async <T>(call: Promise<T>): Promise<T | undefined> => {
  try {
    return await call;
  } catch (error) {
    const { name, message } = error as { name?: string; message?: string };
    if (name === 'ValidationException' && /^Could not find endpoint/.test(message ?? '')) {
      return undefined;
    }
    throw error;
  }
};
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
      ...snapshot.steps.map((step) => listedStepItem(step, snapshot.job.progress?.listedAt)),
      ...snapshot.performances.map(performanceItem),
      // Last: a summary the api finds lists only recommendations already written.
      ...summaryItems(snapshot),
      // What the recommendation routes answer from, in one read (recommendationListItems).
      ...recommendationListItems(snapshot),
    ]);
  },
  putJob: (job) => putJobRecord(doc, config.TABLE_NAME, job, new Date()),
  async putModelEntry(snapshot) {
    const outcome = await putModelEntry(
      doc,
      config.TABLE_NAME,
      snapshot.job,
      snapshot.recommendations,
    );
    if (outcome === 'overflow') {
      logger.warn('The model item is full: its routes read the jobs themselves', {
        modelName: snapshot.job.modelName ?? snapshot.job.modelPackageVersionArn,
      });
    }
  },
  async describeExistingEndpoint(job, performance) {
    const client = sagemakerIn(job);
    try {
      const endpoint = await unlessMissing(
        client.send(new DescribeEndpointCommand({ EndpointName: performance.endpointName })),
      );
      const configName = endpoint?.EndpointConfigName;
      const endpointConfig = configName
        ? await unlessMissing(
            client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
          )
        : undefined;
      return existingEndpointOf(performance, endpoint, endpointConfig);
    } catch (error) {
      // A refusal is lasting: retrying would only keep the job's recommendations from being
      // stored. Throttling and 5xx still fail the invocation, and Lambda retries it.
      if ((error as { name?: string }).name !== 'AccessDeniedException') throw error;
      return unreadableEndpoint(performance, (error as Error).message);
    }
  },
  markPublished: (job, version) => markPublished(doc, config.TABLE_NAME, job, version),
  markNotFound: (job) => markNotFound(doc, config.TABLE_NAME, job, new Date()),
  now: () => new Date(),
  getJob: (job) => getJob(doc, config.TABLE_NAME, job, true),
  putSteps: (steps, listedAt) => putStepsIfNewer(doc, config.TABLE_NAME, steps, listedAt),
  putProgress: (job, progress, fingerprints, announce) =>
    putProgress(doc, config.TABLE_NAME, job, progress, fingerprints, announce),
  markProgressPublished: (job, version) =>
    markPublished(doc, config.TABLE_NAME, job, version, 'publishedProgressVersion'),
  async publishProgress(detail) {
    await putBusEvents(eventBridge, config.EVENT_BUS_NAME, [
      { detailType: PROGRESS, detail, resources: detail.jobArn ? [detail.jobArn] : [] },
    ]);
  },
  async publishRecorded(detail) {
    await putBusEvents(eventBridge, config.EVENT_BUS_NAME, [
      { detailType: RECORDED, detail, resources: detail.jobArn ? [detail.jobArn] : [] },
    ]);
  },
};
