import { execFile, spawn } from 'node:child_process';
import { fromIni } from '@aws-sdk/credential-providers';
import { LOCAL_PROFILE } from '../../local/aws/iam/user-credentials.js';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** What a running local stack writes to `<data dir>/stack.json`. */
export interface StackInfo {
  api: string;
  sagemaker: string;
  eventbridge: string;
  sns: string;
  sqs: string;
  dynamodb: string;
  topicArn: string;
  busName: string;
  /** The local user's keys and region, as an AWS profile the stack wrote in its data folder. */
  awsFiles: { credentials: string; config: string; profile: string };
}

export const REGION = 'us-east-1';

/**
 * The one environment every AWS CLI and botocore call against the local stack runs with: the
 * profile the stack made for its user (the keys its endpoints verify signatures with, and the
 * region), as the README tells a user to set it, and nothing of the machine's own AWS setup.
 */
export function awsCliEnv(stack: StackInfo): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AWS_')) env[name] = value;
  }
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: stack.awsFiles.credentials,
    AWS_CONFIG_FILE: stack.awsFiles.config,
    AWS_PROFILE: stack.awsFiles.profile,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

export class AwsCliError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`aws ${args.join(' ')} exited ${exitCode}: ${stderr.trim()}`);
  }
}

const run = promisify(execFile);

/** Runs `aws <args> --endpoint-url <endpoint> --output json` and parses what it prints. */
export async function aws<T = unknown>(
  stack: StackInfo,
  endpoint: string,
  args: string[],
): Promise<T> {
  const full = [...args, '--endpoint-url', endpoint, '--output', 'json'];
  try {
    const { stdout } = await run('aws', full, { env: awsCliEnv(stack), timeout: 60_000 });
    return (stdout.trim() === '' ? {} : JSON.parse(stdout)) as T;
  } catch (error) {
    const failure = error as { code?: number; stderr?: string };
    throw new AwsCliError(args, failure.code ?? null, failure.stderr ?? String(error));
  }
}

/** The error a failing `aws` call printed, e.g. `(ResourceInUse)`, or a thrown error if it passed. */
export async function awsError(
  stack: StackInfo,
  endpoint: string,
  args: string[],
): Promise<AwsCliError> {
  try {
    await aws(stack, endpoint, args);
  } catch (error) {
    if (error instanceof AwsCliError) return error;
    throw error;
  }
  throw new Error(`aws ${args.join(' ')} succeeded where it should have failed`);
}

export interface BotocoreCall {
  service: 'sagemaker' | 'events' | 'sns' | 'sqs';
  endpoint: string;
  operation: string;
  params?: Record<string, unknown>;
}

export interface BotocoreResult {
  operation: string;
  status: number | null;
  output?: Record<string, unknown>;
  error?: { code: string; message: string };
  /** Every departure of the raw response from botocore's service model. */
  problems: string[];
}

/** Runs the calls in order with botocore, checking each response against the service model. */
export async function botocoreCalls(
  stack: StackInfo,
  calls: BotocoreCall[],
): Promise<BotocoreResult[]> {
  const child = spawn('python3', [join(import.meta.dirname, 'botocore_calls.py')], {
    env: awsCliEnv(stack),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin.end(JSON.stringify({ region: REGION, calls }));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`botocore_calls.py exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as BotocoreResult[];
}

/**
 * The keys the local stack made for its user, read from its data folder as the AWS CLI reads the
 * profile: what a test's own SDK clients sign with against the stack's endpoints.
 */
export const stackUserCredentials = (dataDir: string) =>
  fromIni({
    profile: LOCAL_PROFILE,
    filepath: join(dataDir, 'credentials'),
    configFilepath: join(dataDir, 'config'),
  });
