import { parseJobArn, type JobKey } from '../../shared/accounts.js';
import { jobKeyOf, keys, keyValues, layout } from '../../shared/db/table.js';
import { ambiguous, badRequest, notFound, type JobMatch } from './problem.js';
import type { Item, TableReader } from './reader.js';
import { isStoredJob } from './views.js';

/** How a request names a job: its name or ARN, and where the name alone is not enough. */
export interface JobRef {
  /** The path's `{jobName}`: a job name or a job ARN. */
  ref: string;
  accountId?: string | undefined;
  region?: string | undefined;
}

/**
 * The job a request names: its key, and its stored record when finding the key read it (a bare
 * name, an ARN). A name with its account and region gives the key without a read: a route reads
 * what it needs under it, and the record only to tell an unknown job from an empty answer.
 */
export interface FoundJob {
  key: JobKey;
  item?: Item;
}

const describeRef = ({ ref, accountId, region }: JobRef) =>
  [ref, accountId && `in account ${accountId}`, region && `in ${region}`].filter(Boolean).join(' ');

const matchOf = (item: Item): JobMatch => ({
  jobName: String(item.jobName),
  accountId: String(item.accountId),
  region: String(item.region),
  jobArn: typeof item.jobArn === 'string' ? item.jobArn : null,
  status: String(item.status),
});

/**
 * The one job a request names. A name with its account and region reads nothing; an ARN is one
 * GetItem; a bare name (or one with only its account, or only its region) is one Query over the
 * records of that name (they share a partition), which must find exactly one: none is a 404,
 * several a 409 listing them.
 */
export async function resolveJob(reader: TableReader, job: JobRef): Promise<FoundJob> {
  const arn = parseJobArn(job.ref);
  if (arn) {
    const conflicts = (['accountId', 'region'] as const).filter(
      (name) => job[name] !== undefined && job[name] !== arn[name],
    );
    if (conflicts.length > 0) {
      throw badRequest(
        conflicts.map((name) => ({
          name,
          in: 'query' as const,
          reason: `must match the job ARN's ${name === 'accountId' ? 'account' : 'region'} (${arn[name]}), or be left out`,
        })),
      );
    }
    // The ARN spells the name in lower case, as the partition key does: the record (one GetItem)
    // tells the name as SageMaker spells it, which recommendation ids start with.
    const item = await reader.get(keys.job({ ...arn, jobName: arn.lowerCaseName }));
    if (!isStoredJob(item)) throw notFound(`No job ${job.ref} has been recorded.`);
    return { key: jobKeyOf(item as unknown as JobKey), item };
  }
  if (job.accountId !== undefined && job.region !== undefined) {
    return { key: { jobName: job.ref, accountId: job.accountId, region: job.region } };
  }
  const page = await reader.query({
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ExpressionAttributeNames: { '#pk': layout.primary.pk, '#sk': layout.primary.sk },
    ExpressionAttributeValues: {
      ':pk': keyValues.jobPk(job.ref),
      ':prefix':
        job.accountId === undefined
          ? keyValues.jobSkPrefix
          : `${keyValues.jobSkPrefix}${job.accountId}#`,
    },
  });
  return oneJobOf(job, page.items);
}

/**
 * The one job record among `items` (read from the name's partition) that a bare name, or one
 * with only its account or only its region, names: none is a 404, several a 409 listing them.
 */
export function oneJobOf(job: JobRef, items: readonly Item[]): FoundJob {
  const found = items.filter(
    (item) =>
      isStoredJob(item) &&
      (job.accountId === undefined || item.accountId === job.accountId) &&
      (job.region === undefined || item.region === job.region),
  );
  const [only] = found;
  if (!only) throw notFound(`No job named ${describeRef(job)} has been recorded.`);
  if (found.length > 1) {
    const matches = found.map(matchOf);
    throw ambiguous(
      `${found.length} jobs named ${job.ref} are recorded, in ${matches
        .map((match) => `${match.accountId}/${match.region}`)
        .join(', ')}: name one by its ARN, or add accountId and region.`,
      matches,
    );
  }
  return { key: jobKeyOf(only as unknown as JobKey), item: only };
}

/** Whether a request names its job by name, account and region: its key needs no read. */
export const isNamedInFull = (job: JobRef) =>
  parseJobArn(job.ref) === undefined && job.accountId !== undefined && job.region !== undefined;

/** The job's stored record: the one resolveJob read, or one GetItem; a 404 when there is none. */
export async function jobRecord(reader: TableReader, found: FoundJob): Promise<Item> {
  const item = found.item ?? (await reader.get(keys.job(found.key)));
  if (!isStoredJob(item)) {
    const { jobName, accountId, region } = found.key;
    throw notFound(`No job named ${jobName} has been recorded in account ${accountId}, ${region}.`);
  }
  return item;
}
