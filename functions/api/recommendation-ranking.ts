import * as z from 'zod/mini';
import type { Recommendation } from '../../shared/model/types.js';
import {
  BEST_ENTRY as BEST_ENTRY_OF_GOAL,
  BEST_FIRST,
  compareRankPoints,
  type Order,
} from '../../shared/model/metric-order.js';
import type { BestMetric, SortField } from './schemas.js';

/**
 * Filters and orders recommendations in memory. DynamoDB cannot sort one partition by an
 * arbitrary attribute, so a job's recommendations are ranked here from its recommendation list,
 * its summary item or its recommendations themselves; the same rules serve the list, the
 * per-model best and the cursors.
 */

/** What ranking reads of a recommendation: a stored recommendation and a summary entry have it. */
export type Rankable = Pick<
  Recommendation,
  'recommendationId' | 'endpointType' | 'instanceType' | 'metrics' | 'derived'
>;

export interface RecommendationFilters {
  maxModelLatency?: number;
  minMaxInvocations?: number;
  maxCostPerHour?: number;
  maxCostPerInference?: number;
  instanceType?: string;
  endpointType?: 'RealTime' | 'Serverless';
  paretoOnly: boolean;
}

export type { Order };

/** A recommendation's place in an order; also what a cursor remembers of the last one shown. */
export const sortPointSchema = z.strictObject({ value: z.nullable(z.number()), id: z.string() });
export type SortPoint = z.infer<typeof sortPointSchema>;

const atMost = (value: number | null, bound: number | undefined) =>
  bound === undefined || (value !== null && value <= bound);
const atLeast = (value: number | null, bound: number | undefined) =>
  bound === undefined || (value !== null && value >= bound);

/** `ml.g5` is a family: it matches `ml.g5.xlarge`, not `ml.g5n.xlarge`. */
export const instanceTypeMatches = (instanceType: string | null, wanted: string) =>
  instanceType !== null && (instanceType === wanted || instanceType.startsWith(`${wanted}.`));

export function matchesFilters(rec: Rankable, filters: RecommendationFilters): boolean {
  return (
    atMost(rec.metrics.modelLatency, filters.maxModelLatency) &&
    atLeast(rec.metrics.maxInvocations, filters.minMaxInvocations) &&
    atMost(rec.metrics.costPerHour, filters.maxCostPerHour) &&
    atMost(rec.metrics.costPerInference, filters.maxCostPerInference) &&
    (filters.instanceType === undefined ||
      instanceTypeMatches(rec.instanceType, filters.instanceType)) &&
    (filters.endpointType === undefined || rec.endpointType === filters.endpointType) &&
    (!filters.paretoOnly || rec.derived.paretoOptimal)
  );
}

export const hasFilters = (filters: RecommendationFilters) =>
  Object.entries(filters).some(([name, value]) =>
    name === 'paretoOnly' ? value === true : value !== undefined,
  );

/** Best first. */
export const defaultOrder = (field: SortField): Order => BEST_FIRST[field];

export function sortValue(rec: Rankable, field: SortField): number | null {
  if (field === 'costPerMillionInferences' || field === 'invocationsPerSecond') {
    return rec.derived[field];
  }
  return rec.metrics[field];
}

export const sortPoint = (rec: Rankable, field: SortField): SortPoint => ({
  value: sortValue(rec, field),
  id: rec.recommendationId,
});

/** Known values in `order`, unknown ones last; ties by recommendationId, so the order is total. */
export const compareSortPoints: (a: SortPoint, b: SortPoint, order: Order) => number =
  compareRankPoints;

export function rankRecommendations<T extends Rankable>(
  recommendations: readonly T[],
  filters: RecommendationFilters,
  field: SortField,
  order: Order,
): T[] {
  return recommendations
    .filter((rec) => matchesFilters(rec, filters))
    .sort((a, b) => compareSortPoints(sortPoint(a, field), sortPoint(b, field), order));
}

export interface RankedPage<T> {
  page: T[];
  /** How many passed the filters, on every page. */
  matchedCount: number;
  /** Where the next page starts (the page's last one), or undefined when nothing follows. */
  next: SortPoint | undefined;
}

/** Filters and sorts `candidates`, then cuts the page after `position` (the last one shown). */
export function rankPage<T extends Rankable>(
  candidates: readonly T[],
  query: { filters: RecommendationFilters; sortBy: SortField; order: Order; limit: number },
  position: SortPoint | undefined,
): RankedPage<T> {
  const ranked = rankRecommendations(candidates, query.filters, query.sortBy, query.order);
  const after = position
    ? ranked.findIndex(
        (rec) => compareSortPoints(sortPoint(rec, query.sortBy), position, query.order) > 0,
      )
    : 0;
  const start = after === -1 ? ranked.length : after;
  const page = ranked.slice(start, start + query.limit);
  const last = page.at(-1);
  return {
    page,
    matchedCount: ranked.length,
    next: last && start + page.length < ranked.length ? sortPoint(last, query.sortBy) : undefined,
  };
}

/** The job-level `best` entry that already answers "best by this metric" without filters. */
export const BEST_ENTRY = BEST_ENTRY_OF_GOAL satisfies Record<BestMetric, string>;
