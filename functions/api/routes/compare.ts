import type { z } from 'zod';
import { jobKeyOf } from '../../../shared/db/table.js';
import { METRIC_NAMES, type Recommendation } from '../../../shared/model/types.js';
import { jobRecord, resolveJob, type FoundJob } from '../job-ref.js';
import { notFound, ProblemError } from '../problem.js';
import type { RouteHandler } from '../route-context.js';
import type { comparisonSchema, configurationSchema, spreadSchema } from '../responses.js';
import { jobSummaryView } from '../views.js';
import { readRecommendations } from './recommendations.js';

type Configuration = z.infer<typeof configurationSchema>;
type ConfigurationGroup = z.infer<typeof comparisonSchema>['configurations'][number];
type Spread = z.infer<typeof spreadSchema>;

/**
 * A configuration is what is deployed: instance type and count, or serverless memory size. The
 * environment a recommendation was measured with is shown per run, not part of the key, so
 * re-runs of one sweep line up even when SageMaker tried different settings.
 */
/** What configurationOf keys on, as a recommendation and a summary row both have it. */
export interface ConfigurationFields {
  endpointType: Recommendation['endpointType'];
  instanceType: string | null;
  initialInstanceCount: number | null;
  memorySizeInMB: number | null;
}

export const configurationKeyOf = (fields: ConfigurationFields) =>
  fields.endpointType === 'Serverless'
    ? `serverless ${fields.memorySizeInMB ?? 'unknown'}MB`
    : `${fields.instanceType ?? 'unknown'} x${fields.initialInstanceCount ?? '?'}`;

export function configurationOf(rec: Recommendation): {
  key: string;
  configuration: Configuration;
} {
  if (rec.endpointType === 'Serverless') {
    const memory = rec.serverless?.memorySizeInMB ?? null;
    return {
      key: configurationKeyOf({ ...rec, memorySizeInMB: memory }),
      configuration: {
        endpointType: 'Serverless',
        instanceType: null,
        initialInstanceCount: null,
        memorySizeInMB: memory,
      },
    };
  }
  return {
    key: configurationKeyOf({ ...rec, memorySizeInMB: null }),
    configuration: {
      endpointType: 'RealTime',
      instanceType: rec.instanceType,
      initialInstanceCount: rec.initialInstanceCount,
      memorySizeInMB: null,
    },
  };
}

export function spreadOf(values: ReadonlyArray<number | null>): Spread {
  const known = values.filter((value): value is number => value !== null);
  if (known.length === 0) return null;
  const min = Math.min(...known);
  const max = Math.max(...known);
  return { count: known.length, min, max, relativeSpread: min > 0 ? (max - min) / min : null };
}

const byNullable = <T extends string | number>(a: T | null, b: T | null) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

function compareConfigurations(a: Configuration, b: Configuration): number {
  return (
    byNullable(a.endpointType, b.endpointType) ||
    byNullable(a.instanceType, b.instanceType) ||
    byNullable(a.initialInstanceCount, b.initialInstanceCount) ||
    byNullable(a.memorySizeInMB, b.memorySizeInMB)
  );
}

export function groupByConfiguration(
  recommendationsPerJob: ReadonlyArray<readonly Recommendation[]>,
): ConfigurationGroup[] {
  const groups = new Map<string, Omit<ConfigurationGroup, 'spread'>>();
  for (const recommendations of recommendationsPerJob) {
    const sorted = [...recommendations].sort((a, b) =>
      a.recommendationId < b.recommendationId ? -1 : 1,
    );
    for (const rec of sorted) {
      const { key, configuration } = configurationOf(rec);
      const group = groups.get(key) ?? { key, configuration, runs: [] };
      group.runs.push({
        ...jobKeyOf(rec),
        recommendationId: rec.recommendationId,
        environmentParameters: rec.environmentParameters,
        metrics: rec.metrics,
        derived: rec.derived,
      });
      groups.set(key, group);
    }
  }
  return [...groups.values()]
    .sort((a, b) => compareConfigurations(a.configuration, b.configuration))
    .map((group) => ({
      ...group,
      spread: Object.fromEntries(
        METRIC_NAMES.map((name) => [name, spreadOf(group.runs.map((run) => run.metrics[name]))]),
      ) as ConfigurationGroup['spread'],
    }));
}

const isProblem = (error: unknown, status: number) =>
  error instanceof ProblemError && error.status === status;

/**
 * Each job found by its name or ARN (a GetItem or a Query), then one Query per job for its
 * recommendations: at most 10 jobs, in parallel.
 */
export const compareJobs: RouteHandler<'compareJobs'> = async ({ query }, context) => {
  const settled = await Promise.allSettled(
    query.jobs.map((ref) => resolveJob(context.reader, { ref })),
  );
  // Every unknown job named at once; an ambiguous name says which jobs it could mean.
  const missing = query.jobs.filter((_, index) => {
    const outcome = settled[index]!;
    return outcome.status === 'rejected' && isProblem(outcome.reason, 404);
  });
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (missing.length > 1) {
    throw notFound(`No job named ${missing.join(', ')} has been recorded.`);
  }
  if (failure) throw failure.reason;
  const found = settled.map((outcome) => (outcome as PromiseFulfilledResult<FoundJob>).value);
  const [perJob, records] = await Promise.all([
    Promise.all(found.map(({ key }) => readRecommendations(context.reader, key))),
    Promise.all(found.map((job) => jobRecord(context.reader, job))),
  ]);
  const configurations = groupByConfiguration(perJob);
  const jobs = records.map(jobSummaryView);
  return {
    body: { jobs, configurations },
    itemsReturned: jobs.length + perJob.reduce((sum, recs) => sum + recs.length, 0),
  };
};
