import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CursorCodec } from '../../functions/api/cursor.js';
import { problemSchema } from '../../functions/api/responses.js';
import { SORT_FIELDS } from '../../functions/api/schemas.js';
import { JOB_STATUSES } from '../../shared/events.js';
import { TEST_CURSOR_KEY, useApiWorld } from '../support/api.js';

/**
 * 1,000 random malformed requests against the real handler: every one must be a 4xx
 * application/problem+json that names what is wrong, and none a 500.
 */

const api = useApiWorld();

const JOB = 'large-sweep-250';
const MODEL = 'arn:aws:sagemaker:us-east-1:111122223333:model-package/xgboost-churn/3';
const codec = new CursorCodec(Buffer.from(TEST_CURSOR_KEY));

type Kind =
  | 'number'
  | 'limit'
  | 'status'
  | 'sortBy'
  | 'order'
  | 'endpointType'
  | 'best'
  | 'bool'
  | 'datetime'
  | 'instanceType'
  | 'jobs'
  | 'cursor'
  | 'modelName';

interface Template {
  route: string;
  path: (parts: PathParts) => string;
  params: Record<string, Kind>;
  required?: string[];
}
interface PathParts {
  job: string;
  id: string;
  model: string;
}

const FILTERS: Record<string, Kind> = {
  maxModelLatency: 'number',
  minMaxInvocations: 'number',
  maxCostPerHour: 'number',
  maxCostPerInference: 'number',
  instanceType: 'instanceType',
  endpointType: 'endpointType',
  paretoOnly: 'bool',
};

const TEMPLATES: Template[] = [
  {
    route: 'listJobs',
    path: () => '/jobs',
    params: {
      status: 'status',
      modelName: 'modelName',
      createdAfter: 'datetime',
      limit: 'limit',
      cursor: 'cursor',
    },
  },
  { route: 'getJob', path: (p) => `/jobs/${p.job}`, params: {} },
  {
    route: 'listRecommendations',
    path: (p) => `/jobs/${p.job}/recommendations`,
    params: { sortBy: 'sortBy', order: 'order', ...FILTERS, limit: 'limit', cursor: 'cursor' },
  },
  { route: 'getRecommendation', path: (p) => `/jobs/${p.job}/recommendations/${p.id}`, params: {} },
  {
    route: 'listBenchmarks',
    path: (p) => `/jobs/${p.job}/benchmarks`,
    params: { limit: 'limit', cursor: 'cursor' },
  },
  {
    route: 'listModelJobs',
    path: (p) => `/models/${p.model}/jobs`,
    params: { status: 'status', createdAfter: 'datetime', limit: 'limit', cursor: 'cursor' },
  },
  {
    route: 'bestModelRecommendation',
    path: (p) => `/models/${p.model}/recommendations`,
    params: { best: 'best', ...FILTERS },
  },
  { route: 'compareJobs', path: () => '/compare', params: { jobs: 'jobs' }, required: ['jobs'] },
  { route: 'openApi', path: () => '/openapi.json', params: {} },
];

const ENUMS: Partial<Record<Kind, readonly string[]>> = {
  status: JOB_STATUSES,
  sortBy: SORT_FIELDS,
  order: ['asc', 'desc'],
  endpointType: ['RealTime', 'Serverless'],
  best: ['costPerInference', 'modelLatency', 'maxInvocations'],
};

const INJECTIONS = [
  "' OR '1'='1",
  '"; DROP TABLE jobs; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '../../etc/passwd',
  '{"$ne": null}',
  '\u0000',
  '\r\nX-Injected: 1',
  '#PK',
  'JOB#xgboost-churn-default',
  'REC#',
  '%s%s%s%n',
];

const unicode = fc.string({ unit: 'grapheme', minLength: 0, maxLength: 24 });
/** Any text plus a suffix the kind never accepts: guaranteed invalid, whatever came before. */
const garbage = (suffix: string) =>
  fc.oneof(unicode, fc.constantFrom(...INJECTIONS)).map((text) => `${text}${suffix}`);

let realCursors: Array<{ route: string; cursor: string }> = [];

function validValue(kind: Kind): fc.Arbitrary<string> {
  switch (kind) {
    case 'number':
      return fc.constantFrom('0', '5', '200', '0.5', '1e-6', '3300');
    case 'limit':
      return fc.integer({ min: 1, max: 500 }).map(String);
    case 'bool':
      return fc.constantFrom('true', 'false');
    case 'datetime':
      return fc.constantFrom('2024-11-24T00:00:00Z', '2024-11-25T12:30:00.000+02:00');
    case 'instanceType':
      return fc.constantFrom('ml.g5', 'ml.c5.xlarge', 'ml.inf2');
    case 'jobs':
      return fc.constantFrom('xgboost-churn-default', 'xgboost-churn-default,resnet-serverless');
    case 'modelName':
      return fc.constantFrom(MODEL, 'bert-base-cased-squad2-pt');
    case 'cursor':
      return fc.constant('');
    default:
      return fc.constantFrom(...ENUMS[kind]!);
  }
}

function invalidValue(kind: Kind, route: string): fc.Arbitrary<string> {
  switch (kind) {
    case 'number':
      return fc.oneof(
        fc.constantFrom(
          'abc',
          '1e999',
          '-1e999',
          'NaN',
          'Infinity',
          '-Infinity',
          '0x10',
          '1,5',
          '',
          ' ',
          '１２',
          '1_000',
          '--1',
          '1e',
          '.',
          '+-1',
          '5 ',
        ),
        garbage('x'),
      );
    case 'limit':
      return fc.oneof(
        fc.constantFrom(
          '0',
          '-1',
          '501',
          '1000000',
          '1e3',
          '1.5',
          '99999999999999999999',
          '',
          'ten',
          '５0',
          ' 5',
          'NaN',
        ),
        fc.integer({ min: 501, max: Number.MAX_SAFE_INTEGER }).map(String),
        garbage('x'),
      );
    case 'bool':
      return fc.oneof(fc.constantFrom('TRUE', 'True', '1', '0', 'yes', '', 'true '), garbage('?'));
    case 'datetime':
      return fc.oneof(
        fc.constantFrom(
          'yesterday',
          '2024-13-01T00:00:00Z',
          '2024-02-30T00:00:00Z',
          '1732459200',
          '2024-11-24',
          '',
          '2024-11-24T25:00:00Z',
          '+275760-09-13T00:00:00Z',
          // Valid as written, past the year 9999 once in UTC.
          '9999-12-31T23:59:59-12:00',
        ),
        garbage('x'),
      );
    case 'instanceType':
      return fc.oneof(
        fc.constantFrom(
          'ML.G5',
          'g5.xlarge',
          'ml.',
          'ml..x',
          'ml.g5.xlarge.extra',
          '',
          'ml',
          'ml.g5*',
        ),
        garbage('Q'),
      );
    case 'jobs':
      return fc.oneof(
        fc.constantFrom(
          '',
          ',',
          'a,,b',
          'a,a',
          '-bad',
          Array.from({ length: 11 }, (_, i) => `job-${i}`).join(','),
          'x'.repeat(65),
        ),
        garbage('_'),
      );
    case 'modelName':
      return fc.oneof(
        fc.constantFrom('', 'not a model', 'arn:aws:s3:::bucket', '-x'),
        garbage(' '),
      );
    case 'cursor': {
      const fromElsewhere = realCursors.filter((c) => c.route !== route).map((c) => c.cursor);
      return fc.oneof(
        fc.string({
          unit: fc.constantFrom(
            ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.',
          ),
          maxLength: 120,
        }),
        fc.constantFrom(...fromElsewhere),
        // One character of a real cursor changed.
        fc
          .tuple(
            fc.constantFrom(...realCursors.map((c) => c.cursor)),
            fc.nat(),
            fc.constantFrom(...'AZaz09-_'),
          )
          .map(([cursor, at, char]) => {
            const index = at % cursor.length;
            const replaced = cursor[index] === char ? (char === 'A' ? 'B' : 'A') : char;
            return `${cursor.slice(0, index)}${replaced}${cursor.slice(index + 1)}`;
          }),
        // Validly signed, for another route or another query.
        fc
          .tuple(fc.string(), fc.jsonValue())
          .map(([fingerprint, position]) =>
            codec.encode(
              { route: route === 'listJobs' ? 'listBenchmarks' : 'listJobs', fingerprint },
              position,
            ),
          ),
        fc
          .tuple(fc.string(), fc.jsonValue())
          .map(([fingerprint, position]) => codec.encode({ route, fingerprint }, position)),
        fc.constantFrom('', '.', 'a.b', 'x'.repeat(5000)),
        unicode.map((text) => `${text}\u00e9`),
      );
    }
    default: {
      const values = ENUMS[kind]!;
      return fc.oneof(
        fc
          .constantFrom(...values)
          .map((v) => (v.toLowerCase() === v ? v.toUpperCase() : v.toLowerCase())),
        fc.constantFrom(...values).map((v) => `${v} `),
        fc.constant(''),
        garbage('Z'),
      );
    }
  }
}

const encode = (text: string) => encodeURIComponent(text);
const PLACEHOLDER: PathParts = { job: 'x', id: 'y', model: 'z' };

interface Malformed {
  target: string;
  method: string;
  why: string;
}

function malformedRequest(): fc.Arbitrary<Malformed> {
  return fc.constantFrom(...TEMPLATES).chain((template) => {
    const names = Object.keys(template.params);
    const corruption = fc.constantFrom(
      ...(names.length ? (['bad-value', 'bad-value', 'bad-value', 'repeated'] as const) : []),
      'unknown-param',
      ...(template.path(PLACEHOLDER) !== template.path({ job: 'j', id: 'i', model: 'm' })
        ? (['bad-path'] as const)
        : []),
      'unknown-path',
      'method',
      ...(template.required ? (['missing-required'] as const) : []),
      'malformed-escape',
    );
    const fillers = fc
      .subarray(names)
      .chain((chosen) =>
        fc.tuple(
          ...chosen
            .filter((n) => template.params[n] !== 'cursor')
            .map((n) => validValue(template.params[n]!).map((v) => [n, v] as const)),
        ),
      );
    return fc
      .tuple(corruption, fillers, fc.constantFrom(...(names.length ? names : ['-'])))
      .chain(([kind, filled, target]) => {
        const params = new Map<string, string>(filled);
        for (const required of template.required ?? [])
          if (!params.has(required)) params.set(required, 'xgboost-churn-default');
        const parts: PathParts = { job: JOB, id: 'k3v9x2qa', model: encode(MODEL) };
        const build = (extra: string[] = [], method = 'GET', path = template.path(parts)) => {
          const query = [
            ...[...params].map(([n, v]) => `${encode(n)}=${encode(v)}`),
            ...extra,
          ].join('&');
          return { target: query ? `${path}?${query}` : path, method };
        };
        switch (kind) {
          case 'bad-value':
            return invalidValue(template.params[target]!, template.route).map((value) => {
              params.set(target, value);
              return { ...build(), why: `${target}=${JSON.stringify(value)}` };
            });
          case 'repeated':
            return validValue(template.params[target]!).map((value) => ({
              ...build(
                Array<string>(params.has(target) ? 1 : 2).fill(
                  `${encode(target)}=${encode(value)}`,
                ),
              ),
              why: `${target} twice`,
            }));
          case 'unknown-param':
            return fc
              .oneof(
                unicode,
                fc.constantFrom(...INJECTIONS),
                fc.constantFrom('Limit', 'STATUS', 'sort_by', 'page', 'offset'),
              )
              .map((name) => ({
                ...build([`${encode(`x-${name}`)}=1`]),
                why: `unknown x-${name}`,
              }));
          case 'missing-required':
            params.delete('jobs');
            return fc.constant({ ...build(), why: 'no jobs' });
          case 'method':
            return fc
              .constantFrom('POST', 'PUT', 'DELETE', 'PATCH')
              .map((method) => ({ ...build([], method), why: method }));
          case 'unknown-path':
            return fc
              .constantFrom(
                '/jobz',
                `/jobs/${JOB}/recommendationz`,
                '/jobs/a/b/c/d/e',
                '/models',
                '/models/x',
                '/compare/x',
                '/openapi.yaml',
                '/../etc/passwd',
              )
              .map((path) => ({
                ...build([], 'GET', path),
                why: `path ${path}`,
              }));
          case 'malformed-escape':
            return fc.constantFrom('%', '%E0%A4%A', '%ZZ', '%C0%AF').map((raw) => ({
              ...build([`x-raw=${raw}`]),
              why: `escape ${raw}`,
            }));
          case 'bad-path':
          default: {
            const badJob = fc.oneof(
              fc.constantFrom(
                '-x',
                'a_b',
                'x'.repeat(65),
                'jöb',
                '..',
                "' OR 1=1 --",
                '<script>',
                'no-such-job',
                'a--',
                ' ',
              ),
              unicode.map((text) => `${text}!`),
            );
            const badId = fc.oneof(
              fc.constantFrom(
                'zzzzzzzz',
                `${JOB}%2Fzzzzzzzz`,
                '%00',
                'x'.repeat(600),
                'other-job%2Fk3v9x2qa',
              ),
              unicode.map((t) => encode(`${t}\u0007`)),
            );
            const badModel = fc.oneof(
              fc.constantFrom('no-such-model', 'not%20a%20model', 'arn%3Aaws%3As3%3A%3A%3Ab', '-m'),
              unicode.map((t) => encode(`${t} `)),
            );
            return fc.tuple(badJob, badId, badModel).map(([job, id, model]) => ({
              ...build([], 'GET', template.path({ job: encode(job), id, model })),
              why: `path ${job} ${id} ${model}`,
            }));
          }
        }
      });
  });
}

beforeAll(async () => {
  const issue = async (route: string, target: string) => {
    const body = await api.get<{ nextCursor: string }>(target);
    realCursors.push({ route, cursor: body.nextCursor });
  };
  await issue('listJobs', '/jobs?limit=1');
  await issue('listJobs', '/jobs?status=COMPLETED&limit=1');
  await issue('listRecommendations', `/jobs/${JOB}/recommendations?limit=1`);
  await issue('listBenchmarks', `/jobs/${JOB}/benchmarks?limit=1`);
  realCursors = realCursors.filter((c) => typeof c.cursor === 'string');
  expect(realCursors).toHaveLength(4);
});

describe('1,000 malformed requests', () => {
  it('each gets a 4xx problem+json naming the fault, never a 500', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(malformedRequest(), async ({ target, method, why }) => {
        const response = await api.request(target, { method });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, `${method} ${target} (${why})`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${method} ${target} (${why})`).toBeLessThan(500);
        expect(response.headers['content-type']).toBe('application/problem+json');
        const problem = problemSchema.parse(response.body);
        expect(problem.status).toBe(response.status);
        expect(problem.correlationId).toBeTruthy();
        expect(problem.detail).not.toMatch(/\.ts:\d+|\n\s+at |ValidationException|DynamoDB|Error:/);
        if (response.status === 400) {
          expect(problem.invalidParams?.length).toBeGreaterThan(0);
          for (const param of problem.invalidParams!) {
            expect(param.reason.length).toBeGreaterThan(5);
            // Every rule names itself (no zod locale in the api): never zod's bare fallback.
            expect(param.reason).not.toMatch(/Invalid input/);
          }
        }
      }),
      { numRuns: 1000 },
    );
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(1000);
    // The mix is broad: mostly 400s, with 404s (unknown things) and 405s (other methods).
    expect(statuses.get(400)).toBeGreaterThan(500);
    expect(statuses.get(404)).toBeGreaterThan(20);
    expect(statuses.get(405)).toBeGreaterThan(20);
  });
});
