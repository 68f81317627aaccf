import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { httpRouter } from '../../local/stack/http-routes.js';
import { readServerlessConfig } from '../../local/stack/serverless-config.js';
import { cloneJob, type SimulatedJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import type { ReadObservation } from '../../functions/api/serve.js';
import { httpEvent, type HttpEventOptions } from './http-event.js';
import { actAs } from './iam.js';
import { repoRoot } from './serverless.js';
import {
  lambdaContext,
  sampleJobs,
  stateChangeEvent,
  useLocalWorld,
  type LocalWorld,
} from './world.js';

/** A fixed key, so tests can sign cursors of their own (valid signature, unexpected content). */
export const TEST_CURSOR_KEY = 'irwatch-test-cursor-key-0123456789abcdef';

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** What DynamoDB read for this request, as the handler reported it. */
  reads: ReadObservation | undefined;
}

export interface ApiWorld extends LocalWorld {
  /**
   * Invokes the real handler API Gateway routes `target` to (serverless.yml's httpApi routes:
   * the web function for GET / and GET /openapi.json, the api for the rest) with an API Gateway
   * v2 event.
   */
  request(target: string, options?: HttpEventOptions): Promise<ApiResponse>;
  /** Like request, but fails the test unless the answer is a 200. */
  get<T = Record<string, unknown>>(target: string): Promise<T>;
  /** Jobs ingested, by name. */
  jobNames: string[];
  /** Every response answered so far, oldest first, for checks across all of them. */
  answered: Array<{ target: string; response: ApiResponse }>;
}

type ApiHandler = (
  event: ReturnType<typeof httpEvent>,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The local world with every sample job (and `extraJobs`) ingested by the real ingest handler,
 * then the real api handler over the same local DynamoDB.
 */
const routes = httpRouter(readServerlessConfig(join(repoRoot, 'serverless.yml')).functions, 'api');

export function useApiWorld(
  options: { extraJobs?: SimulatedJob[]; samples?: boolean } = {},
): ApiWorld {
  const world = useLocalWorld();
  const jobs = [...(options.samples === false ? [] : sampleJobs), ...(options.extraJobs ?? [])];
  const jobNames = jobs.map((job) => String(job.describe.JobName));
  let handler: ApiHandler;
  let webHandler: ApiHandler;
  let observations: ReadObservation[] = [];
  const answered: ApiWorld['answered'] = [];

  beforeAll(async () => {
    process.env.CURSOR_KEY = TEST_CURSOR_KEY;
    for (const job of jobs) world.simulator.addJob(job);
    // Each handler signs as its own role: ingest's clients keep the keys they first signed with.
    actAs(world.table.iam, 'ingest');
    const ingest = (await import('../../functions/ingest/handler.js')).handler;
    for (const jobName of jobNames) {
      const status = String(world.simulator.describeJob(jobName)?.Status ?? 'COMPLETED');
      // The handler's type is the parsed detail; what it receives is the whole bus event.
      await ingest(
        stateChangeEvent({ jobName, status: status as 'COMPLETED' }) as never,
        lambdaContext('ingest'),
      );
    }
    actAs(world.table.iam, 'api');
    const { createHandler } = await import('../../functions/api/handler.js');
    const { apiDeps } = await import('../../functions/api/deps.js');
    handler = createHandler({
      ...apiDeps,
      observeReads: (observation) => observations.push(observation),
    }) as unknown as ApiHandler;
    webHandler = (await import('../../functions/web/handler.js')).handler as unknown as ApiHandler;
  }, 120_000);

  async function request(target: string, eventOptions?: HttpEventOptions): Promise<ApiResponse> {
    observations = [];
    const event = httpEvent(target, eventOptions);
    const toWeb = routes.functionFor(event.requestContext.http.method, event.rawPath) === 'web';
    const result = toWeb
      ? await webHandler(event, lambdaContext('web'))
      : await handler(event, lambdaContext('api'));
    const headers = (result.headers ?? {}) as Record<string, string>;
    const text = typeof result.body === 'string' ? result.body : '';
    const response: ApiResponse = {
      status: result.statusCode ?? 200,
      headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      reads: observations[0],
    };
    answered.push({ target, response });
    return response;
  }

  return {
    ...world,
    jobNames,
    answered,
    request,
    async get<T>(target: string) {
      const response = await request(target);
      if (response.status !== 200) {
        throw new Error(`GET ${target}: ${response.status} ${JSON.stringify(response.body)}`);
      }
      return response.body as T;
    },
  };
}

/**
 * A re-run of a sample job: same configurations, later, with its latency and cost per inference
 * scaled as real re-runs drift (latency stays a whole number of milliseconds, as SageMaker
 * reports it).
 */
export function rerunOf(
  template: SimulatedJob,
  options: { jobName: string; start: number; latencyFactor: number; costFactor: number },
): SimulatedJob {
  const clone = cloneJob(template, { jobName: options.jobName, start: options.start });
  const recommendations = clone.describe.InferenceRecommendations;
  if (Array.isArray(recommendations)) {
    for (const rec of recommendations as Array<{ Metrics?: Record<string, unknown> }>) {
      const metrics = rec.Metrics ?? {};
      if (typeof metrics.ModelLatency === 'number') {
        metrics.ModelLatency = Math.round(metrics.ModelLatency * options.latencyFactor);
      }
      if (typeof metrics.CostPerInference === 'number') {
        metrics.CostPerInference = metrics.CostPerInference * options.costFactor;
      }
    }
  }
  return clone;
}
