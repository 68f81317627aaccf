import './quiet.js';
import { cloneJob } from '../local/aws/sagemaker/sagemaker-simulator.js';
import { emitSection, type Cell } from './report.js';
import { median, ms, ratio } from './stats.js';
import { lambdaContext, readEventFile, sampleJob, startBenchWorld } from './world.js';

export const CHANGED_COUNTS = [0, 10, 1000] as const;
export const ACCOUNT_REGION_COUNTS = [1, 10, 50] as const;
const RUNS = Number(process.env.BENCH_DETECT_RUNS ?? 3);
const LIST_PAGE = 100;
const PUT_EVENTS_BATCH = 10;
const BATCH_GET = 100;
const BATCH_WRITE = 25;

interface DetectCalls {
  sagemakerList: number;
  sagemakerDescribe: number;
  putEvents: number;
  dynamoBatchGet: number;
  dynamoBatchWrite: number;
}
interface DetectReport {
  jobsListed: number;
  stateChanges: number;
  calls: DetectCalls;
}
type DetectHandler = (event: unknown, context: unknown) => Promise<DetectReport>;

/**
 * Calls per scheduled poll when `changed` jobs changed since the watermark (and no other job
 * was modified since): detect's own report, checked against what the local servers saw.
 */
export async function runDetect(): Promise<void> {
  const world = await startBenchWorld({ countDynamoDb: true });
  const proxy = world.proxy!;
  try {
    const { handler } = (await import('../functions/detect/handler.js')) as unknown as {
      handler: DetectHandler;
    };
    const scheduled = readEventFile('eventbridge/scheduled-event.json');
    const poll = () => handler(scheduled, lambdaContext('detect'));
    await poll();
    let previous: string[] = [];
    const rows: Cell[][] = [];
    for (const changed of CHANGED_COUNTS) {
      const times: number[] = [];
      const seen = new Set<string>();
      let first:
        | {
            report: DetectReport;
            sagemaker: number;
            putEvents: number;
            dynamo: Map<string, number>;
          }
        | undefined;
      for (let run = 0; run < RUNS; run += 1) {
        // Only this run's jobs are listed: the earlier ones leave SageMaker.
        for (const name of previous) world.simulator.removeJob(name);
        const now = Date.now();
        previous = Array.from({ length: changed }, (_, i) => `bench-detect-${changed}-${run}-${i}`);
        for (const name of previous) {
          world.simulator.addJob(
            cloneJob(sampleJob('xgboost-churn-default'), {
              jobName: name,
              start: now - 60_000,
              timeline: [
                { status: 'PENDING', afterMs: 0 },
                { status: 'COMPLETED', afterMs: 30_000 },
              ],
            }),
          );
        }
        proxy.reset();
        const sagemakerBefore = world.simulator.calls.length;
        const putEventsBefore = world.eventBridge.calls.length;
        const start = performance.now();
        const report = await poll();
        times.push(performance.now() - start);
        if (report.stateChanges !== changed) {
          throw new Error(
            `detect reported ${report.stateChanges} state changes for ${changed} changed jobs`,
          );
        }
        const dynamo = new Map<string, number>();
        for (const r of proxy.requests) dynamo.set(r.operation, (dynamo.get(r.operation) ?? 0) + 1);
        const observed = {
          report,
          sagemaker: world.simulator.calls.length - sagemakerBefore,
          putEvents: world.eventBridge.calls.length - putEventsBefore,
          dynamo,
        };
        seen.add(JSON.stringify({ ...observed, dynamo: [...dynamo], report: report.calls }));
        first ??= observed;
      }
      if (!first) continue;
      const { report } = first;
      const listFloor = Math.max(1, Math.ceil(changed / LIST_PAGE));
      const putEventsFloor = Math.ceil(changed / PUT_EVENTS_BATCH);
      const dynamoRequests = [...first.dynamo.values()].reduce((a, b) => a + b, 0);
      // Read the watermark; read what was last seen of the listed jobs; store the new statuses
      // and move the watermark.
      const dynamoFloor =
        1 +
        Math.ceil(changed / BATCH_GET) +
        Math.ceil(changed / BATCH_WRITE) +
        (changed > 0 ? 1 : 0);
      rows.push([
        changed,
        report.calls.sagemakerList + report.calls.sagemakerDescribe,
        first.sagemaker,
        listFloor,
        ratio(first.sagemaker, listFloor),
        report.calls.putEvents,
        first.putEvents,
        putEventsFloor,
        changed === 0
          ? first.putEvents === 0
            ? '1.00× (0 = 0)'
            : 'n/a'
          : ratio(first.putEvents, putEventsFloor),
        dynamoRequests,
        [...first.dynamo].map(([op, n]) => `${op} ×${n}`).join(', ') || '-',
        dynamoFloor,
        ratio(dynamoRequests, dynamoFloor),
        ms(median(times)),
        seen.size === 1 ? 'yes' : 'no',
      ]);
    }
    const accountRows = await pollsAcrossAccounts(world);
    emitSection({
      section: 'detect',
      tables: [
        {
          title: `detect: calls per scheduled poll (${RUNS} polls per row, fresh jobs each)`,
          columns: [
            'changed jobs',
            'SageMaker calls (report)',
            'SageMaker calls (simulator saw)',
            'minimum ceil(n/100), ≥1',
            '÷ minimum',
            'PutEvents calls (report)',
            'PutEvents calls (endpoint saw)',
            'minimum ceil(n/10)',
            '÷ minimum',
            'DynamoDB requests',
            'by operation',
            'minimum',
            '÷ minimum',
            'median ms per poll',
            'same counts every poll',
          ],
          rows,
          notes: [
            '- SageMaker: ListInferenceRecommendationsJobs pages of 100 (no Describe on a poll). PutEvents takes 10 entries a call.',
            '- DynamoDB minimum: read the watermark (1), read the last seen status of the listed jobs (BatchGetItem, 100 keys a call), store the new statuses (BatchWriteItem, 25 a call) and move the watermark (1) when anything changed.',
            '- Time per poll is through the counting proxy, against the local SageMaker simulator and dynalite.',
          ],
        },
        {
          title: `detect: calls per scheduled poll across watched account-regions (no job changed, ${RUNS} polls per row after a first one)`,
          columns: [
            'account-regions',
            'SageMaker List calls (simulator saw)',
            'minimum (one listing each)',
            '÷ minimum',
            'DynamoDB requests',
            'by operation',
            'minimum ceil(n/100)',
            '÷ minimum',
            'median ms per poll',
          ],
          rows: accountRows,
          notes: [
            '- ListInferenceRecommendationsJobs lists one account in one region: a poll makes one call per account-region at least. Detect reads up to 5 at once.',
            '- DynamoDB: every watermark in one BatchGetItem (100 keys a call); nothing else when nothing changed.',
            '- Another account also costs one sts:AssumeRole per hour and function container (the SDK keeps the session until it expires); not per poll, so not counted here. The accounts here are read as the home one, against the local simulator.',
          ],
        },
      ],
      data: rows,
    });
  } finally {
    await world.close();
  }
}

/**
 * Polls over 1, 10 and 50 watched account-regions when nothing changed: the real detect handler
 * and stores, each account read as the home one (no STS in the bench world).
 */
async function pollsAcrossAccounts(world: Awaited<ReturnType<typeof startBenchWorld>>) {
  const proxy = world.proxy!;
  const { createDetectDeps } = await import('../functions/detect/deps.js');
  const { createHandler } = await import('../functions/detect/handler.js');
  for (const name of world.simulator.jobNames()) world.simulator.removeJob(name);
  const scheduled = readEventFile('eventbridge/scheduled-event.json');
  const rows: Cell[][] = [];
  for (const count of ACCOUNT_REGION_COUNTS) {
    const targets = Array.from({ length: count }, (_, i) => ({
      accountId: String(200000000000 + i),
      region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
    }));
    const watchOf = (home: (typeof targets)[number]) => ({
      home,
      targets: [home],
      spokeRoleName: 'irwatch-bench-reader',
      externalId: undefined,
    });
    const all = createDetectDeps({ watch: { ...watchOf(targets[0]!), targets } });
    const system = {
      targets,
      readWatermarks: all.readWatermarks,
      forTarget: (where: (typeof targets)[number]) =>
        createDetectDeps({ watch: watchOf(where) }).forTarget(where),
    };
    const handler = createHandler(system) as unknown as DetectHandler;
    // The first poll writes every watermark; the next ones are the steady state.
    await handler(scheduled, lambdaContext('detect'));
    const times: number[] = [];
    let sagemaker = 0;
    let dynamo = new Map<string, number>();
    for (let run = 0; run < RUNS; run += 1) {
      proxy.reset();
      const before = world.simulator.calls.length;
      const start = performance.now();
      const report = await handler(scheduled, lambdaContext('detect'));
      times.push(performance.now() - start);
      if (report.stateChanges !== 0) throw new Error(`${report.stateChanges} state changes`);
      sagemaker = world.simulator.calls.length - before;
      dynamo = new Map();
      for (const r of proxy.requests) dynamo.set(r.operation, (dynamo.get(r.operation) ?? 0) + 1);
    }
    const dynamoRequests = [...dynamo.values()].reduce((a, b) => a + b, 0);
    const dynamoFloor = Math.ceil(count / BATCH_GET);
    rows.push([
      count,
      sagemaker,
      count,
      ratio(sagemaker, count),
      dynamoRequests,
      [...dynamo].map(([op, n]) => `${op} ×${n}`).join(', ') || '-',
      dynamoFloor,
      ratio(dynamoRequests, dynamoFloor),
      ms(median(times)),
    ]);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await runDetect();
