import type { DERIVED_METRIC_NAMES, Metrics } from './types.js';

export type Order = 'asc' | 'desc';
export type RankedMetric = keyof Metrics | (typeof DERIVED_METRIC_NAMES)[number];

/**
 * Which way each metric is better, as the order that puts the best first: the one table the
 * Pareto front, the job's best entries, the API's default sort and the dashboard's read.
 */
export const BEST_FIRST = {
  costPerHour: 'asc',
  costPerInference: 'asc',
  maxInvocations: 'desc',
  modelLatency: 'asc',
  cpuUtilization: 'asc',
  memoryUtilization: 'asc',
  modelSetupTime: 'asc',
  costPerMillionInferences: 'asc',
  invocationsPerSecond: 'desc',
} as const satisfies Record<RankedMetric, Order>;

/** How much better `a` is than `b` by `metric`: above 0 when better, 0 when equal. */
export const betterBy = (metric: RankedMetric, a: number, b: number): number =>
  BEST_FIRST[metric] === 'asc' ? b - a : a - b;
