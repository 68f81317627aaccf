import { ConfigError } from './config.js';

/**
 * Where a job lives. A job's name is unique only within one account and region, so irwatch keys
 * every job by all three (its ARN carries them: arn:aws:sagemaker:<region>:<account>:
 * inference-recommendations-job/<lower-case name>).
 */
export interface AccountRegion {
  accountId: string;
  region: string;
}

export interface JobKey extends AccountRegion {
  jobName: string;
}

/** The accounts and regions one irwatch watches, and how it reaches the other accounts. */
export interface WatchConfig {
  /** The account and region irwatch is deployed in: read with its own roles. */
  home: AccountRegion;
  /** Every account × region watched, the home one first. */
  targets: AccountRegion[];
  /** The reader role each other account's spoke stack makes (spoke/template.yml). */
  spokeRoleName: string;
  /** What the hub presents when it assumes a spoke's reader role. */
  externalId: string | undefined;
}

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

export const isAccountId = (value: string) => ACCOUNT_ID.test(value);
export const isRegion = (value: string) => REGION.test(value);

type Env = Record<string, string | undefined>;

const listOf = (raw: string | undefined) =>
  (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/**
 * Reads the watched accounts and regions from the environment serverless.yml gives detect and
 * ingest: HOME_ACCOUNT_ID and AWS_REGION (where irwatch runs), WATCHED_ACCOUNTS (other accounts,
 * comma-separated), WATCHED_REGIONS (comma-separated; empty for the home region alone),
 * SPOKE_ROLE_NAME and SPOKE_EXTERNAL_ID. Every account is watched in every region. A malformed
 * value fails fast, naming the variable.
 */
export function readWatchConfig(env: Env = process.env): WatchConfig {
  const homeAccount = env.HOME_ACCOUNT_ID ?? '';
  const homeRegion = env.AWS_REGION ?? '';
  if (!isAccountId(homeAccount)) {
    throw new ConfigError(`HOME_ACCOUNT_ID must be a 12-digit account ID, got "${homeAccount}"`);
  }
  if (!isRegion(homeRegion)) {
    throw new ConfigError(`AWS_REGION must be a region name, got "${homeRegion}"`);
  }
  const accounts = listOf(env.WATCHED_ACCOUNTS);
  const badAccount = accounts.find((account) => !isAccountId(account));
  if (badAccount !== undefined) {
    throw new ConfigError(
      `WATCHED_ACCOUNTS must be 12-digit account IDs separated by commas, got "${badAccount}"`,
    );
  }
  const regions = listOf(env.WATCHED_REGIONS);
  const badRegion = regions.find((region) => !isRegion(region));
  if (badRegion !== undefined) {
    throw new ConfigError(
      `WATCHED_REGIONS must be region names separated by commas, got "${badRegion}"`,
    );
  }
  const externalId = env.SPOKE_EXTERNAL_ID || undefined;
  const others = [...new Set(accounts)].filter((account) => account !== homeAccount);
  if (others.length > 0 && externalId === undefined) {
    throw new ConfigError(
      'SPOKE_EXTERNAL_ID must be set when WATCHED_ACCOUNTS names other accounts: their reader roles admit only callers that present it',
    );
  }
  const watchedRegions = regions.length > 0 ? [...new Set(regions)] : [homeRegion];
  const orderedRegions = [
    ...watchedRegions.filter((region) => region === homeRegion),
    ...watchedRegions.filter((region) => region !== homeRegion),
  ];
  const targets = [homeAccount, ...others].flatMap((accountId) =>
    orderedRegions.map((region) => ({ accountId, region })),
  );
  return {
    home: { accountId: homeAccount, region: homeRegion },
    targets,
    spokeRoleName: env.SPOKE_ROLE_NAME || 'irwatch-reader',
    externalId,
  };
}

export const isHomeAccount = (config: WatchConfig, accountId: string) =>
  accountId === config.home.accountId;

/** Whether irwatch watches this account in this region. */
export const isWatched = (config: WatchConfig, where: AccountRegion) =>
  config.targets.some(
    (target) => target.accountId === where.accountId && target.region === where.region,
  );

/** A job of an account or region irwatch does not watch: nothing to read it with. */
export class UnwatchedJobError extends Error {
  override name = 'UnwatchedJobError';
  constructor(where: AccountRegion) {
    super(
      `Account ${where.accountId} in ${where.region} is not watched (WATCHED_ACCOUNTS, WATCHED_REGIONS): irwatch has no role to read its jobs with`,
    );
  }
}

export const spokeRoleArn = (config: WatchConfig, accountId: string, partition = 'aws') =>
  `arn:${partition}:iam::${accountId}:role/${config.spokeRoleName}`;

/** `<accountId>#<region>`: the part of a key that says where a job lives. */
export const scopeOf = ({ accountId, region }: AccountRegion) => `${accountId}#${region}`;

export const describeTarget = ({ accountId, region }: AccountRegion) => `${accountId}/${region}`;

const JOB_ARN =
  /^arn:(aws[\w-]*):sagemaker:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):inference-recommendations-job\/([a-zA-Z0-9-]{1,64})$/;

/**
 * The account, region and (lower-case, as SageMaker writes ARNs) name in an Inference
 * Recommender job ARN; undefined for anything else.
 */
export function parseJobArn(
  arn: string,
): (AccountRegion & { partition: string; lowerCaseName: string }) | undefined {
  const match = JOB_ARN.exec(arn);
  if (!match) return undefined;
  return {
    partition: match[1]!,
    region: match[2]!,
    accountId: match[3]!,
    lowerCaseName: match[4]!,
  };
}

export const jobArnOf = ({ accountId, region, jobName }: JobKey, partition = 'aws') =>
  `arn:${partition}:sagemaker:${region}:${accountId}:inference-recommendations-job/${jobName.toLowerCase()}`;
