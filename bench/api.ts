import './quiet.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { keys, keyValues, layout } from '../shared/db/table.js';
import { isLarge, jobNameOf, modelNameOf, seedTable, type SeededJob } from './api-seed.js';
import { repoRoot } from './paths.js';
import { emitSection, type Cell } from './report.js';
import { median, ms, percentile, ratio } from './stats.js';
import { ACCOUNT, HOME, jobKey, lambdaContext, startBenchWorld, TABLE_NAME } from './world.js';

const JOBS = Number(process.env.BENCH_API_JOBS ?? 10_000);
const RECOMMENDATIONS = Number(process.env.BENCH_API_RECOMMENDATIONS ?? 250_000);
const REQUESTS = Number(process.env.BENCH_API_REQUESTS ?? 100);
const WARM_UP = 5;
const PROBES = 10;

interface Observation {
  route: string;
  status: number;
  requests: number;
  itemsRead: number;
  itemsReturned: number;
}
interface HandlerResult {
  statusCode?: number;
  body?: string;
}
type ApiHandler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<HandlerResult>;

let requestCounter = 0;

/** An API Gateway HTTP API (payload 2.0) event, as API Gateway builds it for a GET. */
function httpEvent(target: string): APIGatewayProxyEventV2 {
  const [encodedPath = '/', rawQueryString = ''] = target.split('?', 2);
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString))
    queryStringParameters[name] = value;
  requestCounter += 1;
  const now = new Date();
  const rawPath = decodeURIComponent(encodedPath);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: { accept: 'application/json', host: 'bench.execute-api.us-east-1.amazonaws.com' },
    ...(rawQueryString ? { queryStringParameters } : {}),
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'bench',
      domainName: 'bench.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'bench',
      http: {
        method: 'GET',
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'irwatch-bench',
      },
      requestId: `bench-${requestCounter}`,
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

/**
 * The api handler, with its read observations when the module offers `createHandler(deps)` and
 * `apiDeps` (the hook its tests use); otherwise the plain `handler`, reads unknown. Imported by
 * a computed path: the function is built in parallel and its exports may still change.
 */
async function loadApi(
  observations: Observation[],
): Promise<{ handler: ApiHandler; observed: boolean }> {
  const handlerPath = join(repoRoot, 'functions/api/handler.ts');
  if (!existsSync(handlerPath)) throw new Error('functions/api/handler.ts does not exist');
  const handlerModule = (await import(pathToFileURL(handlerPath).href)) as Record<string, unknown>;
  const depsPath = join(repoRoot, 'functions/api/deps.ts');
  const depsModule = existsSync(depsPath)
    ? ((await import(pathToFileURL(depsPath).href)) as Record<string, unknown>)
    : {};
  if (typeof handlerModule.createHandler === 'function' && typeof depsModule.apiDeps === 'object') {
    const create = handlerModule.createHandler as (deps: unknown) => ApiHandler;
    return {
      handler: create({
        ...(depsModule.apiDeps as object),
        observeReads: (observation: Observation) => observations.push(observation),
      }),
      observed: true,
    };
  }
  if (typeof handlerModule.handler !== 'function')
    throw new Error('functions/api/handler.ts exports no handler');
  return { handler: handlerModule.handler as ApiHandler, observed: false };
}

type Body = Record<string, unknown>;
type Bare = (doc: DynamoDBDocumentClient, body: Body) => Promise<number>;

const pageQuery = async (
  doc: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'TableName'>,
) => ((await doc.send(new QueryCommand({ ...input, TableName: TABLE_NAME }))).Items ?? []).length;

const indexPage = (index: { indexName: string; pk: string }, pk: string, limit: number) => ({
  IndexName: index.indexName,
  KeyConditionExpression: '#pk = :pk',
  ExpressionAttributeNames: { '#pk': index.pk },
  ExpressionAttributeValues: { ':pk': pk },
  ScanIndexForward: false,
  Limit: Math.max(1, limit),
});

const childrenPage = (jobName: string, prefix: string, limit: number) => ({
  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
  ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
  ExpressionAttributeValues: { ':pk': keyValues.jobPk(jobName), ':prefix': prefix },
  Limit: Math.max(1, limit),
});

const arrayOf = (value: unknown): Body[] => (Array.isArray(value) ? (value as Body[]) : []);

/** A job named with its account and region: no read to find it (a bare name is one Query). */
const named = (target: string) =>
  `${target}${target.includes('?') ? '&' : '?'}accountId=${HOME.accountId}&region=${HOME.region}`;

const PLAN_QUERY = 'peakInvocationsPerMinute=1000';

/** BatchGetItem of these recommendations, 100 keys a call, in parallel: what a plan returns. */
const recommendationsOf = async (doc: DynamoDBDocumentClient, entries: Body[]) => {
  const keyList = entries.map((entry) =>
    keys.recommendation(jobKey(String(entry.jobName)), String(entry.recommendationId)),
  );
  const calls: Array<Promise<number>> = [];
  for (let start = 0; start < keyList.length; start += 100) {
    calls.push(
      doc
        .send(
          new BatchGetCommand({
            RequestItems: { [TABLE_NAME]: { Keys: keyList.slice(start, start + 100) } },
          }),
        )
        .then((output) => output.Responses?.[TABLE_NAME]?.length ?? 0),
    );
  }
  return (await Promise.all(calls)).reduce((a, b) => a + b, 0);
};

interface RouteCase {
  name: string;
  targets: string[];
  /** The least DynamoDB work that returns the same items as the answer in `body`. */
  bare?: Bare;
  bareLabel: string;
}

/** best=: the recommendation returned and its job, read in parallel by GetItem. */
const bestBare: Pick<RouteCase, 'bare' | 'bareLabel'> = {
  bareLabel: 'GetItem of the recommendation returned (and of its job when returned)',
  bare: async (doc, body) => {
    const rec = body.recommendation as Body | null | undefined;
    if (!rec) return 0;
    const job = jobKey(String(rec.jobName));
    const reads = [
      doc.send(
        new GetCommand({
          TableName: TABLE_NAME,
          Key: keys.recommendation(job, String(rec.recommendationId)),
        }),
      ),
      ...(body.job
        ? [doc.send(new GetCommand({ TableName: TABLE_NAME, Key: keys.job(job) }))]
        : []),
    ];
    return (await Promise.all(reads)).filter((r) => r.Item).length;
  },
};

function routeCases(
  jobs: SeededJob[],
  latencyThreshold: number,
  missThreshold: number,
): RouteCase[] {
  const completed = jobs.filter((job) => job.status === 'COMPLETED');
  const large = completed.filter((job) => job.recommendations >= 250 && job.steps).slice(0, PROBES);
  const typical = completed.filter((job) => job.recommendations < 250).slice(0, PROBES);
  const models = Array.from({ length: PROBES }, (_, i) => modelNameOf(i * 7 + 3));
  const listPage =
    (index: typeof layout.byStatus, pkOf: (target: Body) => string): Bare =>
    async (doc, body) =>
      pageQuery(doc, indexPage(index, pkOf(body), arrayOf(body.jobs).length));
  return [
    {
      name: 'GET /jobs',
      targets: ['/jobs'],
      bareLabel: 'one Query per status partition on the page (GSI1, exact Limit), in parallel',
      bare: async (doc, body) => {
        const perStatus = new Map<string, number>();
        for (const job of arrayOf(body.jobs))
          perStatus.set(String(job.status), (perStatus.get(String(job.status)) ?? 0) + 1);
        const counts = await Promise.all(
          [...perStatus].map(([status, count]) =>
            pageQuery(doc, indexPage(layout.byStatus, keyValues.statusPk(status), count)),
          ),
        );
        return counts.reduce((a, b) => a + b, 0);
      },
    },
    {
      name: 'GET /jobs?status=',
      targets: ['/jobs?status=COMPLETED', '/jobs?status=FAILED'],
      bareLabel: 'Query GSI1, Limit = jobs returned',
      bare: async (doc, body) => {
        const status = String(arrayOf(body.jobs)[0]?.status ?? 'COMPLETED');
        return listPage(layout.byStatus, () => keyValues.statusPk(status))(doc, body);
      },
    },
    {
      name: 'GET /jobs?modelName=',
      targets: models.map((model) => `/jobs?modelName=${model}`),
      bareLabel: 'Query GSI2, Limit = jobs returned',
      bare: async (doc, body) =>
        listPage(layout.byModel, () => keyValues.modelPk(String(arrayOf(body.jobs)[0]?.modelName)))(
          doc,
          body,
        ),
    },
    {
      name: 'GET /jobs/{jobName}?accountId=&region=',
      targets: typical.map((job) => named(`/jobs/${job.jobName}`)),
      bareLabel: 'GetItem of the job',
      bare: async (doc, body) => {
        const job = body.job as Body | undefined;
        const { Item } = await doc.send(
          new GetCommand({ TableName: TABLE_NAME, Key: keys.job(jobKey(String(job?.jobName))) }),
        );
        return Item ? 1 : 0;
      },
    },
    {
      name: 'GET /jobs/{jobName} (bare name)',
      targets: typical.map((job) => `/jobs/${job.jobName}`),
      bareLabel: 'GetItem of the job',
      bare: async (doc, body) => {
        const job = body.job as Body | undefined;
        const { Item } = await doc.send(
          new GetCommand({ TableName: TABLE_NAME, Key: keys.job(jobKey(String(job?.jobName))) }),
        );
        return Item ? 1 : 0;
      },
    },
    {
      name: 'GET /jobs/{jobName}/recommendations (250 recs, accountId=&region=)',
      targets: large.map((job) => named(`/jobs/${job.jobName}/recommendations`)),
      bareLabel: 'Query REC#, Limit = recommendations returned',
      bare: async (doc, body) =>
        pageQuery(
          doc,
          childrenPage(
            String(body.jobName),
            keyValues.recommendationPrefix(HOME),
            arrayOf(body.recommendations).length,
          ),
        ),
    },
    {
      name: 'GET /jobs/{jobName}/recommendations (~20 recs, accountId=&region=)',
      targets: typical.map((job) => named(`/jobs/${job.jobName}/recommendations`)),
      bareLabel: 'Query REC#, Limit = recommendations returned',
      bare: async (doc, body) =>
        pageQuery(
          doc,
          childrenPage(
            String(body.jobName),
            keyValues.recommendationPrefix(HOME),
            arrayOf(body.recommendations).length,
          ),
        ),
    },
    {
      name: 'GET /jobs/{jobName}/recommendations?maxModelLatency=&sortBy=modelLatency (250 recs, accountId=&region=)',
      targets: large.map((job) =>
        named(
          `/jobs/${job.jobName}/recommendations?maxModelLatency=${latencyThreshold}&sortBy=modelLatency`,
        ),
      ),
      bareLabel: 'Query REC#, Limit = recommendations returned',
      bare: async (doc, body) =>
        pageQuery(
          doc,
          childrenPage(
            String(body.jobName),
            keyValues.recommendationPrefix(HOME),
            arrayOf(body.recommendations).length,
          ),
        ),
    },
    {
      name: 'GET /jobs/{jobName}/recommendations (250 recs, bare name)',
      targets: large.map((job) => `/jobs/${job.jobName}/recommendations`),
      bareLabel: 'Query REC#, Limit = recommendations returned',
      bare: async (doc, body) =>
        pageQuery(
          doc,
          childrenPage(
            String(body.jobName),
            keyValues.recommendationPrefix(HOME),
            arrayOf(body.recommendations).length,
          ),
        ),
    },
    {
      name: 'GET /jobs/{jobName}/recommendations (~20 recs, bare name)',
      targets: typical.map((job) => `/jobs/${job.jobName}/recommendations`),
      bareLabel: 'Query REC#, Limit = recommendations returned',
      bare: async (doc, body) =>
        pageQuery(
          doc,
          childrenPage(
            String(body.jobName),
            keyValues.recommendationPrefix(HOME),
            arrayOf(body.recommendations).length,
          ),
        ),
    },
    {
      name: 'GET /jobs/{jobName}/recommendations/{id}',
      targets: typical.map(
        (job) =>
          `/jobs/${job.jobName}/recommendations/${encodeURIComponent(job.firstRecommendationId ?? '')}`,
      ),
      bareLabel: 'GetItem of the recommendation',
      bare: async (doc, body) => {
        const rec = body.recommendation as Body | undefined;
        const { Item } = await doc.send(
          new GetCommand({
            TableName: TABLE_NAME,
            Key: keys.recommendation(jobKey(String(rec?.jobName)), String(rec?.recommendationId)),
          }),
        );
        return Item ? 1 : 0;
      },
    },
    {
      name: 'GET /jobs/{jobName}/benchmarks (256 steps)',
      targets: large.map((job) => `/jobs/${job.jobName}/benchmarks`),
      bareLabel: 'Query STEP#, Limit = steps returned',
      bare: async (doc, body) =>
        pageQuery(
          doc,
          childrenPage(
            String(body.jobName),
            keyValues.stepPrefix(HOME),
            arrayOf(body.benchmarks).length,
          ),
        ),
    },
    {
      name: 'GET /models/{modelName}/jobs',
      targets: models.map((model) => `/models/${model}/jobs`),
      bareLabel: 'Query GSI2, Limit = jobs returned',
      bare: async (doc, body) =>
        listPage(layout.byModel, () => keyValues.modelPk(String(body.modelName)))(doc, body),
    },
    {
      name: 'GET /models/{modelName}/recommendations?best=costPerInference',
      targets: models.map((model) => `/models/${model}/recommendations?best=costPerInference`),
      ...bestBare,
    },
    {
      name: 'GET /models/{modelName}/recommendations?best=costPerInference&maxModelLatency=',
      targets: models.map(
        (model) =>
          `/models/${model}/recommendations?best=costPerInference&maxModelLatency=${latencyThreshold}`,
      ),
      ...bestBare,
    },
    {
      name: 'GET /models/{modelName}/recommendations?best=costPerInference&maxModelLatency= (answer fails)',
      targets: models.map(
        (model) =>
          `/models/${model}/recommendations?best=costPerInference&maxModelLatency=${missThreshold}`,
      ),
      ...bestBare,
    },
    {
      name: 'GET /jobs/{jobName}/plan (~20 recs, accountId=&region=)',
      targets: typical.map((job) => named(`/jobs/${job.jobName}/plan?${PLAN_QUERY}`)),
      bareLabel: 'Query REC#, Limit = entries returned',
      bare: async (doc, body) =>
        pageQuery(
          doc,
          childrenPage(
            String(body.jobName),
            keyValues.recommendationPrefix(HOME),
            arrayOf(body.entries).length,
          ),
        ),
    },
    {
      name: 'GET /jobs/{jobName}/plan (250 recs, bare name)',
      targets: large.map((job) => `/jobs/${job.jobName}/plan?${PLAN_QUERY}`),
      bareLabel: 'Query REC#, Limit = entries returned',
      bare: async (doc, body) =>
        pageQuery(
          doc,
          childrenPage(
            String(body.jobName),
            keyValues.recommendationPrefix(HOME),
            arrayOf(body.entries).length,
          ),
        ),
    },
    {
      name: 'GET /models/{modelName}/plan',
      targets: models.map((model) => `/models/${model}/plan?${PLAN_QUERY}`),
      bareLabel:
        'BatchGetItem of the recommendations of the entries returned (100 keys a call, in parallel)',
      bare: async (doc, body) => recommendationsOf(doc, arrayOf(body.entries)),
    },
    {
      name: 'GET /compare?jobs=a,b',
      targets: typical
        .slice(0, PROBES)
        .map(
          (job, i) => `/compare?jobs=${job.jobName},${typical[(i + 1) % typical.length]?.jobName}`,
        ),
      bareLabel:
        'BatchGetItem of the jobs + one Query REC# per job, Limit = its runs returned, in parallel',
      bare: async (doc, body) => {
        const names = arrayOf(body.jobs).map((job) => String(job.jobName));
        const runs = new Map<string, number>();
        for (const configuration of arrayOf(body.configurations)) {
          for (const run of arrayOf(configuration.runs))
            runs.set(String(run.jobName), (runs.get(String(run.jobName)) ?? 0) + 1);
        }
        const [batch, ...pages] = await Promise.all([
          doc.send(
            new BatchGetCommand({
              RequestItems: { [TABLE_NAME]: { Keys: names.map((name) => keys.job(jobKey(name))) } },
            }),
          ),
          ...names.map((name) =>
            pageQuery(
              doc,
              childrenPage(name, keyValues.recommendationPrefix(HOME), runs.get(name) ?? 1),
            ),
          ),
        ]);
        return (batch.Responses?.[TABLE_NAME]?.length ?? 0) + pages.reduce((a, b) => a + b, 0);
      },
    },
  ];
}

function notAvailable(reason: string): void {
  process.stdout.write(`api: not available (${reason})\n\n`);
  emitSection({ section: 'api', tables: [], data: { available: false, reason } });
}

export async function runApi(): Promise<void> {
  process.env.CURSOR_KEY ??= 'irwatch-bench-cursor-key-0123456789abcdef';
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  const world = await startBenchWorld();
  try {
    const observations: Observation[] = [];
    let api: Awaited<ReturnType<typeof loadApi>>;
    try {
      api = await loadApi(observations);
      const probe = await api.handler(httpEvent('/jobs'), lambdaContext('api'));
      if (probe.statusCode !== 200)
        throw new Error(`GET /jobs answered ${probe.statusCode}: ${probe.body?.slice(0, 200)}`);
    } catch (error) {
      notAvailable((error as Error).message.split('\n')[0] ?? 'unknown error');
      return;
    }

    // A client of its own, as the api's: same endpoint, same marshalling.
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    const seed = await seedTable(
      world,
      doc,
      { jobs: JOBS, recommendations: RECOMMENDATIONS },
      (index) => isLarge(index) && index < 50 * 40,
    );
    const latencies =
      (
        await doc.send(
          new QueryCommand({
            TableName: TABLE_NAME,
            ...childrenPage(jobNameOf(0), keyValues.recommendationPrefix(HOME), 250),
          }),
        )
      ).Items?.map((item) => (item.metrics as { modelLatency: number | null }).modelLatency)
        .filter((value): value is number => typeof value === 'number')
        .sort((a, b) => a - b) ?? [];
    const threshold = latencies[Math.floor(latencies.length / 2)] ?? 100;
    // Below the modelLatency of the probed models' cheapest recommendation (every job holds a
    // prefix of the same sample): a filter the model's answer fails, so the route ranks rows.
    const probe = seed.jobs.find(
      (job) => job.modelName === modelNameOf(3) && job.status === 'COMPLETED',
    );
    const probeRecs =
      (
        await doc.send(
          new QueryCommand({
            TableName: TABLE_NAME,
            ...childrenPage(
              probe?.jobName ?? jobNameOf(3),
              keyValues.recommendationPrefix(HOME),
              250,
            ),
          }),
        )
      ).Items ?? [];
    const cheapest = probeRecs
      .map(
        (item) => item.metrics as { costPerInference: number | null; modelLatency: number | null },
      )
      .filter((metrics) => metrics.costPerInference !== null && metrics.modelLatency !== null)
      .sort((a, b) => a.costPerInference! - b.costPerInference!)[0];
    const missThreshold = Math.max(0, (cheapest?.modelLatency ?? 1) - 1);

    const rows: Cell[][] = [];
    for (const route of routeCases(seed.jobs, threshold, missThreshold)) {
      const handlerTimes: number[] = [];
      const bareTimes: number[] = [];
      const statuses = new Set<number>();
      let read = 0;
      let returned = 0;
      let requests = 0;
      let bareItems = 0;
      let bareFailed = false;
      for (let run = -WARM_UP; run < REQUESTS; run += 1) {
        const target = route.targets[(run + WARM_UP) % route.targets.length] as string;
        observations.length = 0;
        const start = performance.now();
        const result = await api.handler(httpEvent(target), lambdaContext('api'));
        const handlerMs = performance.now() - start;
        const body = JSON.parse(result.body ?? '{}') as Body;
        let bareMs = Number.NaN;
        if (route.bare && result.statusCode === 200) {
          try {
            const bareStart = performance.now();
            const items = await route.bare(doc, body);
            bareMs = performance.now() - bareStart;
            if (run >= 0) bareItems += items;
          } catch {
            bareFailed = true;
          }
        }
        if (run < 0) continue;
        statuses.add(result.statusCode ?? 0);
        handlerTimes.push(handlerMs);
        if (!Number.isNaN(bareMs)) bareTimes.push(bareMs);
        const observation = observations.at(-1);
        if (observation) {
          read += observation.itemsRead;
          returned += observation.itemsReturned;
          requests += observation.requests;
        }
      }
      const handlerMedian = median(handlerTimes);
      const bareMedian = bareTimes.length ? median(bareTimes) : Number.NaN;
      rows.push([
        route.name,
        [...statuses].join(','),
        api.observed ? (requests / REQUESTS).toFixed(1) : 'n/a',
        api.observed ? (read / REQUESTS).toFixed(1) : 'n/a',
        api.observed ? (returned / REQUESTS).toFixed(1) : 'n/a',
        api.observed && returned > 0 ? (read / returned).toFixed(2) : 'n/a',
        ms(handlerMedian),
        ms(percentile(handlerTimes, 99)),
        route.bare && !bareFailed ? ms(bareMedian) : 'n/a',
        route.bare && !bareFailed ? ms(percentile(bareTimes, 99)) : 'n/a',
        route.bare && !bareFailed ? ratio(handlerMedian, bareMedian) : 'n/a',
        route.bare && !bareFailed ? (bareItems / REQUESTS).toFixed(1) : 'n/a',
      ]);
    }
    const stored = seed.jobs.length + seed.recommendations + seed.steps;
    emitSection({
      section: 'api',
      tables: [
        {
          title: `api: reads and handler time at ${seed.jobs.length.toLocaleString('en-US')} jobs and ${seed.recommendations.toLocaleString('en-US')} recommendations in dynalite (${REQUESTS} requests per route)`,
          columns: [
            'route',
            'HTTP status',
            'DynamoDB requests',
            'items read',
            'items returned',
            'read ÷ returned',
            'median ms',
            'p99 ms',
            'bare median ms',
            'bare p99 ms',
            '÷ bare',
            'bare items',
          ],
          rows,
          notes: [
            `- Seeded in ${(seed.ms / 1000).toFixed(1)} s (${stored.toLocaleString('en-US')} items: jobs, recommendations and the ${seed.steps.toLocaleString('en-US')} benchmark steps of the large jobs the benchmarks route reads; ${Math.round(seed.itemsPerSecond).toLocaleString('en-US')} items/s): BatchWriteItem with the item builders of shared/db/items.ts, job records with putJobRecord. Every 50th job has 250 recommendations, the others about 20; statuses 80% COMPLETED, 8% FAILED, 6% STOPPED, 4% IN_PROGRESS, 2% PENDING; 100 jobs per model.`,
            '- items read = what the api reports reading (Query ScannedCount, items found by GetItem/BatchGetItem), per request; read ÷ returned is the read amplification.',
            '- handler: the real api handler invoked in-process with an API Gateway v2 event, warm (5 requests per route first, not counted). bare: the least DynamoDB work that returns the same items, sent right after each answer with a plain DocumentClient: ' +
              routeCases(seed.jobs, threshold, missThreshold)
                .map((route) => `${route.name}: ${route.bareLabel}`)
                .join('; ') +
              '.',
            `- maxModelLatency threshold: ${threshold} (the median modelLatency of the large sample); "answer fails" row: ${missThreshold} (1 below the modelLatency of the cheapest recommendation of the probed models' jobs, so the model's kept answer does not pass and the route ranks the model's rows).`,
          ],
        },
      ],
      data: { rows, seed: { ...seed, jobs: seed.jobs.length } },
    });
  } finally {
    await world.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runApi();
