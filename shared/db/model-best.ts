import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobKey } from '../accounts.js';
import {
  BEST_ENTRY,
  BEST_FIRST,
  BEST_GOALS,
  compareRankPoints,
  type BestGoal,
  type RankPoint,
} from '../model/metric-order.js';
import { fromItem } from './items.js';
import {
  MODEL_WINDOW,
  putBesideModel,
  modelEntriesOf,
  newestFirst,
  type ModelEntry,
} from './model-entry.js';
import { jobKeyOf, keys } from './table.js';

/**
 * The answer of `GET /models/{m}/recommendations?best=<goal>` without filters, per goal, kept by
 * ingest in a small item beside the model's item (`MODEL#<m>` / `BEST`), so that route reads one
 * small item and nothing else: the winner over the model's MODEL_WINDOW newest jobs (each job's
 * own `best` entry, as the route ranks them), with the whole recommendation as stored and the
 * fields of its job's record.
 *
 * It is recomputed from the model's item after every write of an entry (that write returns the
 * item), and written only over a result computed from an older state of the model's item: the
 * model's item counts its entry writes in `version`, and this item is put on the condition that
 * its own version is lower. Removing entries past their account and region's window, or a job's
 * rows, never changes a winner (such an entry has MODEL_WINDOW newer ones), so those leave the
 * version alone.
 */

export interface ModelAnswer {
  /** The winner's job record fields (model-entry.ts JOB_FIELDS). */
  job: Record<string, unknown>;
  /** The winning recommendation as stored, without its key. */
  recommendation: Record<string, unknown>;
}

export interface ModelBest {
  version: number;
  jobsConsidered: number;
  answers: Record<BestGoal, ModelAnswer | null>;
}

interface Winner {
  entry: ModelEntry;
  recommendationId: string;
}

const bestPointOf = (entry: ModelEntry, goal: BestGoal): RankPoint | undefined => {
  if (!(Number(entry.job.recommendationCount) > 0)) return undefined;
  const best = entry.job.best as Record<string, unknown> | null | undefined;
  const point = best?.[BEST_ENTRY[goal]] as { recommendationId?: unknown; value?: unknown } | null;
  if (!point || typeof point.recommendationId !== 'string') return undefined;
  return {
    id: point.recommendationId,
    value: typeof point.value === 'number' ? point.value : null,
  };
};

/** Per goal, the winner over the MODEL_WINDOW newest of these entries, and how many those are. */
export function modelWinners(entries: Iterable<ModelEntry>): {
  jobsConsidered: number;
  winners: Record<BestGoal, Winner | null>;
} {
  const newest = [...entries].sort(newestFirst).slice(0, MODEL_WINDOW);
  const winners = {} as Record<BestGoal, Winner | null>;
  for (const goal of BEST_GOALS) {
    let winner: { entry: ModelEntry; point: RankPoint } | undefined;
    for (const entry of newest) {
      const point = bestPointOf(entry, goal);
      if (point && (!winner || compareRankPoints(point, winner.point, BEST_FIRST[goal]) < 0)) {
        winner = { entry, point };
      }
    }
    winners[goal] = winner ? { entry: winner.entry, recommendationId: winner.point.id } : null;
  }
  return { jobsConsidered: newest.length, winners };
}

const recommendationKeyOf = (job: JobKey, recommendationId: string) =>
  `${job.accountId}#${job.region}#${job.jobName}#${recommendationId}`;

/** Stored recommendations (items with their key, or without), by job and recommendation id. */
export function recommendationsByKey(
  items: ReadonlyArray<Record<string, unknown>>,
): Map<string, Record<string, unknown>> {
  return new Map(
    items.map((item) => {
      const rec = fromItem<Record<string, unknown>>(item);
      return [
        recommendationKeyOf(rec as unknown as JobKey, String(rec.recommendationId)),
        rec,
      ] as const;
    }),
  );
}

/**
 * The answers of a model from its item's entries; the winning recommendations from `known`
 * (the stored form of those ingest has in hand), the others read (strongly consistent);
 * undefined when one of them is not stored.
 */
export async function modelBestOf(
  doc: DynamoDBDocumentClient,
  tableName: string,
  jobsItem: Record<string, unknown>,
  known: (job: JobKey, recommendationId: string) => Record<string, unknown> | undefined,
): Promise<ModelBest | undefined> {
  const { jobsConsidered, winners } = modelWinners(modelEntriesOf(jobsItem).values());
  const wanted = BEST_GOALS.flatMap((goal) => {
    const winner = winners[goal];
    if (!winner) return [];
    const job = jobKeyOf(winner.entry.job as unknown as JobKey);
    return [{ job, recommendationId: winner.recommendationId }];
  });
  const found = new Map<string, Record<string, unknown>>();
  for (const { job, recommendationId } of wanted) {
    const item = known(job, recommendationId);
    if (item) found.set(recommendationKeyOf(job, recommendationId), fromItem(item));
  }
  const missing = wanted.filter(
    ({ job, recommendationId }) => !found.has(recommendationKeyOf(job, recommendationId)),
  );
  const unique = [
    ...new Map(
      missing.map((want) => [recommendationKeyOf(want.job, want.recommendationId), want]),
    ).values(),
  ];
  // GetItem, in parallel (at most one per goal): ingest's role reads single items only.
  const read = recommendationsByKey(
    (
      await Promise.all(
        unique.map(({ job, recommendationId }) =>
          doc.send(
            new GetCommand({
              TableName: tableName,
              Key: keys.recommendation(job, recommendationId),
              ConsistentRead: true,
            }),
          ),
        ),
      )
    ).flatMap(({ Item }) => (Item ? [Item] : [])),
  );
  const answers = {} as Record<BestGoal, ModelAnswer | null>;
  for (const goal of BEST_GOALS) {
    const winner = winners[goal];
    if (!winner) {
      answers[goal] = null;
      continue;
    }
    const id = recommendationKeyOf(
      jobKeyOf(winner.entry.job as unknown as JobKey),
      winner.recommendationId,
    );
    const recommendation = found.get(id) ?? read.get(id);
    // Ingest stores a job's recommendations before its record; a table where one is missing
    // anyway keeps no answers for the model (the route then reads its item, as before them).
    if (!recommendation) return undefined;
    answers[goal] = { job: winner.entry.job, recommendation };
  }
  return { version: Number(jobsItem.version ?? 0), jobsConsidered, answers };
}

/** The item of a model's answers (answers as one JSON string: one value to decode). */
export const modelBestItem = (model: string, best: ModelBest): Record<string, unknown> => ({
  ...keys.modelBest(model),
  entity: 'model-best',
  version: best.version,
  jobsConsidered: best.jobsConsidered,
  answers: JSON.stringify(best.answers),
});

/** A model whose item overflowed: its routes read the jobs; no later answer is put over this. */
export const overflowBestItem = (model: string): Record<string, unknown> => ({
  ...keys.modelBest(model),
  entity: 'model-best',
  version: Number.MAX_SAFE_INTEGER,
  overflow: true,
});

/** The answers an item holds, or undefined when it holds none to trust. */
export function modelBestFrom(item: Record<string, unknown> | undefined): ModelBest | undefined {
  if (!item || item.overflow === true || typeof item.answers !== 'string') return undefined;
  const answers = JSON.parse(item.answers) as Record<BestGoal, ModelAnswer | null>;
  if (BEST_GOALS.some((goal) => answers[goal] === undefined)) return undefined;
  return {
    version: Number(item.version),
    jobsConsidered: Number(item.jobsConsidered),
    answers,
  };
}

/**
 * Puts the answers unless answers of the same or a later state of the model's item are there;
 * none (a winner not stored): an item without answers, over older ones.
 */
export async function putModelBest(
  doc: DynamoDBDocumentClient,
  tableName: string,
  model: string,
  version: number,
  best: ModelBest | undefined,
): Promise<boolean> {
  return putBesideModel(doc, tableName, version, best && modelBestItem(model, best), {
    ...keys.modelBest(model),
    entity: 'model-best',
  });
}
