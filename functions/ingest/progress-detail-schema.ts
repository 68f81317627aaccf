import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describedJsonSchema } from '../../shared/event-json-schema.js';
import { PROGRESS, progressDetailSchema, type ProgressDetail } from '../../shared/events.js';

/** Where the schema is committed, relative to the repository root. */
export const PROGRESS_DETAIL_SCHEMA_PATH = 'events/schemas/progress-detail.schema.json';

const count = (what: string) => `How many of the job's benchmarks ${what}.`;

/** What each field means, for programs that never read shared/events.ts. */
const descriptions: Record<keyof ProgressDetail, string> = {
  jobName: 'The Inference Recommender job name.',
  accountId:
    'The AWS account the job runs in. A job is identified by account, region and name: two accounts may each have a job of the same name.',
  region: 'The AWS region the job runs in.',
  jobArn: 'The job ARN.',
  status: 'The job status irwatch has stored: PENDING, IN_PROGRESS or STOPPING.',
  total: 'How many benchmarks SageMaker lists for the job so far.',
  completed: count('finished with metrics'),
  failed: count('failed or were stopped'),
  running: count('run now'),
  pending: count('wait to run'),
  startedAt: 'When the first benchmark started (ISO 8601, UTC), or null before.',
  eta: 'When the benchmarks left should be done (ISO 8601, UTC): the mean duration of the finished ones, as many at once as run now. Null when it cannot be estimated (see etaUnavailableReason).',
  etaUnavailableReason: 'Why eta is null (no benchmark finished yet, or none left), else null.',
  best: 'The finished benchmark with the lowest cost per inference (USD), the lowest model latency (ms) and the highest max invocations (per minute), so far; recommendationId names the step, `benchmark-<stepIndex>`.',
  version:
    "Counts the job's stored progress changes: a later event of the same job carries a higher one (EventBridge may deliver them out of order).",
};

/**
 * The JSON Schema of the `Inference Recommendations Job Progress` detail, generated from the zod
 * schema the code builds it with, so the document cannot drift from it (a test compares).
 */
export const progressDetailJsonSchema = (): Record<string, unknown> =>
  describedJsonSchema(progressDetailSchema, descriptions, {
    title: PROGRESS,
    description:
      'The detail of the irwatch event "Inference Recommendations Job Progress" (source irwatch), ' +
      "put when a running job's benchmark counts change. Generated from progressDetailSchema in " +
      'shared/events.ts by `npx tsx functions/ingest/progress-detail-schema.ts`.',
  });

export const renderProgressDetailJsonSchema = (): string =>
  `${JSON.stringify(progressDetailJsonSchema(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = fileURLToPath(new URL(`../../${PROGRESS_DETAIL_SCHEMA_PATH}`, import.meta.url));
  writeFileSync(target, renderProgressDetailJsonSchema());
  console.log(`Wrote ${target}`);
}
