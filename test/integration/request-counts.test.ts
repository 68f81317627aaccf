import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDynamoDbProxy,
  type DynamoDbProxy,
} from '../../local/aws/dynamodb/dynamodb-proxy.js';
import { cloneJob, type SimulatedJob } from '../../local/aws/sagemaker/sagemaker-simulator.js';
import type { createHandler as CreateIngestHandler } from '../../functions/ingest/handler.js';
import { lambdaContext, sampleJob, stateChangeEvent, useLocalWorld } from '../support/world.js';

// The request counts `npm run bench` prints for ingest (bench/ingest.ts), asserted: they depend
// only on the job's size. 250 recommendations is also in ingest.test.ts; 5 and 50 are not.

const world = useLocalWorld({ as: 'ingest' });
let proxy: DynamoDbProxy;
let handler: ReturnType<typeof CreateIngestHandler>;

beforeAll(async () => {
  proxy = createDynamoDbProxy(world.table.upstream);
  const server = await proxy.listen(0, world.table.gate());
  process.env.AWS_ENDPOINT_URL_DYNAMODB = server.url;
  ({ handler } = await import('../../functions/ingest/handler.js'));
  return () => server.close();
});

/** The 250-recommendation sample cut to `count` recommendations and as many steps in proportion. */
function sweep(jobName: string, count: number): SimulatedJob {
  const template = sampleJob('large-sweep-250');
  const clone = cloneJob(template, { jobName, start: Date.parse('2026-09-01T00:00:00Z') });
  const recommendations = clone.describe.InferenceRecommendations as unknown[];
  const stepsPerRecommendation = (template.steps ?? []).length / recommendations.length;
  clone.describe = { ...clone.describe, InferenceRecommendations: recommendations.slice(0, count) };
  clone.steps = clone.steps?.slice(0, Math.round(count * stepsPerRecommendation));
  return clone;
}

describe('ingest: requests per job', () => {
  it.each([
    // recommendations, steps, BatchWriteItem calls, ListInferenceRecommendationsJobSteps pages
    [5, 5, 1, 1],
    [50, 51, 5, 1],
    [250, 256, 21, 3],
  ])(
    '%i recommendations, %i steps and a summary item: %i BatchWriteItem calls, the job write, its model entry, answers and plan input and its published mark, one PutEvents',
    async (count, steps, batchWrites, stepPages) => {
      const jobName = `count-${count}`;
      world.simulator.addJob(sweep(jobName, count));
      proxy.reset();
      const sageMakerBefore = world.simulator.calls.length;
      const putEventsBefore = world.eventBridge.calls.length;

      const result = await handler(stateChangeEvent({ jobName }) as never, lambdaContext('ingest'));

      expect(result.outcome).toBe('recorded');
      // Recommendations, steps and the one summary item of up to 1,000 recommendations.
      expect(batchWrites).toBe(Math.ceil((count + steps + 1) / 25));
      const operations = proxy.operations;
      expect(operations.slice(0, batchWrites + 2)).toEqual([
        ...Array<string>(batchWrites).fill('BatchWriteItem'),
        // The job record, its entry in the model's item (shared/db/model-store.ts).
        'UpdateItem',
        'UpdateItem',
      ]);
      // In parallel, the model's answers to best= (shared/db/model-best.ts: the job is its
      // model's first, so the winners are its own recommendations, nothing to read) and its plan
      // input (shared/db/model-plan.ts: the one before read for the newest runs it holds).
      expect(operations.slice(batchWrites + 2, -1).sort()).toEqual([
        'GetItem',
        'PutItem',
        'PutItem',
      ]);
      // The mark that its Recorded event went out.
      expect(operations.slice(-1)).toEqual(['UpdateItem']);
      const sageMaker = world.simulator.calls.slice(sageMakerBefore).map((call) => call.operation);
      expect(sageMaker).toEqual([
        'DescribeInferenceRecommendationsJob',
        ...Array<string>(stepPages).fill('ListInferenceRecommendationsJobSteps'),
      ]);
      expect(world.eventBridge.calls.length - putEventsBefore).toBe(1);
    },
  );
});
