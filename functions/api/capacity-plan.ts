import type { EndpointType, ExistingEndpoint, Recommendation } from '../../shared/model/types.js';

/**
 * The capacity and cost plan: from a traffic objective (invocations per minute at the peak and
 * at the baseline, hours of peak a day, a latency target) and the recommendations Inference
 * Recommender measured, how many instances each configuration needs, what it costs a month with
 * target-tracking scaling between the two, and the requests that deploy and scale it. Pure: the
 * route reads the recommendations and hands them in.
 */

/** AWS prices a month as 730 hours (365 days × 24 hours / 12 months). */
export const HOURS_PER_MONTH = 730;
/** Application Auto Scaling's names for a SageMaker endpoint variant's instance count. */
export const SCALABLE_DIMENSION = 'sagemaker:variant:DesiredInstanceCount';
export const SCALING_METRIC = 'SageMakerVariantInvocationsPerInstance';
export const VARIANT_NAME = 'AllTraffic';

export type LatencyHandling = 'flag' | 'exclude';

export interface TrafficObjective {
  /** Invocations per minute at the daily peak (> 0). */
  peakInvocationsPerMinute: number;
  /** Invocations per minute outside the peak (0 to the peak). */
  baselineInvocationsPerMinute: number;
  /** Hours a day at the peak (more than 0, at most 24). */
  peakHoursPerDay: number;
  /** The latency target in milliseconds, when there is one. */
  maxModelLatency: number | undefined;
  /** The share of an instance's measured max invocations to plan for (0.1 to 1). */
  targetUtilization: number;
  /** The fewest instances a real-time endpoint keeps (1 or more). */
  minInstances: number;
  endpointType: EndpointType | undefined;
  /** flag: entries over the latency target stay, marked and ranked last; exclude: they are left out. */
  latency: LatencyHandling;
}

/** What the plan knows of a run's configuration besides the recommendation itself. */
export interface PlanCandidate {
  recommendation: Recommendation;
  /** The Model the job benchmarked, null when it benchmarked a model package. */
  modelName: string | null;
  /** When the same configuration was measured in several runs (a model's jobs): their spread. */
  runs?: RunSpread;
}

export interface RunSpread {
  count: number;
  maxInvocations: { min: number; max: number } | null;
  modelLatency: { min: number; max: number } | null;
}

/** met/exceeded against maxModelLatency; unknown when no latency was measured; notAsked without a target. */
export type LatencyVerdict = 'met' | 'exceeded' | 'unknown' | 'notAsked';

export interface Deployment {
  /** `aws sagemaker create-endpoint-config --cli-input-json` */
  createEndpointConfig: {
    EndpointConfigName: string;
    ProductionVariants: Array<Record<string, unknown>>;
  };
  /** `aws application-autoscaling register-scalable-target --cli-input-json`; null for serverless. */
  registerScalableTarget: {
    ServiceNamespace: 'sagemaker';
    ResourceId: string;
    ScalableDimension: typeof SCALABLE_DIMENSION;
    MinCapacity: number;
    MaxCapacity: number;
  } | null;
  /** `aws application-autoscaling put-scaling-policy --cli-input-json`; null for serverless. */
  putScalingPolicy: {
    PolicyName: string;
    ServiceNamespace: 'sagemaker';
    ResourceId: string;
    ScalableDimension: typeof SCALABLE_DIMENSION;
    PolicyType: 'TargetTrackingScaling';
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: number;
      PredefinedMetricSpecification: { PredefinedMetricType: typeof SCALING_METRIC };
    };
  } | null;
  notes: string[];
}

export interface PlanEntry {
  rank: number;
  recommendationId: string;
  jobName: string;
  accountId: string;
  region: string;
  endpointType: EndpointType;
  instanceType: string | null;
  serverless: Recommendation['serverless'];
  costPerHour: number | null;
  costPerInference: number | null;
  maxInvocations: number | null;
  modelLatency: number | null;
  /** Invocations per minute one instance is planned for: maxInvocations × targetUtilization. */
  plannedInvocationsPerInstance: number | null;
  instancesAtPeak: number | null;
  instancesAtBaseline: number | null;
  instanceHoursPerMonth: number | null;
  monthlyCost: number | null;
  costPerMillionInferences: number | null;
  latency: LatencyVerdict;
  /** False when the configuration cannot serve the traffic at all; `reason` says why. */
  servable: boolean;
  reason: string | null;
  runs: RunSpread | null;
  deployment: Deployment | null;
  /** The existing endpoint's monthly cost (`savingsAgainst`) minus this one's; null when either is unknown. */
  monthlySaving: number | null;
}

/** An endpoint the job benchmarked, planned like the entries: what today costs at this traffic. */
export interface ExistingEndpointPlan {
  endpointName: string;
  /** False when ingest did not find the endpoint (deleted since the job ran) or did not look. */
  found: boolean;
  instanceType: string | null;
  /** Its instance count when the job was recorded. */
  instanceCount: number | null;
  /** The CostPerHour Inference Recommender measured for its instance type in this job; null when it did not benchmark that type. */
  costPerHour: number | null;
  /** Per instance per minute, as the job measured the endpoint (EndpointPerformances). */
  maxInvocations: number | null;
  modelLatency: number | null;
  plannedInvocationsPerInstance: number | null;
  instancesAtPeak: number | null;
  instancesAtBaseline: number | null;
  monthlyCost: number | null;
  latency: LatencyVerdict;
  /** Why its monthly cost is unknown, when it is. */
  reason: string | null;
}

/** What the plan knows of an endpoint the job benchmarked. */
export interface ExistingEndpointInput {
  endpointName: string;
  /** As ingest recorded it; undefined when the job was recorded before ingest looked. */
  existing: ExistingEndpoint | undefined;
}

export interface CapacityPlan {
  hoursPerMonth: number;
  peakHoursPerMonth: number;
  baselineHoursPerMonth: number;
  inferencesPerMonth: number;
  entries: PlanEntry[];
  /** Entries left out because they break the latency target (latency=exclude). */
  excludedForLatency: number;
  /** The endpoints the job benchmarked (InputConfig.Endpoints), planned at the same traffic. */
  existingEndpoints: ExistingEndpointPlan[];
  /** The existing endpoint each entry's monthlySaving is measured against: the first with a known cost. */
  savingsAgainst: string | null;
  assumptions: string[];
}

/** Rounds money and rates for display without losing what a comparison needs. */
const round = (value: number, digits = 6) => Number(value.toPrecision(digits));

/** Instances that carry `invocationsPerMinute` at `perInstance` each, never fewer than `floor`. */
export function instancesFor(
  invocationsPerMinute: number,
  perInstance: number,
  floor: number,
): number {
  // A relative epsilon keeps 250 / (357.14… × 0.7) from becoming 2 by floating-point noise.
  const exact = invocationsPerMinute / perInstance;
  return Math.max(floor, Math.ceil(exact - 1e-9 * Math.max(1, exact)));
}

export function hoursOf(objective: TrafficObjective) {
  const peakHoursPerMonth = (HOURS_PER_MONTH * objective.peakHoursPerDay) / 24;
  return { peakHoursPerMonth, baselineHoursPerMonth: HOURS_PER_MONTH - peakHoursPerMonth };
}

export function inferencesPerMonth(objective: TrafficObjective): number {
  const { peakHoursPerMonth, baselineHoursPerMonth } = hoursOf(objective);
  return (
    60 *
    (objective.peakInvocationsPerMinute * peakHoursPerMonth +
      objective.baselineInvocationsPerMinute * baselineHoursPerMonth)
  );
}

function latencyVerdict(rec: Recommendation, objective: TrafficObjective): LatencyVerdict {
  if (objective.maxModelLatency === undefined) return 'notAsked';
  const latency = rec.metrics.modelLatency;
  if (latency === null) return 'unknown';
  return latency <= objective.maxModelLatency ? 'met' : 'exceeded';
}

/** An endpoint name (63 characters, letters, digits, hyphens) derived from the job's. */
export function endpointNameFor(jobName: string): string {
  return jobName.slice(0, 63).replace(/-+$/, '') || 'endpoint';
}

const instancesText = (count: number) => `${count} instance${count === 1 ? '' : 's'}`;

type Costing = Pick<
  PlanEntry,
  | 'plannedInvocationsPerInstance'
  | 'instancesAtPeak'
  | 'instancesAtBaseline'
  | 'instanceHoursPerMonth'
  | 'monthlyCost'
  | 'servable'
  | 'reason'
>;

const unservable = (reason: string, planned: number | null = null): Costing => ({
  plannedInvocationsPerInstance: planned,
  instancesAtPeak: null,
  instancesAtBaseline: null,
  instanceHoursPerMonth: null,
  monthlyCost: null,
  servable: false,
  reason,
});

function costRealTime(
  {
    maxInvocations,
    costPerHour,
  }: Pick<Recommendation['metrics'], 'maxInvocations' | 'costPerHour'>,
  objective: TrafficObjective,
): Costing {
  if (maxInvocations === null || maxInvocations <= 0) {
    return unservable('Inference Recommender measured no invocations per minute for it.');
  }
  if (costPerHour === null) {
    return unservable('Inference Recommender reported no cost per hour for it.');
  }
  const planned = maxInvocations * objective.targetUtilization;
  const atPeak = instancesFor(objective.peakInvocationsPerMinute, planned, objective.minInstances);
  const atBaseline = instancesFor(
    objective.baselineInvocationsPerMinute,
    planned,
    objective.minInstances,
  );
  const { peakHoursPerMonth, baselineHoursPerMonth } = hoursOf(objective);
  const instanceHours = atPeak * peakHoursPerMonth + atBaseline * baselineHoursPerMonth;
  return {
    plannedInvocationsPerInstance: planned,
    instancesAtPeak: atPeak,
    instancesAtBaseline: atBaseline,
    instanceHoursPerMonth: instanceHours,
    monthlyCost: costPerHour * instanceHours,
    servable: true,
    reason: null,
  };
}

/**
 * Serverless endpoints scale themselves up to MaxConcurrency, which is what Inference Recommender
 * measured maxInvocations at: above it they throttle, so more traffic than that cannot be served
 * by this configuration. They are billed per inference, not per hour.
 */
function costServerless(
  rec: Recommendation,
  objective: TrafficObjective,
  inferences: number,
): Costing {
  const { maxInvocations, costPerInference } = rec.metrics;
  if (maxInvocations === null || maxInvocations <= 0) {
    return unservable('Inference Recommender measured no invocations per minute for it.');
  }
  const planned = maxInvocations * objective.targetUtilization;
  if (planned < objective.peakInvocationsPerMinute) {
    return unservable(
      `A serverless endpoint does not scale past MaxConcurrency ${rec.serverless?.maxConcurrency ?? '(unknown)'}, where it sustained ${maxInvocations} invocations per minute: ${round(planned, 4)} at ${objective.targetUtilization} utilization is below the peak of ${objective.peakInvocationsPerMinute}.`,
      planned,
    );
  }
  if (costPerInference === null) {
    return unservable('Inference Recommender reported no cost per inference for it.', planned);
  }
  return {
    plannedInvocationsPerInstance: planned,
    instancesAtPeak: null,
    instancesAtBaseline: null,
    instanceHoursPerMonth: null,
    monthlyCost: costPerInference * inferences,
    servable: true,
    reason: null,
  };
}

function deploymentOf(
  candidate: PlanCandidate,
  costing: Costing,
  objective: TrafficObjective,
): Deployment | null {
  const rec = candidate.recommendation;
  if (!costing.servable) return null;
  const endpointName = endpointNameFor(rec.jobName);
  const notes: string[] = [];
  const model = candidate.modelName ? { ModelName: candidate.modelName } : {};
  if (!candidate.modelName) {
    notes.push(
      'The job benchmarked a model package: create a Model from it (CreateModel with PrimaryContainer.ModelPackageName) and add its name as ModelName.',
    );
  }
  if (rec.environmentParameters.length > 0) {
    notes.push(
      'The configuration was measured with environment variables on the container: create the Model with PrimaryContainer.Environment holding them (GET the recommendation for the list).',
    );
  }
  const createEndpointConfig = (variant: Record<string, unknown>) => ({
    EndpointConfigName: `${endpointName.slice(0, 58)}-plan`,
    ProductionVariants: [{ VariantName: VARIANT_NAME, ...model, ...variant }],
  });
  if (rec.endpointType === 'Serverless') {
    const memory = rec.serverless?.memorySizeInMB;
    const concurrency = rec.serverless?.maxConcurrency;
    if (!memory || !concurrency) return null;
    const provisioned = rec.serverless?.provisionedConcurrency;
    notes.push(
      'A serverless endpoint scales itself up to MaxConcurrency: there is no scalable target or policy to register.',
    );
    return {
      createEndpointConfig: createEndpointConfig({
        ServerlessConfig: {
          MemorySizeInMB: memory,
          MaxConcurrency: concurrency,
          ...(provisioned ? { ProvisionedConcurrency: provisioned } : {}),
        },
      }),
      registerScalableTarget: null,
      putScalingPolicy: null,
      notes,
    };
  }
  const atPeak = costing.instancesAtPeak;
  const planned = costing.plannedInvocationsPerInstance;
  if (!rec.instanceType || atPeak === null || planned === null) return null;
  const resourceId = `endpoint/${endpointName}/variant/${VARIANT_NAME}`;
  notes.push(
    `${instancesText(atPeak)} at the start, what the peak needs; target tracking then holds about ${round(planned, 4)} invocations per minute per instance, with ${objective.minInstances} to ${atPeak} instances. Name the endpoint ${endpointName} (CreateEndpoint) or change ResourceId to the endpoint's name.`,
  );
  return {
    createEndpointConfig: createEndpointConfig({
      InstanceType: rec.instanceType,
      InitialInstanceCount: atPeak,
    }),
    registerScalableTarget: {
      ServiceNamespace: 'sagemaker',
      ResourceId: resourceId,
      ScalableDimension: SCALABLE_DIMENSION,
      MinCapacity: objective.minInstances,
      MaxCapacity: atPeak,
    },
    putScalingPolicy: {
      PolicyName: `${endpointName}-invocations-per-instance`,
      ServiceNamespace: 'sagemaker',
      ResourceId: resourceId,
      ScalableDimension: SCALABLE_DIMENSION,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: round(planned, 6),
        PredefinedMetricSpecification: { PredefinedMetricType: SCALING_METRIC },
      },
    },
    notes,
  };
}

/** Ranking groups: those that serve within the target first, those that cannot serve last. */
function groupOf(entry: Omit<PlanEntry, 'rank'>): number {
  if (!entry.servable) return 3;
  if (entry.latency === 'exceeded') return 2;
  if (entry.latency === 'unknown') return 1;
  return 0;
}

function compareEntries(a: Omit<PlanEntry, 'rank'>, b: Omit<PlanEntry, 'rank'>): number {
  return (
    groupOf(a) - groupOf(b) ||
    (a.monthlyCost ?? Infinity) - (b.monthlyCost ?? Infinity) ||
    (a.recommendationId < b.recommendationId ? -1 : a.recommendationId > b.recommendationId ? 1 : 0)
  );
}

export interface PlanContext {
  /** The latency thresholds the job(s) measured maxInvocations at, e.g. "P95 ≤ 100 ms". */
  latencyThresholds: string[];
  /** The endpoints the job(s) benchmarked (EndpointPerformances), today's configurations. */
  existingEndpoints?: ExistingEndpointInput[];
}

/** The CostPerHour the recommendations measured per instance type (the first known one). */
function pricesOf(candidates: readonly PlanCandidate[]): Map<string, number> {
  const prices = new Map<string, number>();
  for (const { recommendation: rec } of candidates) {
    const price = rec.metrics.costPerHour;
    if (rec.instanceType && price !== null && !prices.has(rec.instanceType)) {
      prices.set(rec.instanceType, price);
    }
  }
  return prices;
}

export function planExistingEndpoint(
  input: ExistingEndpointInput,
  prices: ReadonlyMap<string, number>,
  objective: TrafficObjective,
): ExistingEndpointPlan {
  const existing = input.existing;
  const [variant, ...others] = existing?.variants ?? [];
  const instanceType = others.length === 0 ? (variant?.instanceType ?? null) : null;
  const costPerHour = instanceType === null ? null : (prices.get(instanceType) ?? null);
  const modelLatency = existing?.modelLatency ?? null;
  const latency =
    objective.maxModelLatency === undefined
      ? 'notAsked'
      : modelLatency === null
        ? 'unknown'
        : modelLatency <= objective.maxModelLatency
          ? 'met'
          : 'exceeded';
  const base = {
    endpointName: input.endpointName,
    found: existing?.found ?? false,
    instanceType,
    instanceCount: others.length === 0 ? (variant?.instanceCount ?? null) : null,
    costPerHour,
    maxInvocations: existing?.maxInvocations ?? null,
    modelLatency: existing?.modelLatency ?? null,
    latency,
  } as const;
  const unknown = (reason: string): ExistingEndpointPlan => ({
    ...base,
    plannedInvocationsPerInstance: null,
    instancesAtPeak: null,
    instancesAtBaseline: null,
    monthlyCost: null,
    reason,
  });
  if (!existing) {
    return unknown(
      'Its configuration is unknown: the job was recorded before irwatch read the endpoints it benchmarked.',
    );
  }
  if (!existing.found)
    return unknown(`Its configuration is unknown. ${existing.note ?? ''}`.trim());
  if (others.length > 0) {
    return unknown(
      `It has ${existing.variants.length} production variants: the plan prices an endpoint of one.`,
    );
  }
  if (!variant || variant.serverless || instanceType === null) {
    return unknown(
      'It is not a real-time endpoint of one instance type: the plan prices those only.',
    );
  }
  if (costPerHour === null) {
    return unknown(
      `Its price is unknown: the job did not benchmark ${instanceType}, so Inference Recommender reported no cost per hour for it.`,
    );
  }
  const costing = costRealTime({ maxInvocations: existing.maxInvocations, costPerHour }, objective);
  return {
    ...base,
    plannedInvocationsPerInstance: costing.plannedInvocationsPerInstance,
    instancesAtPeak: costing.instancesAtPeak,
    instancesAtBaseline: costing.instancesAtBaseline,
    monthlyCost: costing.monthlyCost,
    reason: costing.reason,
  };
}

export function assumptionsOf(
  objective: TrafficObjective,
  candidates: readonly PlanCandidate[],
  context: PlanContext,
): string[] {
  const { peakHoursPerMonth } = hoursOf(objective);
  const assumptions = [
    `A month is ${HOURS_PER_MONTH} hours: ${round(peakHoursPerMonth, 4)} at the peak of ${objective.peakInvocationsPerMinute} invocations per minute (${objective.peakHoursPerDay} h a day) and ${round(HOURS_PER_MONTH - peakHoursPerMonth, 4)} at the baseline of ${objective.baselineInvocationsPerMinute}.`,
    `Each instance is planned for ${round(objective.targetUtilization * 100, 6)}% of the max invocations per minute Inference Recommender measured on it (targetUtilization ${objective.targetUtilization}); real-time endpoints keep at least ${objective.minInstances} instance${objective.minInstances === 1 ? '' : 's'}.`,
    context.latencyThresholds.length > 0
      ? `Inference Recommender measured max invocations at the job's latency threshold (${context.latencyThresholds.join('; ')}); modelLatency is the latency it reported at that load, so at the planned utilization latency is expected to be no higher.`
      : 'Inference Recommender measured max invocations at the job’s own latency threshold (its default when the job set none); modelLatency is the latency it reported at that load.',
    'Costs per hour and per inference are those Inference Recommender reported for the job’s region; cost per hour and max invocations are per instance, as SageMaker defines RecommendationMetrics; scaling is assumed to follow the traffic at once (instances added or removed at the peak’s start and end), so the monthly cost is instance-hours × cost per hour.',
    'Serverless configurations are costed at their cost per inference × the month’s inferences; an hourly charge for provisioned concurrency, if any, is not in that figure.',
  ];
  const spreads = candidates
    .map((candidate) => candidate.runs)
    .filter((runs): runs is RunSpread => runs !== undefined && runs.count > 1);
  if (spreads.length > 0) {
    const relative = spreads
      .map((runs) => runs.maxInvocations)
      .filter((range): range is { min: number; max: number } => range !== null && range.min > 0)
      .map((range) => (range.max - range.min) / range.min);
    const widest = relative.length > 0 ? Math.max(...relative) : 0;
    assumptions.push(
      `Configurations measured in several runs are planned with their newest run; max invocations varied by up to ${round(widest * 100, 3)}% between runs (see each entry's runs).`,
    );
  }
  return assumptions;
}

export function planCapacity(
  candidates: readonly PlanCandidate[],
  objective: TrafficObjective,
  context: PlanContext = { latencyThresholds: [] },
): CapacityPlan {
  const inferences = inferencesPerMonth(objective);
  const { peakHoursPerMonth, baselineHoursPerMonth } = hoursOf(objective);
  const considered = candidates.filter(
    (candidate) =>
      objective.endpointType === undefined ||
      candidate.recommendation.endpointType === objective.endpointType,
  );
  const all = considered.map((candidate): Omit<PlanEntry, 'rank'> => {
    const rec = candidate.recommendation;
    const costing =
      rec.endpointType === 'Serverless'
        ? costServerless(rec, objective, inferences)
        : costRealTime(rec.metrics, objective);
    return {
      recommendationId: rec.recommendationId,
      jobName: rec.jobName,
      accountId: rec.accountId,
      region: rec.region,
      endpointType: rec.endpointType,
      instanceType: rec.instanceType,
      serverless: rec.serverless,
      costPerHour: rec.metrics.costPerHour,
      costPerInference: rec.metrics.costPerInference,
      maxInvocations: rec.metrics.maxInvocations,
      modelLatency: rec.metrics.modelLatency,
      ...costing,
      costPerMillionInferences:
        costing.monthlyCost === null || inferences === 0
          ? null
          : (costing.monthlyCost / inferences) * 1e6,
      latency: latencyVerdict(rec, objective),
      runs: candidate.runs ?? null,
      deployment: deploymentOf(candidate, costing, objective),
      monthlySaving: null,
    };
  });
  const prices = pricesOf(candidates);
  const existingEndpoints = (context.existingEndpoints ?? []).map((input) =>
    planExistingEndpoint(input, prices, objective),
  );
  const today = existingEndpoints.find((endpoint) => endpoint.monthlyCost !== null);
  if (today?.monthlyCost != null) {
    for (const entry of all) {
      if (entry.monthlyCost !== null) entry.monthlySaving = today.monthlyCost - entry.monthlyCost;
    }
  }
  const kept =
    objective.latency === 'exclude' ? all.filter((entry) => entry.latency !== 'exceeded') : all;
  return {
    hoursPerMonth: HOURS_PER_MONTH,
    peakHoursPerMonth,
    baselineHoursPerMonth,
    inferencesPerMonth: inferences,
    entries: kept.sort(compareEntries).map((entry, index) => ({ rank: index + 1, ...entry })),
    excludedForLatency: all.length - kept.length,
    existingEndpoints,
    savingsAgainst: today?.endpointName ?? null,
    assumptions: [
      ...assumptionsOf(objective, considered, context),
      ...(existingEndpoints.length > 0
        ? [
            `Endpoints the job benchmarked are planned like the entries, with the max invocations per instance the job measured on them and the cost per hour it measured for their instance type${today ? `; each entry's monthlySaving is ${today.endpointName}'s monthly cost minus its own` : '; no monthly saving is given, as no benchmarked endpoint has a known price'}.`,
          ]
        : []),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// SageMaker's own opinion (GetScalingConfigurationRecommendation), next to irwatch's.

/** The traffic objective as GetScalingConfigurationRecommendation takes it: whole invocations per minute. */
export interface ScalingPolicyObjective {
  minInvocationsPerMinute: number;
  maxInvocationsPerMinute: number;
}

/** What irwatch asks SageMaker: the entry's recommendation in its job, at the plan's traffic. */
export interface ScalingQuestion extends ScalingPolicyObjective {
  jobName: string;
  accountId: string;
  region: string;
  recommendationId: string;
}

/** SageMaker's answer, flattened: its first target-tracking policy, and its capacities. */
export interface SageMakerScaling {
  targetCpuUtilizationPerCore: number | null;
  /** The invocations per minute per instance and the latency SageMaker's policy is based on. */
  invocationsPerInstance: number | null;
  modelLatency: number | null;
  minCapacity: number | null;
  maxCapacity: number | null;
  scaleInCooldown: number | null;
  scaleOutCooldown: number | null;
  targetValue: number | null;
  predefinedMetricType: string | null;
}

export interface ScalingSideBySide {
  recommendationId: string;
  jobName: string;
  rank: number;
  scalingPolicyObjective: ScalingPolicyObjective;
  irwatch: { minCapacity: number; maxCapacity: number; targetValue: number };
  sagemaker: SageMakerScaling;
}

/**
 * The objective in whole invocations per minute (SageMaker's members are integers): the
 * baseline rounded down and the peak rounded up, so the range asked holds the traffic planned.
 */
export const scalingObjectiveOf = (objective: TrafficObjective): ScalingPolicyObjective => ({
  minInvocationsPerMinute: Math.floor(objective.baselineInvocationsPerMinute),
  maxInvocationsPerMinute: Math.ceil(objective.peakInvocationsPerMinute),
});

/**
 * The entry SageMaker is asked about: the first-ranked one with a scaling policy to compare and
 * a recommendation id SageMaker gave (`known`; irwatch derives ids for recommendations without).
 */
export const entryForSageMaker = (
  plan: Pick<CapacityPlan, 'entries'>,
  known: (entry: PlanEntry) => boolean,
): PlanEntry | undefined =>
  plan.entries.find(
    (entry) =>
      entry.deployment?.putScalingPolicy && entry.deployment.registerScalableTarget && known(entry),
  );

export function questionFor(entry: PlanEntry, objective: TrafficObjective): ScalingQuestion {
  return {
    jobName: entry.jobName,
    accountId: entry.accountId,
    region: entry.region,
    recommendationId: entry.recommendationId,
    ...scalingObjectiveOf(objective),
  };
}

export function sideBySide(
  entry: PlanEntry,
  objective: TrafficObjective,
  sagemaker: SageMakerScaling,
): ScalingSideBySide {
  const target = entry.deployment!.registerScalableTarget!;
  const policy = entry.deployment!.putScalingPolicy!;
  return {
    recommendationId: entry.recommendationId,
    jobName: entry.jobName,
    rank: entry.rank,
    scalingPolicyObjective: scalingObjectiveOf(objective),
    irwatch: {
      minCapacity: target.MinCapacity,
      maxCapacity: target.MaxCapacity,
      targetValue: policy.TargetTrackingScalingPolicyConfiguration.TargetValue,
    },
    sagemaker,
  };
}
