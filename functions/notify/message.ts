import type { BestEntry, RecordedDetail, TerminalStatus } from '../../shared/events.js';
import type {
  BenchmarkStep,
  EnvironmentParameter,
  Metrics,
  Recommendation,
} from '../../shared/model/types.js';
import {
  configurationLabel,
  type DeployableConfiguration,
} from '../../shared/model/configuration-label.js';

/** What a notification is rendered from: the Recorded detail and the job's stored children. */
export interface NotificationInput {
  detail: RecordedDetail & { status: TerminalStatus };
  recommendations: readonly Recommendation[];
  steps: readonly BenchmarkStep[];
}

/** An SNS Publish with `MessageStructure: 'json'`, ready to send. */
export interface RenderedNotification {
  subject: string;
  /** The JSON object of per-protocol messages, serialized. */
  message: string;
  /** String message attributes for subscription filter policies. */
  attributes: Record<string, string>;
  /** Bytes SNS counts against its limit: the message plus every attribute's name, type and value. */
  size: number;
}

/** SNS refuses a Publish whose message and attributes exceed 256 KiB. */
export const SNS_MESSAGE_LIMIT = 262_144;
/** SNS subjects: printable ASCII, under 100 characters. */
export const SUBJECT_MAX_LENGTH = 99;

/** How much of each list the text shows; tightened step by step until the message fits. */
export interface ListLimits {
  recommendations: number;
  unfinishedSteps: number;
  completedSteps: number;
  /** Characters of one benchmark's failure reason. SageMaker's own are at most 1,024. */
  reasonLength: number;
}

export const LIST_LIMITS: readonly ListLimits[] = [
  { recommendations: 5, unfinishedSteps: 10, completedSteps: 5, reasonLength: 4_000 },
  { recommendations: 5, unfinishedSteps: 5, completedSteps: 3, reasonLength: 1_000 },
  { recommendations: 3, unfinishedSteps: 3, completedSteps: 1, reasonLength: 300 },
  { recommendations: 0, unfinishedSteps: 0, completedSteps: 0, reasonLength: 0 },
];

export class NotificationTooLargeError extends Error {
  override name = 'NotificationTooLargeError';
}

// ---------------------------------------------------------------------------------------------
// Numbers and labels.

/** Digits grouped by thousands, without depending on the runtime's locale data. */
export function formatCount(value: number): string {
  const [whole = '', fraction] = String(Math.round(value * 100) / 100).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction ? `${grouped}.${fraction}` : grouped;
}

/**
 * US dollars with `significant` significant digits, never in exponent notation: costs per
 * inference are around a millionth of a dollar, and `5.15e-7` is not something people read.
 */
export function formatDollars(value: number, significant: number): string {
  if (value === 0) return '$0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.min(20, Math.max(0, significant - 1 - magnitude));
  const fixed = value.toFixed(decimals);
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return `$${trimmed}`;
}

/** The label with the serverless settings a person deploying it needs to know. */
const detailedLabel = (endpoint: DeployableConfiguration) =>
  configurationLabel(endpoint, { concurrency: true });

type MetricsShown = Pick<
  Metrics,
  'costPerHour' | 'costPerInference' | 'modelLatency' | 'maxInvocations'
>;

export function metricsLine(metrics: MetricsShown): string {
  return [
    metrics.costPerHour === null
      ? 'cost per hour n/a'
      : `${formatDollars(metrics.costPerHour, 4)}/hour`,
    metrics.costPerInference === null
      ? 'cost per inference n/a'
      : `${formatDollars(metrics.costPerInference, 3)}/inference`,
    metrics.modelLatency === null ? 'latency n/a' : `${formatCount(metrics.modelLatency)} ms`,
    metrics.maxInvocations === null
      ? 'max invocations n/a'
      : `${formatCount(metrics.maxInvocations)} invocations/minute`,
  ].join(', ');
}

function environmentLabel(parameters: readonly EnvironmentParameter[]): string {
  return parameters
    .filter((p) => p.key !== null)
    .slice(0, 4)
    .map((p) => `${p.key}=${p.value ?? ''}`)
    .join(', ');
}

function stepLabel(step: BenchmarkStep): string {
  const environment = environmentLabel(step.environmentParameters);
  const label = detailedLabel(step);
  return environment ? `${label} (${environment})` : label;
}

const plural = (count: number, one: string, many = `${one}s`) =>
  `${formatCount(count)} ${count === 1 ? one : many}`;

/** The first `length` UTF-16 units, never ending in half a surrogate pair. */
function head(text: string, length: number): string {
  const cut = text.slice(0, length);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

function clip(text: string, length: number): string {
  if (text.length <= length) return text;
  const kept = head(text, length);
  return `${kept}… [${formatCount(text.length - kept.length)} more characters]`;
}

/** `2024-11-25 08:43 UTC`; the full ISO time stays in the JSON. */
function shortTime(iso: string | null): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function duration(fromIso: string | null, toIso: string | null): string | null {
  if (!fromIso || !toIso) return null;
  const minutes = Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 60_000);
  if (!Number.isFinite(minutes) || minutes < 0) return null;
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

// ---------------------------------------------------------------------------------------------
// Subject.

/** Anything outside printable ASCII becomes `?`: SNS rejects such subjects outright. */
export const printableAscii = (text: string): string =>
  text.replace(/[^ -~]/g, '?').replace(/\s+/g, ' ');

function subjectSummary(input: NotificationInput): string {
  const { detail } = input;
  const count = detail.recommendationCount;
  if (detail.status === 'FAILED' && detail.failedBenchmarkCount > 0) {
    const total = input.steps.length;
    return total >= detail.failedBenchmarkCount
      ? `${formatCount(detail.failedBenchmarkCount)} of ${plural(total, 'benchmark')} failed`
      : `${plural(detail.failedBenchmarkCount, 'benchmark')} failed`;
  }
  if (detail.status === 'FAILED' && count === 0 && detail.failureReason) {
    return detail.failureReason;
  }
  if (count === 0) return 'no recommendations';
  const cheapest = detail.best.lowestCostPerInference;
  return cheapest
    ? `${plural(count, 'recommendation')}, cheapest ${configurationLabel(cheapest)}`
    : plural(count, 'recommendation');
}

/**
 * `irwatch COMPLETED my-job: 5 recommendations, cheapest ml.g5.xlarge`, at most 99 printable
 * ASCII characters: the job name gives way (ending in `...`) before the summary does.
 */
export function renderSubject(input: NotificationInput): string {
  const head = `irwatch ${input.detail.status} `;
  const fullSummary = printableAscii(subjectSummary(input)).trim();
  const summary =
    fullSummary.length <= 50 ? fullSummary : `${fullSummary.slice(0, 47).trimEnd()}...`;
  const room = SUBJECT_MAX_LENGTH - head.length - ': '.length - summary.length;
  const name = printableAscii(input.detail.jobName);
  const shown = name.length <= room ? name : `${name.slice(0, Math.max(0, room - 3))}...`;
  return `${head}${shown}: ${summary}`;
}

// ---------------------------------------------------------------------------------------------
// Text.

const byCostPerInference = (a: Recommendation, b: Recommendation): number => {
  const ac = a.metrics.costPerInference;
  const bc = b.metrics.costPerInference;
  if (ac !== bc) {
    if (ac === null) return 1;
    if (bc === null) return -1;
    return ac - bc;
  }
  return a.recommendationId < b.recommendationId ? -1 : 1;
};

/** The first `limit` lines, then `… and N more` naming where the rest is. */
function cutList(lines: readonly string[], limit: number, noun: string): string[] {
  if (lines.length <= limit) return [...lines];
  return [...lines.slice(0, limit), `  … and ${plural(lines.length - limit, `more ${noun}`)}`];
}

const BEST_TITLES = [
  ['lowestCostPerInference', 'cheapest per inference', 'cost per inference'],
  ['lowestModelLatency', 'lowest latency', 'model latency'],
  ['highestMaxInvocations', 'highest throughput', 'max invocations'],
] as const;

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const joinTitles = (titles: readonly string[]): string =>
  titles.length <= 1
    ? (titles[0] ?? '')
    : `${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]}`;

/** One block per distinct best recommendation: often one configuration wins on every count. */
function bestSection(input: NotificationInput): string[] {
  const byId = new Map(input.recommendations.map((r) => [r.recommendationId, r]));
  const groups = new Map<string, { titles: string[]; entry: BestEntry; metric: string }>();
  const missing: string[] = [];
  for (const [key, title, metric] of BEST_TITLES) {
    const entry = input.detail.best[key];
    if (!entry) {
      missing.push(title);
      continue;
    }
    const group = groups.get(entry.recommendationId);
    if (group) group.titles.push(title);
    else groups.set(entry.recommendationId, { titles: [title], entry, metric });
  }
  const lines: string[] = [];
  for (const { titles, entry, metric } of groups.values()) {
    const heading = sentence(joinTitles(titles));
    const recommendation = byId.get(entry.recommendationId);
    if (recommendation) {
      lines.push(`${heading}: ${detailedLabel(recommendation)}`);
      lines.push(`  ${metricsLine(recommendation.metrics)}`);
    } else {
      // The stored recommendation is gone (recorded again since): say what the event says.
      lines.push(
        `${heading}: ${configurationLabel(entry)} (${metric} ${formatCount(entry.value)})`,
      );
    }
  }
  if (missing.length > 0) {
    lines.push(`${sentence(joinTitles(missing))}: unknown, no recommendation reports it`);
  }
  return lines;
}

/** The job named unambiguously: another account or region may have a job of the same name. */
function queryLines(
  detail: NotificationInput['detail'],
  what: 'recommendations' | 'benchmarks',
): string[] {
  const { jobName, accountId, region } = detail;
  const where = `accountId=${accountId}&region=${region}`;
  return what === 'recommendations'
    ? [
        `All recommendations: GET /jobs/${jobName}/recommendations?${where}`,
        `  or from a terminal: irwatch recs ${jobName} --account ${accountId} --region ${region}`,
      ]
    : [`All benchmarks with their reasons: GET /jobs/${jobName}/benchmarks?${where}`];
}

function headline(detail: NotificationInput['detail']): string {
  const job = `Inference Recommender job ${detail.jobName}`;
  const recs = plural(detail.recommendationCount, 'recommendation');
  if (detail.status === 'COMPLETED') return `${job} COMPLETED with ${recs}.`;
  if (detail.status === 'STOPPED') return `${job} was STOPPED with ${recs} so far.`;
  return `${job} FAILED.`;
}

function factLines(detail: NotificationInput['detail']): string[] {
  const lines = [
    `Job:      ${detail.jobName}${detail.jobType ? ` (${detail.jobType})` : ''}`,
    `Account:  ${detail.accountId}, ${detail.region}`,
  ];
  if (detail.modelName) lines.push(`Model:    ${detail.modelName}`);
  else if (detail.modelPackageVersionArn) lines.push(`Model:    ${detail.modelPackageVersionArn}`);
  const started = shortTime(detail.creationTime);
  const finished = shortTime(detail.completionTime);
  if (started) lines.push(`Created:  ${started}`);
  if (finished) {
    const took = duration(detail.creationTime, detail.completionTime);
    lines.push(`Finished: ${finished}${took ? ` (after ${took})` : ''}`);
  }
  return lines;
}

/** The plain text for people: what happened, the numbers that matter, and where the rest is. */
export function renderText(input: NotificationInput, limits: ListLimits = LIST_LIMITS[0]!): string {
  const { detail } = input;
  const sections: string[][] = [[headline(detail)]];

  if (detail.failureReason) {
    sections.push([
      'Failure reason:',
      clip(detail.failureReason, Math.max(limits.reasonLength, 4_000)),
    ]);
  }
  sections.push(factLines(detail));

  const completed = input.steps.filter((s) => s.status === 'COMPLETED');
  const unfinished = input.steps.filter((s) => s.status !== 'COMPLETED');

  if (detail.status !== 'COMPLETED' && input.steps.length > 0) {
    const verb = detail.status === 'FAILED' ? 'What did complete' : 'What had completed';
    const lines = [
      `${verb}: ${formatCount(completed.length)} of ${plural(input.steps.length, 'benchmark')}, ${plural(detail.recommendationCount, 'recommendation')}.`,
    ];
    if (detail.recommendationCount === 0) {
      const shown = completed.map((s) => `  - ${stepLabel(s)}: ${metricsLine(s.metrics)}`);
      lines.push(...cutList(shown, limits.completedSteps, 'completed benchmark'));
    }
    sections.push(lines);
  } else if (detail.status !== 'COMPLETED') {
    sections.push([
      `What completed: ${plural(detail.recommendationCount, 'recommendation')}; no benchmark steps were recorded.`,
    ]);
  }

  if (detail.recommendationCount > 0) {
    sections.push(bestSection(input));
    const ranked = [...input.recommendations].sort(byCostPerInference);
    const shown = ranked.map(
      (r, index) => `  ${index + 1}. ${detailedLabel(r)}: ${metricsLine(r.metrics)}`,
    );
    if (limits.recommendations > 0 && shown.length > 0) {
      sections.push([
        `By cost per inference (${Math.min(limits.recommendations, shown.length)} of ${formatCount(shown.length)}):`,
        ...cutList(shown, limits.recommendations, 'recommendation'),
      ]);
    }
  }

  if (unfinished.length > 0) {
    const failed = unfinished.filter((s) => s.status === 'FAILED').length;
    const title =
      failed === unfinished.length
        ? `${formatCount(failed)} of ${plural(input.steps.length, 'benchmark')} failed:`
        : `${formatCount(unfinished.length)} of ${plural(input.steps.length, 'benchmark')} did not complete:`;
    const shown = unfinished.map(
      (s) =>
        `  - ${stepLabel(s)}: ${s.status ?? 'UNKNOWN'}: ${clip(s.failureReason ?? 'no reason given', limits.reasonLength)}`,
    );
    sections.push([title, ...cutList(shown, limits.unfinishedSteps, 'benchmark')]);
  }

  const queries: string[] = [];
  if (detail.recommendationCount > 0) queries.push(...queryLines(detail, 'recommendations'));
  if (unfinished.length > 0 || (detail.recommendationCount === 0 && input.steps.length > 0))
    queries.push(...queryLines(detail, 'benchmarks'));
  if (queries.length > 0) sections.push(queries);

  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// The SNS message.

export function messageAttributes(detail: RecordedDetail): Record<string, string> {
  const attributes: Record<string, string> = {
    status: detail.status,
    jobName: detail.jobName,
    accountId: detail.accountId,
    region: detail.region,
  };
  if (detail.modelName) attributes.modelName = detail.modelName;
  if (detail.jobType) attributes.jobType = detail.jobType;
  return attributes;
}

/** Counted the way SNS (and the local endpoint) count it: every attribute's name, type and value. */
export function publishSize(message: string, attributes: Record<string, string>): number {
  let size = Buffer.byteLength(message);
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value);
  }
  return size;
}

/**
 * Per protocol: people (`default`, `email`) get the text, machines (`sqs`, `lambda`, `http`,
 * `https`) the Recorded detail as JSON, documented by events/schemas/recorded-detail.schema.json.
 */
export function renderMessage(input: NotificationInput, limits: ListLimits): string {
  const text = renderText(input, limits);
  const json = JSON.stringify(input.detail);
  return JSON.stringify({
    default: text,
    email: text,
    sqs: json,
    lambda: json,
    http: json,
    https: json,
  });
}

/**
 * The notification, with lists cut until it fits SNS's 256 KiB (a margin is kept for the
 * request's own encoding): a job with thousands of recommendations or failed benchmarks still
 * gets its message, saying how many were left out and where to find them.
 */
export function renderNotification(
  input: NotificationInput,
  limit = SNS_MESSAGE_LIMIT - 4_096,
): RenderedNotification {
  const subject = renderSubject(input);
  const attributes = messageAttributes(input.detail);
  for (const limits of LIST_LIMITS) {
    const message = renderMessage(input, limits);
    const size = publishSize(message, attributes);
    if (size <= limit) return { subject, message, attributes, size };
  }
  throw new NotificationTooLargeError(
    `The notification of ${input.detail.jobName} exceeds ${limit} bytes even with every list cut`,
  );
}
