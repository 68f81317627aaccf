import type { Best, BestEntry } from '../events.js';
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

function dominates(a: Ranked, b: Ranked): boolean {
  const [ac, al, ai] = [
    a.metrics.costPerInference!,
    a.metrics.modelLatency!,
    a.metrics.maxInvocations!,
  ];
  const [bc, bl, bi] = [
    b.metrics.costPerInference!,
    b.metrics.modelLatency!,
    b.metrics.maxInvocations!,
  ];
  const noWorse = ac <= bc && al <= bl && ai >= bi;
  const better = ac < bc || al < bl || ai > bi;
  return noWorse && better;
}

function pick(
  recommendations: readonly Ranked[],
  metric: 'costPerInference' | 'modelLatency' | 'maxInvocations',
  direction: 1 | -1,
): BestEntry | null {
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
      direction * (value - current) < 0 ||
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
    lowestCostPerInference: pick(recommendations, 'costPerInference', 1),
    lowestModelLatency: pick(recommendations, 'modelLatency', 1),
    highestMaxInvocations: pick(recommendations, 'maxInvocations', -1),
  };
}
