import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describedJsonSchema } from '../../shared/event-json-schema.js';
import { RECORDED, recordedDetailSchema, type RecordedDetail } from '../../shared/events.js';

/** Where the schema is committed, relative to the repository root. */
export const RECORDED_DETAIL_SCHEMA_PATH = 'events/schemas/recorded-detail.schema.json';

const bestEntry =
  'Recommendation id, endpoint type, instance type (null when serverless), serverless memory size in MB (null when real-time) and the metric value; null when no recommendation reports the metric.';

/** What each field means, for subscribers who never read shared/events.ts. */
const descriptions: Record<keyof RecordedDetail, string> = {
  jobName: 'The Inference Recommender job name.',
  accountId:
    'The AWS account the job runs in. A job is identified by account, region and name: two accounts may each have a job of the same name.',
  region: 'The AWS region the job runs in.',
  jobArn: 'The job ARN.',
  jobType: 'Default or Advanced.',
  status:
    'The job status irwatch recorded. Notifications are sent for COMPLETED, FAILED and STOPPED.',
  previousStatus: 'The status this one replaced in irwatch, or null when the job was first seen.',
  modelName: 'The model the job benchmarked, or null when it was given as a model package.',
  modelPackageVersionArn: 'The model package version the job benchmarked, or null.',
  creationTime: 'When the job was created (ISO 8601, UTC).',
  completionTime: 'When the job finished (ISO 8601, UTC), or null while it runs.',
  failureReason: "SageMaker's failure reason for the job, verbatim, or null.",
  recommendationCount: 'How many recommendations the job produced.',
  failedBenchmarkCount: 'How many benchmark steps failed.',
  best:
    'The recommendation with the lowest cost per inference (USD), the lowest model latency (ms) and the highest max invocations (per minute). ' +
    bestEntry,
  version: 'Counts the changes irwatch recorded for the job; a later event carries a higher one.',
};

/**
 * The JSON Schema of the `Inference Recommendations Job Recorded` detail, which is also the JSON
 * that SQS, Lambda and HTTP(S) subscribers of the irwatch topic receive. Generated from the zod
 * schema the code validates with, so the document cannot drift from it (a test compares).
 */
export const recordedDetailJsonSchema = (): Record<string, unknown> =>
  describedJsonSchema(recordedDetailSchema, descriptions, {
    title: RECORDED,
    description:
      'The detail of the irwatch event "Inference Recommendations Job Recorded" (source irwatch), ' +
      'and the message that SQS, Lambda, HTTP and HTTPS subscribers of the irwatch SNS topic ' +
      'receive. Generated from recordedDetailSchema in shared/events.ts by ' +
      '`npx tsx functions/notify/recorded-detail-schema.ts`.',
  });

export const renderRecordedDetailJsonSchema = (): string =>
  `${JSON.stringify(recordedDetailJsonSchema(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = fileURLToPath(new URL(`../../${RECORDED_DETAIL_SCHEMA_PATH}`, import.meta.url));
  writeFileSync(target, renderRecordedDetailJsonSchema());
  console.log(`Wrote ${target}`);
}
