import type * as z from 'zod/mini';
import type { SageMakerScaling, ScalingQuestion } from './capacity-plan.js';
import type { TableReader } from './reader.js';
import type { RESPONSES } from './responses.js';
import type { ROUTES, RouteId } from './schemas.js';

/** What a route handler gets besides its parameters. */
export interface RouteContext {
  reader: TableReader;
  /** Cursors scoped to this route and these query parameters. */
  cursor: {
    /** The position the request's `cursor` carries, or undefined on a first page. */
    position<T>(schema: z.ZodMiniType<T>): Promise<T | undefined>;
    /** The `nextCursor` for a position, or null when there is nothing after it. */
    next(position: unknown): Promise<string | null>;
  };
  /**
   * GetScalingConfigurationRecommendation in the job's own account and region. SageMaker's
   * refusals arrive as ProblemErrors (502 naming its error, 503 when it throttles).
   */
  scalingRecommendation(question: ScalingQuestion): Promise<SageMakerScaling>;
}

export interface RouteResult<Body> {
  body: Body;
  /** Items the response carries (jobs, recommendations, steps...): read amplification's denominator. */
  itemsReturned: number;
}

type Spec<Id extends RouteId> = (typeof ROUTES)[Id];

export interface RouteInput<Id extends RouteId> {
  path: z.output<Spec<Id>['path']>;
  query: z.output<Spec<Id>['query']>;
}

export type RouteHandler<Id extends RouteId> = (
  input: RouteInput<Id>,
  context: RouteContext,
) => Promise<RouteResult<z.input<(typeof RESPONSES)[Id]>>>;
