import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApiWorld } from '../support/api.js';
import { httpEvent } from '../support/http-event.js';
import { anyText, FUZZ_RUNS, FUZZ_TIMEOUT_MS, fuzzParameters, repeated } from '../support/fuzz.js';
import { lambdaContext, sampleJob } from '../support/world.js';

/*
 * HTTP requests to the real api handler over the samples in a local DynamoDB: malformed and
 * hostile paths, path parameters and query strings, forged and foreign cursors, odd methods.
 * Whatever arrives, the answer is a 200 or a 4xx problem+json that says what is wrong, never a
 * 500 and never a thrown error.
 */

const api = useApiWorld();

const XGB_PACKAGE = 'arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3';
const recommendationIds = (
  (sampleJob('bert-qa-advanced').describe.InferenceRecommendations ?? []) as Array<{
    RecommendationId?: string;
  }>
)
  .map((rec) => rec.RecommendationId)
  .filter((id): id is string => typeof id === 'string');

/** Cursors the API really issued, one per listing route; used as they are, tampered or elsewhere. */
const issuedCursors: string[] = [];

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** The real handler, answered as API Gateway would pass it on (any body, not only JSON). */
let send: (target: string, method: string) => Promise<Answer>;

beforeAll(async () => {
  const { createHandler } = await import('../../functions/api/handler.js');
  const { apiDeps } = await import('../../functions/api/deps.js');
  const handler = createHandler(apiDeps) as unknown as (
    event: ReturnType<typeof httpEvent>,
    context: ReturnType<typeof lambdaContext>,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
  send = async (target, method) => {
    const result = await handler(httpEvent(target, { method }), lambdaContext('api'));
    return {
      status: result.statusCode ?? 200,
      headers: (result.headers ?? {}) as Record<string, string>,
      text: typeof result.body === 'string' ? result.body : '',
    };
  };

  for (const target of [
    '/jobs?limit=1',
    '/jobs?status=COMPLETED&limit=2',
    '/jobs/large-sweep-250/recommendations?limit=2',
    '/jobs/large-sweep-250/benchmarks?limit=3',
    `/models/${encodeURIComponent(XGB_PACKAGE)}/jobs?limit=1`,
  ]) {
    const body = await api.get<{ nextCursor?: string | null }>(target);
    if (typeof body.nextCursor === 'string') issuedCursors.push(body.nextCursor);
  }
  expect(issuedCursors.length).toBeGreaterThanOrEqual(3);
});

const PARAMETERS = [
  'status',
  'modelName',
  'createdAfter',
  'limit',
  'cursor',
  'sortBy',
  'order',
  'maxModelLatency',
  'minMaxInvocations',
  'maxCostPerHour',
  'maxCostPerInference',
  'instanceType',
  'endpointType',
  'paretoOnly',
  'best',
  'jobs',
  // The capacity plan's.
  'peakInvocationsPerMinute',
  'baselineInvocationsPerMinute',
  'peakHoursPerDay',
  'targetUtilization',
  'minInstances',
  'latency',
  'source',
  'accountId',
  'region',
];

/** Values near the edge of what each parameter takes, and far past it. */
const edgeValue = fc.constantFrom(
  '',
  ' ',
  '0',
  '-0',
  '1',
  '500',
  '501',
  '-1',
  '1.5',
  '00001',
  '9999999999',
  '1e309',
  '-1e309',
  '1e-400',
  'NaN',
  'Infinity',
  '0x10',
  ' 1',
  '1 ',
  'true',
  'false',
  'TRUE',
  'COMPLETED',
  'completed',
  'asc',
  'desc',
  'RealTime',
  'Serverless',
  'ml.g5',
  'ml.g5.xlarge',
  'ml.',
  'costPerInference',
  'invocationsPerSecond',
  '2024-11-24T00:00:00Z',
  '2024-11-24T00:00:00+14:00',
  '9999-12-31T23:59:59-12:00',
  '0000-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  'xgboost-churn-default,bert-qa-advanced',
  'a,a',
  ',',
  'a,b,c,d,e,f,g,h,i,j,k',
  XGB_PACKAGE,
  '__proto__',
  'constructor',
  '0.1',
  '0.05',
  '24',
  '24.5',
  '1000',
  '1001',
  'flag',
  'exclude',
  'irwatch',
  'sagemaker',
  '111122223333',
  'us-east-1',
);

/** Issued cursors as they are (on any route: a foreign one), tampered, and made up. */
const cursorValue = (issued: string[]) =>
  fc.oneof(
    fc.constantFrom(...issued),
    fc
      .tuple(fc.constantFrom(...issued), fc.nat(), fc.string({ minLength: 1, maxLength: 2 }))
      .map(([cursor, at, text]) => {
        const i = at % cursor.length;
        return `${cursor.slice(0, i)}${text}${cursor.slice(i + 1)}`;
      }),
    fc.constantFrom(...issued).map((cursor) => cursor.slice(0, -3)),
    fc.base64String({ maxLength: 200 }),
    repeated(fc.constantFrom('A', 'z', '9', '-', '_'), 1_000, 5_000),
  );

const queryValue = (issued: string[]) =>
  fc.oneof(
    { arbitrary: edgeValue, weight: 6 },
    { arbitrary: anyText(), weight: 3 },
    { arbitrary: cursorValue(issued), weight: 2 },
    { arbitrary: repeated(anyText(3), 300, 3_000), weight: 1 },
  );

/** encodeURIComponent over the UTF-8 bytes, so a lone surrogate goes out as U+FFFD, as on the wire. */
const percentEncode = (text: string) =>
  [...Buffer.from(text, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** How a value is put in the query string: encoded as a browser would, or raw, or broken. */
const encodeQuery = (value: string, how: number) =>
  how === 0 ? value : how === 1 ? `${percentEncode(value)}%` : percentEncode(value);

const queryString = (issued: string[]) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          { arbitrary: fc.constantFrom(...PARAMETERS), weight: 5 },
          { arbitrary: anyText(12), weight: 1 },
        ),
        queryValue(issued),
        fc.nat(4),
      ),
      { maxLength: 5 },
    )
    .map((pairs) =>
      pairs
        .map(([name, value, how]) => `${percentEncode(name)}=${encodeQuery(value, how)}`)
        .join('&'),
    );

const pathSegment = fc.oneof(
  { arbitrary: fc.constantFrom(...api.jobNames), weight: 6 },
  {
    arbitrary: fc.constantFrom(...recommendationIds.map((id) => encodeURIComponent(id))),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(...recommendationIds.map((id) => id.split('/')[1] ?? id)),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(encodeURIComponent(XGB_PACKAGE), 'bert-base-cased-squad2-pt'),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(
      '',
      '.',
      '..',
      '%',
      '%zz',
      '%E0%A4%A',
      '%2F',
      '%00',
      '%C0%AF',
      '~',
      '*',
      'jobs',
    ),
    weight: 3,
  },
  { arbitrary: anyText().map(percentEncode), weight: 3 },
  { arbitrary: anyText(), weight: 1 },
  // Job names up to and past SageMaker's 64 characters, some past DynamoDB's 2,048-byte key.
  { arbitrary: fc.integer({ min: 0, max: 2_100 }).map((n) => `a${'-'.repeat(n)}b`), weight: 1 },
);

const PATH_TEMPLATES: ReadonlyArray<(segment: string, other: string) => string> = [
  () => '/jobs',
  (s) => `/jobs/${s}`,
  (s) => `/jobs/${s}/recommendations`,
  (s, o) => `/jobs/${s}/recommendations/${o}`,
  (s) => `/jobs/${s}/benchmarks`,
  (s) => `/models/${s}/jobs`,
  (s) => `/models/${s}/recommendations`,
  (s, o) => `/models/${s}/${o}/jobs`,
  (s) => `/jobs/${s}/plan`,
  (s) => `/models/${s}/plan`,
  (s) => `/jobs/${s}/plan?peakInvocationsPerMinute=250`,
  (s) => `/models/${s}/plan?peakInvocationsPerMinute=250`,
  () => '/compare',
  () => '/openapi.json',
  () => '/',
  (s) => `/${s}`,
  (s, o) => `/jobs/${s}/${o}`,
  (s) => `//jobs//${s}/`,
];

const request = (issued: string[]) =>
  fc.record({
    method: fc.oneof(
      { arbitrary: fc.constant('GET'), weight: 12 },
      {
        arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'get'),
        weight: 1,
      },
    ),
    template: fc.nat(PATH_TEMPLATES.length - 1),
    segment: pathSegment,
    other: pathSegment,
    query: fc.option(queryString(issued), { nil: undefined, freq: 3 }),
  });

const STATUSES = [200, 400, 404, 405];
/**
 * A plan with source=sagemaker may also be a 409: the job is not COMPLETED, or no real-time
 * entry serves the traffic. SageMaker (the simulator) answers every other question here.
 */
const PLAN_STATUSES = [...STATUSES, 409];

function expectAnswered(target: string, path: string, answer: Answer): void {
  const where = `${target.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  const isPlan = /\/plan(\?|$)/.test(path) && /source=sagemaker/.test(target);
  expect(isPlan ? PLAN_STATUSES : STATUSES, where).toContain(answer.status);
  const type = answer.headers['content-type'] ?? '';
  if (answer.status === 200) {
    // The dashboard page at GET / (however many slashes, %2F decoded); JSON everywhere else.
    if (type.startsWith('text/html')) expect(httpEvent(path).rawPath, where).toMatch(/^\/+$/);
    else {
      expect(type, where).toMatch(/^application\/json/);
      expect(() => JSON.parse(answer.text) as unknown, where).not.toThrow();
    }
    return;
  }
  expect(type, where).toBe('application/problem+json');
  const problem = JSON.parse(answer.text) as {
    status: number;
    title: string;
    detail: string;
    invalidParams?: Array<{ name: string; in: string; reason: string }>;
  };
  expect(problem.status, where).toBe(answer.status);
  expect(problem.title, where).toEqual(expect.any(String));
  expect(problem.detail.length, where).toBeGreaterThan(0);
  if (answer.status === 400) {
    // Says which parameter is wrong, and why.
    expect(problem.invalidParams?.length, where).toBeGreaterThan(0);
    for (const param of problem.invalidParams ?? []) {
      // The name as sent: `?=x` sends a parameter whose name is empty.
      expect(param.name, where).toEqual(expect.any(String));
      expect(param.reason.length, where).toBeGreaterThan(0);
      // Every rule names itself: zod/mini's own fallback says only this (no locale is loaded).
      expect(param.reason, where).not.toMatch(/Invalid input/);
      expect(['path', 'query'], where).toContain(param.in);
    }
  }
}

describe('fuzz: HTTP requests to the api handler', () => {
  it(
    `answers 200 or a 4xx problem that names the parameter, never a 500 (${FUZZ_RUNS} cases)`,
    async () => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(
          request(issuedCursors),
          async ({ method, template, segment, other, query }) => {
            const path = PATH_TEMPLATES[template]!(segment, other);
            const target =
              query === undefined ? path : `${path}${path.includes('?') ? '&' : '?'}${query}`;
            const answer = await send(target, method);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            expectAnswered(target, path, answer);
          },
        ),
        fuzzParameters(),
      );
      console.log(`api fuzz: answers by status ${JSON.stringify(Object.fromEntries(statuses))}`);
      expect(statuses.get(200)).toBeGreaterThan(0);
      expect(statuses.get(400)).toBeGreaterThan(0);
      expect(statuses.get(404)).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------
// The plan routes: each parameter given a value it does not take, the others valid.

/** Text that is no number at all, as the query string carries it. */
const notANumber = anyText().filter(
  (text) => !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text),
);
const numberText = (values: fc.Arbitrary<number>) => values.map(String);
const outside = (below: number, above: number, options: { orEqual?: boolean } = {}) =>
  fc.oneof(
    notANumber,
    // As the query string says them: -0 is "0", which is not below 0.
    numberText(fc.double({ max: below, noNaN: true })).filter((text) =>
      options.orEqual ? Number(text) <= below : Number(text) < below,
    ),
    numberText(fc.double({ min: above, minExcluded: true, noNaN: true })),
    fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', ''),
  );
const notOneOf = (allowed: string[]) => anyText().filter((text) => !allowed.includes(text));

/** For each plan parameter, values it must refuse (with peakInvocationsPerMinute=250). */
const BAD_PLAN_VALUES: Record<string, fc.Arbitrary<string>> = {
  peakInvocationsPerMinute: outside(0, 1e9, { orEqual: true }),
  // Above the peak of 250 is refused too: the baseline is the traffic outside the peak.
  baselineInvocationsPerMinute: outside(0, 250),
  peakHoursPerDay: outside(0, 24, { orEqual: true }),
  maxModelLatency: outside(0, 3_600_000, { orEqual: true }),
  targetUtilization: outside(0.1, 1),
  minInstances: fc.oneof(
    outside(1, 1000),
    numberText(fc.double({ min: 1, max: 1000, noNaN: true }).filter((n) => !Number.isInteger(n))),
  ),
  endpointType: notOneOf(['RealTime', 'Serverless']),
  latency: notOneOf(['flag', 'exclude']),
  source: notOneOf(['irwatch', 'sagemaker']),
  accountId: anyText().filter((text) => !/^\d{12}$/.test(text)),
  region: anyText().filter((text) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(text)),
};

describe('fuzz: every bad parameter of a plan is a 400 naming it', () => {
  const routes = [
    '/jobs/xgboost-churn-default/plan',
    `/models/${encodeURIComponent(XGB_PACKAGE)}/plan`,
  ];
  it(
    `names the parameter, whichever it is and whatever its value (${FUZZ_RUNS} cases)`,
    async () => {
      const named = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes),
          fc
            .constantFrom(...Object.keys(BAD_PLAN_VALUES))
            .chain((name) => fc.tuple(fc.constant(name), BAD_PLAN_VALUES[name]!)),
          async (route, [name, value]) => {
            const query = new URLSearchParams({ peakInvocationsPerMinute: '250' });
            query.set(name, value);
            const target = `${route}?${query}`;
            const answer = await send(target, 'GET');
            const where = `${target.slice(0, 200)} → ${answer.status} ${answer.text.slice(0, 300)}`;
            expect(answer.status, where).toBe(400);
            expect(answer.headers['content-type'], where).toBe('application/problem+json');
            const problem = JSON.parse(answer.text) as {
              detail: string;
              invalidParams: Array<{ name: string; in: string; reason: string }>;
            };
            expect(
              problem.invalidParams.map((param) => param.name),
              where,
            ).toContain(name);
            expect(problem.detail, where).toContain(name);
            named.set(name, (named.get(name) ?? 0) + 1);
          },
        ),
        fuzzParameters(),
      );
      console.log(
        `plan fuzz: bad values by parameter ${JSON.stringify(Object.fromEntries(named))}`,
      );
      expect([...named.keys()].sort()).toEqual(Object.keys(BAD_PLAN_VALUES).sort());
    },
    FUZZ_TIMEOUT_MS,
  );
});

describe('job names longer than SageMaker allows', () => {
  // SageMaker's JobName is at most 64 characters besides its pattern, which a name of dashes
  // matches at any length. Past ~1,000 characters the key DynamoDB would be asked for is over its
  // limit: without the length check, the answer is a 500 instead of a 400.
  it.each([65, 1_100, 2_100])(
    'a %i-character job name in the path is a 400 naming jobName',
    async (length) => {
      const name = `a${'-'.repeat(length - 2)}b`;
      for (const path of [
        `/jobs/${name}`,
        `/jobs/${name}/recommendations/abcd1234`,
        `/jobs/${name}/benchmarks`,
      ]) {
        const response = await api.request(path);
        expect(response.status, path.slice(0, 60)).toBe(400);
        expect((response.body as { invalidParams: Array<{ name: string }> }).invalidParams).toEqual(
          [expect.objectContaining({ name: 'jobName', in: 'path' })],
        );
      }
    },
  );
});
