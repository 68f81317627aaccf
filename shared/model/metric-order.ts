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

/** A recommendation's place in an order: its value by the metric, its id to break ties. */
export interface RankPoint {
  value: number | null;
  id: string;
}

/** Known values in `order`, unknown ones last; ties by id, so the order is total. */
export function compareRankPoints(a: RankPoint, b: RankPoint, order: Order): number {
  if (a.value !== b.value) {
    if (a.value === null) return 1;
    if (b.value === null) return -1;
    return order === 'asc' ? a.value - b.value : b.value - a.value;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** What a model's "best" can mean, each with the job-level `best` entry that answers it. */
export const BEST_ENTRY = {
  costPerInference: 'lowestCostPerInference',
  modelLatency: 'lowestModelLatency',
  maxInvocations: 'highestMaxInvocations',
} as const;
export type BestGoal = keyof typeof BEST_ENTRY;
export const BEST_GOALS = Object.keys(BEST_ENTRY) as BestGoal[];
