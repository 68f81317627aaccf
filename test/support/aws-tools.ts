import { spawnSync } from 'node:child_process';

/**
 * AWS's own tools come with the machine's Python, not with npm: the AWS CLI v1, botocore and
 * cfn-lint. Tests that drive them skip, saying why, where one is missing or too old, unless
 * IRWATCH_REQUIRE_AWS_TOOLS=1 (set by .ci/run): then a missing tool fails the run, so CI can
 * never pass by skipping them.
 */
export const REQUIRE_AWS_TOOLS_VARIABLE = 'IRWATCH_REQUIRE_AWS_TOOLS';

export type AwsToolName = 'aws' | 'botocore' | 'cfn-lint';

export function awsToolsRequired(): boolean {
  return process.env[REQUIRE_AWS_TOOLS_VARIABLE] === '1';
}

// Older clients lack operations (GetScalingConfigurationRecommendation) and speak SQS's old
// query protocol; Debian's packages are that old.
const MIN_BOTOCORE: [number, number] = [1, 34];

function botocoreProblem(what: string, version: string | undefined): string | undefined {
  const [major, minor] = (version ?? '').split('.').map(Number);
  const recent =
    major !== undefined &&
    minor !== undefined &&
    (major > MIN_BOTOCORE[0] || (major === MIN_BOTOCORE[0] && minor >= MIN_BOTOCORE[1]));
  return recent
    ? undefined
    : `${what} uses botocore ${version ?? '(unknown)'}, older than ${MIN_BOTOCORE.join('.')}`;
}

const probes: Record<AwsToolName, () => string | undefined> = {
  aws() {
    const run = spawnSync('aws', ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (run.error || run.status !== 0) return 'the AWS CLI (`aws`) is not on PATH';
    return botocoreProblem(
      'the AWS CLI on PATH',
      /botocore\/(\d+\.\d+)/.exec(`${run.stdout}${run.stderr}`)?.[1],
    );
  },
  botocore() {
    const run = spawnSync('python3', ['-c', 'import botocore; print(botocore.__version__)'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (run.error || run.status !== 0) return 'python3 with botocore is not available';
    return botocoreProblem("python3's botocore", run.stdout.trim());
  },
  'cfn-lint'() {
    const run = spawnSync('cfn-lint', ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return run.error || run.status !== 0 ? 'cfn-lint is not on PATH' : undefined;
  },
};

const cache = new Map<AwsToolName, string | undefined>();

function problemOf(name: AwsToolName): string | undefined {
  if (!cache.has(name)) cache.set(name, probes[name]());
  return cache.get(name);
}

export function awsToolAvailable(name: AwsToolName): boolean {
  return problemOf(name) === undefined;
}

export class MissingAwsToolError extends Error {
  override name = 'MissingAwsToolError';
}

/**
 * Checks the tools a test file needs. Returns undefined when all run, otherwise the reason to
 * skip (they come with Python: pip install awscli cfn-lint); throws instead when
 * IRWATCH_REQUIRE_AWS_TOOLS=1.
 */
export function requireAwsTools(...names: AwsToolName[]): string | undefined {
  const problems = names.map(problemOf).filter((p): p is string => p !== undefined);
  if (problems.length === 0) return undefined;
  const reason = `${problems.join('; ')} (AWS's tools come with Python: pip install awscli cfn-lint)`;
  if (awsToolsRequired()) {
    throw new MissingAwsToolError(`${REQUIRE_AWS_TOOLS_VARIABLE}=1 but ${reason}`);
  }
  return reason;
}
