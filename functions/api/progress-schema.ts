import * as z from 'zod/mini';
import { bestSchema } from '../../shared/events.js';
import { described } from './schemas.js';

const count = (what: string) => described(z.int().check(z.nonnegative()), what);
const time = (what: string) => described(z.nullable(z.string()), `${what} (ISO 8601, UTC)`);

/** A job's progress as the API shows it (shared/model/progress.ts computes it). */
export const progressSchema = described(
  z.nullable(
    z.object({
      total: count('Benchmarks SageMaker lists for the job so far.'),
      completed: count('Benchmarks finished with metrics.'),
      failed: count('Benchmarks that failed or were stopped.'),
      running: count('Benchmarks running now.'),
      pending: count('Benchmarks waiting to run.'),
      startedAt: time('When the first benchmark started, or null before'),
      eta: time('When the benchmarks left should be done, or null (see etaUnavailableReason)'),
      etaUnavailableReason: described(
        z.nullable(z.string()),
        'Why there is no ETA yet (no benchmark finished to time, or none left to run).',
      ),
      meanBenchmarkSeconds: described(
        z.nullable(z.number()),
        'Mean duration of a finished benchmark, the ETA’s basis.',
      ),
      concurrency: count('Benchmarks the ETA assumes run at once.'),
      best: bestSchema,
      listedAt: described(z.string(), 'When SageMaker listed the steps this progress comes from.'),
    }),
  ),
  'How far the job’s benchmarks are: refreshed while it runs, final once it ended; null until its steps were first read. In `best`, `recommendationId` names a benchmark step (`benchmark-<stepIndex>`).',
);

/** What a recommendations request for a job that still runs answers besides the empty list. */
export const runningJobSchema = described(
  z.nullable(
    z.object({
      status: z.enum(['PENDING', 'IN_PROGRESS', 'STOPPING']),
      note: z.string(),
      progress: progressSchema,
    }),
  ),
  'Set while the job runs: SageMaker gives recommendations only once it completes, so this says so and shows its progress and best benchmarks so far (GET /jobs/{jobName}/benchmarks lists them). Null once the job ended.',
);
