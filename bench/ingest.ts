import './quiet.js';
import { GetItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DescribeInferenceRecommendationsJobCommand,
  paginateListInferenceRecommendationsJobSteps,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { cloneJob, type SimulatedJob } from '../local/aws/sagemaker/sagemaker-simulator.js';
import { keyValues, layout } from '../shared/db/table.js';

/**
 * The sweep's model: each job's entry goes into its item (shared/db/model-store.ts), then the
 * model's answers to best= and plan input into theirs (shared/db/model-best.ts, model-plan.ts).
 */
const modelItemKey = (
  model: string,
  sk: string = keyValues.modelJobsSk,
): Record<string, AttributeValue> => ({
  [layout.primary.pk]: { S: keyValues.modelPk(model) },
  [layout.primary.sk]: { S: sk },
});

/** The model's item, its answers and its plan input, as stored. */
async function modelItemsOf(world: BenchWorld, model: string) {
  const items = [];
  for (const sk of [keyValues.modelJobsSk, keyValues.modelBestSk, keyValues.modelPlanSk]) {
    const { Item } = await world.client.send(
      new GetItemCommand({
        TableName: TABLE_NAME,
        Key: modelItemKey(model, sk),
        ConsistentRead: true,
      }),
    );
    if (Item) items.push(Item);
  }
  return items;
}
import { RECORDED } from '../shared/events.js';
import { writeUnits } from './item-size.js';
import { emitSection, type Cell } from './report.js';
import { median, ms, percentile, ratio } from './stats.js';
import {
  BUS_NAME,
  HOME,
  lambdaContext,
  sampleJob,
  startBenchWorld,
  stateChangeEvent,
  TABLE_NAME,
  type BenchWorld,
} from './world.js';

export const RECOMMENDATION_COUNTS = [5, 50, 250] as const;
const TEMPLATE = 'large-sweep-250';
const BATCH = 25;
const TIMING_RUNS = Number(process.env.BENCH_INGEST_RUNS ?? 15);

type IngestHandler = (event: unknown, context: unknown) => Promise<{ outcome: string }>;

/**
 * A clone of the 250-recommendation sample cut to `recommendations`, with as many benchmark
 * steps in proportion (the sample has 256 steps for 250 recommendations).
 */
function sweepJob(jobName: string, recommendations: number): SimulatedJob {
  const template = sampleJob(TEMPLATE);
  const clone = cloneJob(template, { jobName, start: Date.parse('2026-09-01T00:00:00Z') });
  const recs = (clone.describe.InferenceRecommendations as unknown[]).slice(0, recommendations);
  const ratioOfSteps =
    (template.steps?.length ?? 0) /
    (template.describe.InferenceRecommendations as unknown[]).length;
  clone.describe = { ...clone.describe, InferenceRecommendations: recs };
  clone.steps = clone.steps?.slice(0, Math.round(recommendations * ratioOfSteps));
  return clone;
}

async function storedItems(
  world: BenchWorld,
  jobName: string,
): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await world.client.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': layout.primary.pk },
        ExpressionAttributeValues: { ':pk': { S: keyValues.jobPk(jobName) } },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

const importHandler = async (): Promise<IngestHandler> =>
  (await import('../functions/ingest/handler.js')).handler as unknown as IngestHandler;

/** Requests and write units of one ingest per size, counted by the proxy in front of dynalite. */
async function countRequests(): Promise<Cell[][]> {
  const world = await startBenchWorld({ countDynamoDb: true });
  try {
    const handler = await importHandler();
    const proxy = world.proxy!;
    const rows: Cell[][] = [];
    for (const count of RECOMMENDATION_COUNTS) {
      const jobName = `bench-count-${count}`;
      const job = sweepJob(jobName, count);
      world.simulator.addJob(job);
      proxy.reset();
      const sageMakerBefore = world.simulator.calls.length;
      const putEventsBefore = world.eventBridge.calls.length;
      const result = await handler(stateChangeEvent({ jobName }), lambdaContext('ingest'));
      if (result.outcome !== 'recorded') throw new Error(`ingest of ${jobName}: ${result.outcome}`);
      const requests = proxy.count();
      const byOperation = new Map<string, number>();
      for (const r of proxy.requests)
        byOperation.set(r.operation, (byOperation.get(r.operation) ?? 0) + 1);
      const units = proxy.capacityUnits();
      const items = await storedItems(world, jobName);
      const children = items.length - 1;
      // The job record, its entry in the model's item, the model's answers and plan input: one
      // write each.
      const minimumRequests = Math.ceil(children / BATCH) + 4;
      const model = String(job.describe.ModelName);
      const modelItems = await modelItemsOf(world, model);
      const minimumUnits = [...items, ...modelItems].reduce(
        (sum, item) => sum + writeUnits(item),
        0,
      );
      rows.push([
        count,
        `${children} + 1`,
        requests,
        minimumRequests,
        ratio(requests, minimumRequests),
        [...byOperation].map(([op, n]) => `${op} ×${n}`).join(', '),
        units,
        minimumUnits,
        ratio(units, minimumUnits),
        world.simulator.calls.length - sageMakerBefore,
        world.eventBridge.calls.length - putEventsBefore,
      ]);
    }
    return rows;
  } finally {
    await world.close();
  }
}

/**
 * Milliseconds per warm invocation against dynalite (no proxy), against the bare calls a job
 * needs: Describe, the step pages, the same items in BatchWriteItem calls of 25, one job write
 * and one PutEvents, with the SDK and nothing else. Runs alternate between the two.
 */
async function timeJobs(): Promise<Cell[][]> {
  const world = await startBenchWorld();
  try {
    const handler = await importHandler();
    const sagemaker = new SageMakerClient({});
    const dynamodb = new DynamoDBClient({});
    const eventBridge = new EventBridgeClient({});
    const rows: Cell[][] = [];
    for (const count of RECOMMENDATION_COUNTS) {
      const handlerTimes: number[] = [];
      const bareTimes: number[] = [];
      // Two warm-up runs: the first invocation of a warm Lambda is not what this measures.
      for (let run = -2; run < TIMING_RUNS; run += 1) {
        const jobName = `bench-time-${count}-${run + 2}`;
        world.simulator.addJob(sweepJob(jobName, count));
        const start = performance.now();
        const result = await handler(stateChangeEvent({ jobName }), lambdaContext('ingest'));
        const handlerMs = performance.now() - start;
        if (result.outcome !== 'recorded')
          throw new Error(`ingest of ${jobName}: ${result.outcome}`);

        const stored = await storedItems(world, jobName);
        const bareName = `bench-bare-${count}-${run + 2}`;
        const rename = (item: Record<string, AttributeValue>) => ({
          ...item,
          [layout.primary.pk]: { S: keyValues.jobPk(bareName) },
        });
        const jobItem = stored.find((item) => item[layout.primary.sk]?.S === keyValues.jobSk(HOME));
        const children = stored.filter((item) => item !== jobItem).map(rename);
        const detail = JSON.stringify(world.eventBridge.events.at(-1)?.event.detail ?? {});
        const modelItems = await modelItemsOf(
          world,
          String(world.simulator.describeJob(jobName)?.ModelName),
        );
        const bareStart = performance.now();
        await sagemaker.send(new DescribeInferenceRecommendationsJobCommand({ JobName: jobName }));
        for await (const page of paginateListInferenceRecommendationsJobSteps(
          { client: sagemaker, pageSize: 100 },
          { JobName: jobName },
        )) {
          void page;
        }
        for (let at = 0; at < children.length; at += BATCH) {
          const chunk = children.slice(at, at + BATCH).map((Item) => ({ PutRequest: { Item } }));
          await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE_NAME]: chunk } }));
        }
        if (jobItem)
          await dynamodb.send(new PutItemCommand({ TableName: TABLE_NAME, Item: rename(jobItem) }));
        for (const modelItem of modelItems) {
          await dynamodb.send(
            new PutItemCommand({
              TableName: TABLE_NAME,
              Item: {
                ...modelItem,
                ...modelItemKey(`bench-bare-${count}`, String(modelItem[layout.primary.sk]?.S)),
              },
            }),
          );
        }
        await eventBridge.send(
          new PutEventsCommand({
            Entries: [
              { EventBusName: BUS_NAME, Source: 'irwatch', DetailType: RECORDED, Detail: detail },
            ],
          }),
        );
        const bareMs = performance.now() - bareStart;
        if (run >= 0) {
          handlerTimes.push(handlerMs);
          bareTimes.push(bareMs);
        }
      }
      rows.push([
        count,
        ms(median(handlerTimes)),
        ms(percentile(handlerTimes, 90)),
        ms(median(bareTimes)),
        ratio(median(handlerTimes), median(bareTimes)),
      ]);
    }
    sagemaker.destroy();
    dynamodb.destroy();
    eventBridge.destroy();
    return rows;
  } finally {
    await world.close();
  }
}

/** Each part in a process of its own: the handler binds its DynamoDB endpoint at import. */
export async function runIngest(part: string | undefined): Promise<void> {
  if (part === 'counts') {
    const rows = await countRequests();
    emitSection({
      section: 'ingest-counts',
      tables: [
        {
          title:
            'ingest: DynamoDB work per job (one COMPLETED job, clone of large-sweep-250 cut to N recommendations)',
          columns: [
            'recommendations',
            'items (children + job)',
            'DynamoDB requests',
            'minimum ceil(children/25)+2',
            '÷ minimum',
            'requests by operation',
            'write units',
            'minimum write units',
            '÷ minimum',
            'SageMaker calls',
            'PutEvents calls',
          ],
          rows,
          notes: [
            '- Counted by a proxy in front of dynalite that asks for ReturnConsumedCapacity TOTAL on every request; write units = what dynalite reports (table only; DynamoDB also charges each GSI a job item is projected into, here 2 GSIs with ALL projection for the job item).',
            "- minimum write units = one write of every stored item: sum of ceil(item size / 1 KB), sizes from the marshalled items read back (DynamoDB size rules), the model's item included (the job's entry is written into it: a write costs the whole item, up to the 50 newest jobs of each account and region), and the model's answers and plan input items.",
            "- minimum requests: BatchWriteItem calls of 25 children, the job record, its entry in the model's item (shared/db/model-store.ts), the model's answers to best= (shared/db/model-best.ts) and its plan input (shared/db/model-plan.ts).",
          ],
        },
      ],
      data: rows,
    });
  } else if (part === 'timing') {
    const rows = await timeJobs();
    emitSection({
      section: 'ingest-timing',
      tables: [
        {
          title: `ingest: time per job against local DynamoDB (dynalite), median of ${TIMING_RUNS} warm invocations`,
          columns: ['recommendations', 'median ms', 'p90 ms', 'bare SDK calls median ms', '÷ bare'],
          rows,
          notes: [
            "- bare: the same Describe, step pages, BatchWriteItem calls of the same items, one PutItem of the job, one of the model's item, one of its answers, one of its plan input and one PutEvents, sent with plain SDK clients in the same process, alternating with the handler runs.",
          ],
        },
      ],
      data: rows,
    });
  } else {
    throw new Error('bench/ingest.ts needs "counts" or "timing"');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runIngest(process.argv[2]);
