import type { Best, BestEntry } from '../events.js';
import { betterBy } from './metric-order.js';
import type { Recommendation } from './types.js';

type Ranked = Pick<
  Recommendation,
  'recommendationId' | 'endpointType' | 'instanceType' | 'serverless' | 'metrics'
>;

/**
 * Pareto optimality over (costPerInference ↓, modelLatency ↓, maxInvocations ↑) within one job.
 * Only recommendations with all three metrics known take part: an unknown cost cannot be
 * compared, so it neither dominates nor is called optimal.
 */
export function paretoOptimalIds(recommendations: readonly Ranked[]): Set<string> {
  const known = recommendations.filter(
    (r) =>
      r.metrics.costPerInference !== null &&
      r.metrics.modelLatency !== null &&
      r.metrics.maxInvocations !== null,
  );
  const optimal = new Set<string>();
  for (const candidate of known) {
    const dominated = known.some((other) => other !== candidate && dominates(other, candidate));
    if (!dominated) optimal.add(candidate.recommendationId);
  }
  return optimal;
}

const PARETO_METRICS = ['costPerInference', 'modelLatency', 'maxInvocations'] as const;
type ParetoMetric = (typeof PARETO_METRICS)[number];

/** No worse by any of the three metrics and better by one; ties dominate nothing. */
function dominates(a: Ranked, b: Ranked): boolean {
  const margins = PARETO_METRICS.map((metric) =>
    betterBy(metric, a.metrics[metric]!, b.metrics[metric]!),
  );
  return margins.every((margin) => margin >= 0) && margins.some((margin) => margin > 0);
}

function pick(recommendations: readonly Ranked[], metric: ParetoMetric): BestEntry | null {
  let best: Ranked | undefined;
  for (const r of recommendations) {
    const value = r.metrics[metric];
    if (value === null) continue;
    const current = best?.metrics[metric];
    // Ties go to the smaller id so the answer does not depend on SageMaker's ordering.
    if (
      best === undefined ||
      current === null ||
      current === undefined ||
      betterBy(metric, value, current) > 0 ||
      (value === current && r.recommendationId < best.recommendationId)
    ) {
      best = r;
    }
  }
  if (!best) return null;
  return {
    recommendationId: best.recommendationId,
    endpointType: best.endpointType,
    instanceType: best.instanceType,
    memorySizeInMB: best.serverless?.memorySizeInMB ?? null,
    value: best.metrics[metric] as number,
  };
}

export function bestOf(recommendations: readonly Ranked[]): Best {
  return {
    lowestCostPerInference: pick(recommendations, 'costPerInference'),
    lowestModelLatency: pick(recommendations, 'modelLatency'),
    highestMaxInvocations: pick(recommendations, 'maxInvocations'),
  };
}
