import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError, apiGet, localApiUrl } from './api-client.js';
import {
  EventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from '../aws/eventbridge/event-pattern.js';
import { ServerlessConfigError } from '../stack/serverless-config.js';
import { UsageError } from './usage-error.js';
import { WATCH_NOT_FOLLOWED_EXIT } from './watch.js';

const USAGE = `irwatch — watch SageMaker Inference Recommender jobs

Usage:
  irwatch start [--port 3000] [--data-dir .irwatch] [--poll-interval 5] [--reconcile-interval 86400]
                [--webhook URL] [--scenario-speed 1] [--config serverless.yml] [--no-iam] [--verbose]
  irwatch jobs [--status STATUS] [--model NAME] [--account ID] [--region R] [--api-url URL]
  irwatch recs <job|job ARN> [--account ID --region R] [--max-latency MS] [--sort METRIC] [--pareto]
               [--api-url URL]
  irwatch plan <job|job ARN|--model NAME> --peak 250/min [--baseline 80/min] [--peak-hours 10]
               [--max-latency MS] [--api-url URL]
  irwatch dashboard --api-url URL [--port 3001]
  irwatch watch <job|job ARN> [--account ID --region R] [--interval 5] [--api-url URL]
  irwatch backfill [--data-dir .irwatch]
  irwatch replay <event.json> [--data-dir .irwatch]
  irwatch redrive [--data-dir .irwatch] | --stage <stage> [--region R]
  irwatch migrate --stage <stage> [--region R] [--account ID]
  irwatch test-event-pattern --event-pattern <json|@file> --event <json|@file>

Without --api-url, commands talk to the local stack (npm start). With --api-url, to a deployed
API, signing requests with SigV4 from your AWS credentials. \`irwatch dashboard\` serves the
dashboard of a deployed API on 127.0.0.1, forwarding its requests signed the same way (the local
stack serves its own dashboard). \`irwatch <command> --help\` explains a command.`;

type Options = Record<string, string | boolean | undefined>;

const str = (options: Options, name: string): string | undefined => {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
};

async function readJsonArgument(value: string | undefined, name: string): Promise<unknown> {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const text = value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--${name} is not valid JSON: ${(error as Error).message}`);
  }
}

const ENVELOPE_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];

/** Like `aws events test-event-pattern`: the event must carry EventBridge's envelope fields. */
export async function testEventPattern(options: Options): Promise<boolean> {
  const pattern = await readJsonArgument(str(options, 'event-pattern'), 'event-pattern');
  const event = await readJsonArgument(str(options, 'event'), 'event');
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new UsageError('--event must be a JSON object');
  }
  const missing = ENVELOPE_FIELDS.filter((field) => !(field in event));
  if (missing.length > 0) {
    throw new UsageError(`--event lacks the EventBridge field(s): ${missing.join(', ')}`);
  }
  return matchesEventPattern(parseEventPattern(pattern), event);
}

function table(rows: Array<Record<string, unknown>>, columns: Array<[string, string]>): string {
  const cells = rows.map((row) => columns.map(([key]) => format(row[key])));
  const widths = columns.map(([, title], i) =>
    Math.max(title.length, ...cells.map((cell) => cell[i]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map(([, title]) => title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

function format(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    return Math.abs(value) < 0.001 ? value.toExponential(3) : value.toFixed(4).replace(/0+$/, '');
  }
  if (typeof value === 'boolean') return value ? 'yes' : '';
  return String(value);
}

const listOf = (body: unknown, key: 'jobs' | 'recommendations'): Array<Record<string, unknown>> =>
  ((body as Record<string, unknown[] | undefined>)[key] ?? []) as Array<Record<string, unknown>>;

async function api(options: Options, path: string): Promise<unknown> {
  const apiUrl = str(options, 'api-url');
  return apiGet(apiUrl ?? localApiUrl(resolve(str(options, 'data-dir') ?? '.irwatch')), path, {
    signed: apiUrl !== undefined,
  });
}

async function listJobs(options: Options): Promise<string> {
  const query = new URLSearchParams();
  const status = str(options, 'status');
  const model = str(options, 'model');
  if (status) query.set('status', status.toUpperCase());
  if (model) query.set('modelName', model);
  setLocation(query, options);
  const body = await api(options, `jobs${query.size ? `?${query}` : ''}`);
  const rows = listOf(body, 'jobs');
  if (rows.length === 0) return 'No jobs.';
  return table(rows, [
    ['jobName', 'JOB'],
    ['accountId', 'ACCOUNT'],
    ['region', 'REGION'],
    ['status', 'STATUS'],
    ['jobType', 'TYPE'],
    ['modelName', 'MODEL'],
    ['creationTime', 'CREATED'],
    ['recommendationCount', 'RECS'],
    ['failedBenchmarkCount', 'FAILED BENCHMARKS'],
  ]);
}

/** --account and --region: which account's and region's jobs (a job name is unique only there). */
function setLocation(query: URLSearchParams, options: Options): void {
  const account = str(options, 'account');
  const region = str(options, 'region');
  if (account) query.set('accountId', account);
  if (region) query.set('region', region);
}

async function listRecommendations(job: string | undefined, options: Options): Promise<string> {
  if (!job) throw new UsageError('recs needs a job name or ARN: irwatch recs <job>');
  const query = new URLSearchParams();
  setLocation(query, options);
  const maxLatency = str(options, 'max-latency');
  if (maxLatency) query.set('maxModelLatency', maxLatency);
  query.set('sortBy', str(options, 'sort') ?? 'costPerInference');
  if (options.pareto) query.set('paretoOnly', 'true');
  query.set('limit', '500');
  const body = await api(options, `jobs/${encodeURIComponent(job)}/recommendations?${query}`);
  const { jobName, accountId, region } = body as Record<string, string>;
  const caption = `Job ${jobName} in account ${accountId}, ${region}`;
  const rows = listOf(body, 'recommendations').map((rec) => {
    const metrics = (rec.metrics ?? {}) as Record<string, unknown>;
    const serverless = rec.serverless as { memorySizeInMB?: number } | null;
    return {
      id: String(rec.recommendationId).split('/').pop(),
      config: serverless
        ? `serverless ${serverless.memorySizeInMB} MB`
        : `${rec.instanceType} x${rec.initialInstanceCount ?? 1}`,
      ...metrics,
      pareto: (rec.derived as { paretoOptimal?: boolean } | undefined)?.paretoOptimal,
    };
  });
  const running = (body as { runningJob?: { note?: string } | null }).runningJob;
  if (rows.length === 0 && running?.note) return `${caption}: ${running.note}`;
  if (rows.length === 0) return `${caption}: no recommendations match.`;
  return `${caption}\n\n${table(rows, [
    ['id', 'ID'],
    ['config', 'CONFIGURATION'],
    ['costPerHour', '$/HOUR'],
    ['costPerInference', '$/INFERENCE'],
    ['modelLatency', 'LATENCY ms'],
    ['maxInvocations', 'MAX INV/min'],
    ['cpuUtilization', 'CPU %'],
    ['memoryUtilization', 'MEM %'],
    ['pareto', 'PARETO'],
  ])}`;
}

async function runWatch(job: string | undefined, options: Options): Promise<number> {
  if (!job) throw new UsageError('watch needs a job name or ARN: irwatch watch <job>');
  const { watchJob } = await import('./watch.js');
  const query = new URLSearchParams();
  setLocation(query, options);
  const path = `jobs/${encodeURIComponent(job)}${query.size ? `?${query}` : ''}`;
  const intervalMs = Number(str(options, 'interval') ?? '5') * 1000;
  return watchJob({
    async fetchJob() {
      try {
        return ((await api(options, path)) as { job: never }).job;
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }
    },
    isPassing: (error) =>
      error instanceof ApiError &&
      (error.status === 0 || error.status === 429 || error.status >= 500),
    wait: () => new Promise((resolve) => setTimeout(resolve, intervalMs)),
    now: () => new Date(),
    out: process.stdout,
  });
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

const DATA_DIR: Record<string, OptionSpec> = { 'data-dir': { type: 'string' } };
const API: Record<string, OptionSpec> = { 'api-url': { type: 'string' }, ...DATA_DIR };
const LOCATION: Record<string, OptionSpec> = {
  account: { type: 'string' },
  region: { type: 'string' },
};

/** Each command's usage and the only options it takes: any other is an error, not ignored. */
export const COMMANDS: Record<string, { usage: string; options: Record<string, OptionSpec> }> = {
  start: {
    usage: `irwatch start [--port 3000] [--data-dir .irwatch] [--poll-interval 5] [--reconcile-interval 86400]
              [--retry-delay 1] [--webhook URL] [--scenario-speed 1] [--config serverless.yml]
              [--no-iam] [--verbose]

Runs irwatch on this machine: DynamoDB, a SageMaker simulator (or AWS_ENDPOINT_URL_SAGEMAKER),
the irwatch bus, SNS as an outbox, the detector every --poll-interval seconds, a reconciliation at
start-up and every --reconcile-interval seconds, and the API and dashboard on --port. A failed
delivery is retried after --retry-delay seconds, then twice that (Lambda waits about 60).
Every call a function makes is evaluated against its role in serverless.yml, as in AWS;
--no-iam allows every signed call instead, for debugging.`,
    options: {
      port: { type: 'string' },
      ...DATA_DIR,
      'poll-interval': { type: 'string' },
      'reconcile-interval': { type: 'string' },
      'retry-delay': { type: 'string' },
      'scenario-speed': { type: 'string' },
      config: { type: 'string' },
      webhook: { type: 'string' },
      'no-iam': { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
  },
  jobs: {
    usage: `irwatch jobs [--status STATUS] [--model NAME] [--account ID] [--region R] [--api-url URL]
             [--data-dir .irwatch]

Lists jobs as a table, newest first, with the account and region each runs in: of the local
stack, or of a deployed API (--api-url, signed with your AWS credentials). --account and --region
keep only the jobs of that account, of that region.`,
    options: { status: { type: 'string' }, model: { type: 'string' }, ...LOCATION, ...API },
  },
  recs: {
    usage: `irwatch recs <job|job ARN> [--account ID --region R] [--max-latency MS] [--sort METRIC]
             [--pareto] [--api-url URL] [--data-dir .irwatch]

Lists a job's recommendations as a table, cheapest per inference first unless --sort says otherwise.
A job name recorded in more than one account or region needs --account and --region, or the
job's ARN: alone, it is refused with the list of matches.`,
    options: {
      ...LOCATION,
      'max-latency': { type: 'string' },
      sort: { type: 'string' },
      pareto: { type: 'boolean' },
      ...API,
    },
  },
  plan: {
    usage: `irwatch plan <job|job ARN> --peak RATE [--baseline RATE] [--peak-hours H] [--max-latency MS]
             [--target-utilization 0.7] [--min-instances 1] [--endpoint-type RealTime|Serverless]
             [--exclude-over-latency] [--sagemaker] [--account ID --region R] [--api-url URL]
             [--data-dir .irwatch]
irwatch plan --model NAME|PACKAGE-ARN --peak RATE [same options]

Ranks a job's configurations (or, with --model, those of the model's newest jobs) by what they
cost a month at your traffic: instances at the peak and at the baseline, $/month with scaling
between them, $/million inferences, and whether --max-latency holds. A RATE is 250/min, 4/s or
15000/h (a bare number is per minute); --baseline defaults to the peak, --peak-hours (hours a day
at the peak) to 24. The API's answer also holds, per configuration, the create-endpoint-config,
register-scalable-target and put-scaling-policy inputs (GET /jobs/<job>/plan). --sagemaker also
asks SageMaker's GetScalingConfigurationRecommendation about the first-ranked real-time entry at the
same traffic and prints its policy next to irwatch's.`,
    options: {
      model: { type: 'string' },
      peak: { type: 'string' },
      baseline: { type: 'string' },
      'peak-hours': { type: 'string' },
      'max-latency': { type: 'string' },
      'target-utilization': { type: 'string' },
      'min-instances': { type: 'string' },
      'endpoint-type': { type: 'string' },
      'exclude-over-latency': { type: 'boolean' },
      sagemaker: { type: 'boolean' },
      ...LOCATION,
      ...API,
    },
  },
  watch: {
    usage: `irwatch watch <job|job ARN> [--account ID --region R] [--interval 5] [--api-url URL]
              [--data-dir .irwatch]

Follows a job until it ends: a progress bar with its benchmarks' counts and ETA on a terminal, one
line per change otherwise; then prints its summary and exits 0 if it COMPLETED, 1 if it FAILED (or
was deleted), 2 if it was STOPPED, and 3 if it could not follow the job (a bad option, no AWS
credentials, the API refused the signed request or stayed unreachable, the job never recorded).
Reads the job every --interval seconds. With --api-url, reads a deployed API, signing with SigV4
from your AWS credentials (the caller needs execute-api:Invoke on the API).`,
    options: { ...LOCATION, interval: { type: 'string' }, ...API },
  },
  dashboard: {
    usage: `irwatch dashboard --api-url URL [--port 3001]

Serves the dashboard of a deployed API on 127.0.0.1, forwarding its requests signed with your AWS
credentials (the local stack serves its own dashboard).`,
    options: { 'api-url': { type: 'string' }, port: { type: 'string' } },
  },
  backfill: {
    usage: `irwatch backfill [--data-dir .irwatch]

Runs detect over all of history against the running local stack: every job whose stored record is
missing, older than SageMaker's or in another status gets a state change. Deployed:
npx osls invoke -f detect --stage STAGE --data '{"backfill":true}'`,
    options: { ...DATA_DIR },
  },
  replay: {
    usage: `irwatch replay <event.json> [--data-dir .irwatch] [--config serverless.yml]

Puts an event on the local irwatch bus and says which rule takes it.`,
    options: { ...DATA_DIR, config: { type: 'string' } },
  },
  redrive: {
    usage: `irwatch redrive [--data-dir .irwatch]
irwatch redrive --stage STAGE [--region REGION]

Puts the local dead letters back on the bus, or (--stage) a deployed stage's dead-letter queues.`,
    options: { ...DATA_DIR, stage: { type: 'string' }, region: { type: 'string' } },
  },
  migrate: {
    usage: `irwatch migrate --stage STAGE [--region REGION] [--account ID]

Keys the jobs of a deployed stage's table by account and region, as this version stores them
(the local stack does this itself at start). Run it once after deploying this version over one
that keyed jobs by name alone; running it again changes nothing. Each job's account and region
come from its ARN; --account (with --region) places the few stored without one.`,
    options: { stage: { type: 'string' }, region: { type: 'string' }, account: { type: 'string' } },
  },
  'test-event-pattern': {
    usage: `irwatch test-event-pattern --event-pattern <json|@file> --event <json|@file>

Prints true or false, like aws events test-event-pattern.`,
    options: { 'event-pattern': { type: 'string' }, event: { type: 'string' } },
  },
};

const HELP_FLAGS = new Set(['--help', '-h']);

/** An empty value is never what was meant: `--port ""` or `--webhook=` is refused, not defaulted. */
function refuseEmpty(options: Options): void {
  for (const [name, value] of Object.entries(options)) {
    if (value === '') throw new UsageError(`--${name} is empty: give it a value or leave it out`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || HELP_FLAGS.has(command)) {
    console.log(USAGE);
    return 0;
  }
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`Unknown command "${command}"\n\n${USAGE}`);
  // Help before anything else: no parsing, no validation, nothing created or started.
  if (rest.some((arg) => HELP_FLAGS.has(arg))) {
    console.log(`Usage: ${spec.usage}`);
    return 0;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: spec.options });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw new UsageError(
        `irwatch ${command} takes no option ${option}: \`irwatch ${command} --help\` lists its options`,
      );
    }
    if (code?.startsWith('ERR_PARSE_ARGS_')) {
      // Node explains over several lines; one is enough, with where to look.
      throw new UsageError(`${message.split('\n')[0]} (\`irwatch ${command} --help\`)`);
    }
    throw error;
  }
  const { values, positionals } = parsed;
  const options = values as Options;
  refuseEmpty(options);
  const { validateOptions } = await import('./options.js');
  validateOptions(command, options);
  switch (command) {
    case 'start': {
      const { runStart } = await import('./commands.js');
      return runStart(options);
    }
    case 'jobs':
      console.log(await listJobs(options));
      return 0;
    case 'recs':
      console.log(await listRecommendations(positionals[0], options));
      return 0;
    case 'plan': {
      const { runPlan } = await import('./plan-command.js');
      const get = (path: string) => api(options, path);
      console.log(await runPlan(positionals[0], options, { get, table }));
      return 0;
    }
    case 'watch':
      return runWatch(positionals[0], options);
    case 'dashboard': {
      const { runDashboard } = await import('./dashboard-proxy.js');
      return runDashboard(options);
    }
    case 'backfill': {
      const { runBackfill } = await import('./commands.js');
      return runBackfill(options);
    }
    case 'replay': {
      const { runReplay } = await import('./commands.js');
      return runReplay(positionals[0], options);
    }
    case 'redrive': {
      const { runRedrive } = await import('./commands.js');
      return runRedrive(options);
    }
    case 'migrate': {
      const { runMigrate } = await import('./commands.js');
      return runMigrate(options);
    }
    default:
      console.log(String(await testEventPattern(options)));
      return 0;
  }
}

/** The AWS SDK's own words for missing credentials or region, with the fix; else a bug's stack. */
function explain(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return `No AWS credentials found (${message}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login`;
  }
  if (/Region is missing/i.test(message)) {
    return 'No AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or pass --region';
  }
  return (error as Error).stack ?? message;
}

/** One clear line and a non-zero exit for what a user can fix; a stack trace only for bugs. */
export async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    const known =
      error instanceof UsageError ||
      error instanceof ApiError ||
      error instanceof EventPatternError ||
      error instanceof ServerlessConfigError ||
      (error instanceof Error &&
        [
          'StackStartError',
          'ConfigError',
          'DataDirError',
          'CorruptDataError',
          'CorruptJournalError',
          'DashboardProxyError',
          'JobNeverRecordedError',
          'ERR_PARSE_ARGS_UNKNOWN_OPTION',
          'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
          'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
        ].some((name) => error.name === name || (error as NodeJS.ErrnoException).code === name));
    console.error(`irwatch: ${known ? (error as Error).message : explain(error)}`);
    // A watch that failed must not read as a FAILED job (exit 1) to the pipeline waiting on it.
    process.exitCode = argv[0] === 'watch' ? WATCH_NOT_FOLLOWED_EXIT : 1;
  }
}
