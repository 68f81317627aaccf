/**
 * `irwatch plan`: the capacity plan of a job (or of a model across its jobs) at a given traffic,
 * as a table ranked by monthly cost. The API computes it; this turns rates such as `250/min` or
 * `4/s` into the invocations per minute the API takes, and the answer into a table.
 */
import { UsageError } from './usage-error.js';

type Options = Record<string, string | boolean | undefined>;

const PER_MINUTE: Record<string, number> = {
  s: 60,
  sec: 60,
  min: 1,
  m: 1,
  h: 1 / 60,
  hour: 1 / 60,
};
const RATE = /^(\d+(?:\.\d+)?|\.\d+)(?:\/(s|sec|min|m|h|hour))?$/;

/** Invocations per minute from `250`, `250/min`, `4/s` or `15000/h` (a bare number is per minute). */
export function perMinute(option: string, raw: string): number {
  const match = RATE.exec(raw.trim());
  if (!match) {
    throw new UsageError(
      `--${option} must be a rate such as 250/min, 4/s or 15000/h (a bare number is per minute), got "${raw}"`,
    );
  }
  const value = Number(match[1]) * PER_MINUTE[match[2] ?? 'min']!;
  // Enough digits for any rate a person types, none of floating point's noise (4/s is 240).
  return Number(value.toPrecision(12));
}

const str = (options: Options, name: string): string | undefined => {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
};

/** The API path and query of the plan the options ask for. */
export function planPath(target: string | undefined, options: Options): string {
  const model = str(options, 'model');
  if ((target === undefined) === (model === undefined)) {
    throw new UsageError(
      'plan needs a job or --model (one of them): irwatch plan <job> --peak 250/min, or irwatch plan --model NAME --peak 250/min',
    );
  }
  const peak = str(options, 'peak');
  if (peak === undefined) {
    throw new UsageError(
      'plan needs --peak, the invocations at the daily peak, e.g. --peak 250/min',
    );
  }
  const query = new URLSearchParams({ peakInvocationsPerMinute: String(perMinute('peak', peak)) });
  const baseline = str(options, 'baseline');
  if (baseline !== undefined) {
    query.set('baselineInvocationsPerMinute', String(perMinute('baseline', baseline)));
  }
  const passed: Array<[string, string]> = [
    ['peak-hours', 'peakHoursPerDay'],
    ['max-latency', 'maxModelLatency'],
    ['target-utilization', 'targetUtilization'],
    ['min-instances', 'minInstances'],
    ['endpoint-type', 'endpointType'],
    ['account', 'accountId'],
    ['region', 'region'],
  ];
  for (const [option, parameter] of passed) {
    const value = str(options, option);
    if (value !== undefined) query.set(parameter, value);
  }
  if (options['exclude-over-latency'] === true) query.set('latency', 'exclude');
  if (options.sagemaker === true) query.set('source', 'sagemaker');
  const path = model
    ? `models/${encodeURIComponent(model)}/plan`
    : `jobs/${encodeURIComponent(target!)}/plan`;
  return `${path}?${query}`;
}

interface PlanEntryRow {
  rank: number;
  recommendationId: string;
  jobName: string;
  endpointType: string;
  instanceType: string | null;
  serverless: { memorySizeInMB: number | null; maxConcurrency: number | null } | null;
  modelLatency: number | null;
  instancesAtPeak: number | null;
  instancesAtBaseline: number | null;
  monthlyCost: number | null;
  costPerMillionInferences: number | null;
  latency: string;
  reason: string | null;
  monthlySaving?: number | null;
}

interface ExistingEndpointRow {
  endpointName: string;
  instanceType: string | null;
  instanceCount: number | null;
  instancesAtPeak: number | null;
  instancesAtBaseline: number | null;
  monthlyCost: number | null;
  modelLatency: number | null;
  reason: string | null;
}

interface ScalingFigures {
  minCapacity: number | null;
  maxCapacity: number | null;
  targetValue: number | null;
}

interface SideBySide {
  recommendationId: string;
  rank: number;
  scalingPolicyObjective: { minInvocationsPerMinute: number; maxInvocationsPerMinute: number };
  irwatch: ScalingFigures;
  sagemaker: ScalingFigures & {
    targetCpuUtilizationPerCore: number | null;
    scaleInCooldown: number | null;
    scaleOutCooldown: number | null;
  };
}

interface PlanAnswer {
  sagemaker?: SideBySide | null;
  existingEndpoints?: ExistingEndpointRow[];
  savingsAgainst?: string | null;
  jobName?: string;
  accountId?: string;
  region?: string;
  modelName: string | null;
  hoursPerMonth: number;
  inferencesPerMonth: number;
  excludedForLatency: number;
  assumptions: string[];
  entries: PlanEntryRow[];
}

const dollars = (value: number | null) =>
  value === null
    ? null
    : `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const LATENCY_WORDS: Record<string, string> = {
  met: 'ok',
  exceeded: 'OVER',
  unknown: '?',
  notAsked: '-',
};

export type TableRenderer = (
  rows: Array<Record<string, unknown>>,
  columns: Array<[string, string]>,
) => string;

export function planReport(answer: PlanAnswer, table: TableRenderer): string {
  const caption = answer.jobName
    ? `Job ${answer.jobName} in account ${answer.accountId}, ${answer.region}`
    : `Model ${answer.modelName}`;
  const inferences = Math.round(answer.inferencesPerMonth).toLocaleString('en-US');
  const rows = answer.entries.map((entry) => ({
    rank: entry.rank,
    config:
      entry.endpointType === 'Serverless'
        ? `serverless ${entry.serverless?.memorySizeInMB} MB x${entry.serverless?.maxConcurrency}`
        : entry.instanceType,
    id: entry.recommendationId.split('/').pop(),
    peak: entry.instancesAtPeak,
    baseline: entry.instancesAtBaseline,
    monthly: dollars(entry.monthlyCost),
    saving: dollars(entry.monthlySaving ?? null),
    perMillion: dollars(entry.costPerMillionInferences),
    latencyMs: entry.modelLatency,
    latency: LATENCY_WORDS[entry.latency] ?? entry.latency,
    note: entry.reason,
  }));
  const lines = [
    `${caption}: ${inferences} inferences in a ${answer.hoursPerMonth}-hour month`,
    '',
    rows.length === 0
      ? 'No configuration to plan with.'
      : table(rows, [
          ['rank', '#'],
          ['config', 'CONFIGURATION'],
          ['id', 'ID'],
          ['peak', 'AT PEAK'],
          ['baseline', 'AT BASELINE'],
          ['monthly', '$/MONTH'],
          ...(answer.savingsAgainst ? [['saving', 'SAVING/MONTH'] as [string, string]] : []),
          ['perMillion', '$/MILLION'],
          ['latencyMs', 'LATENCY ms'],
          ['latency', 'TARGET'],
          ['note', 'WHY NOT'],
        ]),
  ];
  if (answer.excludedForLatency > 0) {
    lines.push(
      '',
      `${answer.excludedForLatency} configuration(s) over the latency target left out.`,
    );
  }
  if (answer.existingEndpoints && answer.existingEndpoints.length > 0) {
    lines.push(
      '',
      ...existingReport(answer.existingEndpoints, answer.savingsAgainst ?? null, table),
    );
  }
  if (answer.sagemaker) lines.push('', ...sideBySideReport(answer.sagemaker, table));
  lines.push('', 'Assumptions:', ...answer.assumptions.map((text) => `  - ${text}`));
  return lines.join('\n');
}

const orDash = (value: number | null) => (value === null ? '-' : value);

/** The endpoints the job benchmarked, planned at the same traffic: what today costs. */
export function existingReport(
  endpoints: ExistingEndpointRow[],
  savingsAgainst: string | null,
  table: TableRenderer,
): string[] {
  return [
    savingsAgainst
      ? `Today (savings are against ${savingsAgainst}):`
      : 'Today (no benchmarked endpoint has a known cost: no savings):',
    table(
      endpoints.map((endpoint) => ({
        name: endpoint.endpointName,
        config:
          endpoint.instanceType === null
            ? '?'
            : `${endpoint.instanceType} x${orDash(endpoint.instanceCount)}`,
        peak: endpoint.instancesAtPeak,
        baseline: endpoint.instancesAtBaseline,
        monthly: dollars(endpoint.monthlyCost),
        latencyMs: endpoint.modelLatency,
        note: endpoint.reason,
      })),
      [
        ['name', 'ENDPOINT'],
        ['config', 'NOW'],
        ['peak', 'AT PEAK'],
        ['baseline', 'AT BASELINE'],
        ['monthly', '$/MONTH'],
        ['latencyMs', 'LATENCY ms'],
        ['note', 'WHY UNKNOWN'],
      ],
    ),
  ];
}

/** irwatch's scaling of one entry next to SageMaker's GetScalingConfigurationRecommendation. */
export function sideBySideReport(side: SideBySide, table: TableRenderer): string[] {
  const { minInvocationsPerMinute: min, maxInvocationsPerMinute: max } =
    side.scalingPolicyObjective;
  const cpu = side.sagemaker.targetCpuUtilizationPerCore;
  return [
    `Scaling of #${side.rank} (${side.recommendationId.split('/').pop()}) at ${min} to ${max} invocations/min, irwatch next to SageMaker's GetScalingConfigurationRecommendation:`,
    table(
      [
        { who: 'irwatch', ...side.irwatch, cooldowns: '-' },
        {
          who: `SageMaker${cpu === null ? '' : ` (${cpu}% CPU/core)`}`,
          minCapacity: orDash(side.sagemaker.minCapacity),
          maxCapacity: orDash(side.sagemaker.maxCapacity),
          targetValue: orDash(side.sagemaker.targetValue),
          cooldowns: `${orDash(side.sagemaker.scaleInCooldown)} / ${orDash(side.sagemaker.scaleOutCooldown)} s`,
        },
      ],
      [
        ['who', 'POLICY'],
        ['minCapacity', 'MIN'],
        ['maxCapacity', 'MAX'],
        ['targetValue', 'INVOCATIONS/INSTANCE'],
        ['cooldowns', 'SCALE-IN / OUT COOLDOWN'],
      ],
    ),
  ];
}

export async function runPlan(
  target: string | undefined,
  options: Options,
  deps: { get(path: string): Promise<unknown>; table: TableRenderer },
): Promise<string> {
  const answer = (await deps.get(planPath(target, options))) as PlanAnswer;
  return planReport(answer, deps.table);
}
