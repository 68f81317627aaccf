import { spawnSync } from 'node:child_process';

/**
 * AWS's own clients from the machine's Python: the AWS CLI v1 and botocore. Conformance tests use
 * them when present; with IRWATCH_REQUIRE_AWS_TOOLS=1 (CI) a missing one is an error instead.
 */
type AwsToolName = 'aws' | 'botocore';

// Older clients lack operations (GetScalingConfigurationRecommendation) and speak SQS's old
// query protocol; Debian's packages are that old.
const MIN_BOTOCORE: [number, number] = [1, 34];

function versionAtLeast(version: string | undefined): boolean {
  const [major, minor] = (version ?? '').split('.').map(Number);
  if (major === undefined || minor === undefined) return false;
  return major > MIN_BOTOCORE[0] || (major === MIN_BOTOCORE[0] && minor >= MIN_BOTOCORE[1]);
}

const probes: Record<AwsToolName, () => string | undefined> = {
  aws() {
    const run = spawnSync('aws', ['--version'], { encoding: 'utf8' });
    if (run.error || run.status !== 0) return 'the AWS CLI (`aws`) is not on PATH';
    const version = /botocore\/(\d+\.\d+)/.exec(`${run.stdout}${run.stderr}`)?.[1];
    return versionAtLeast(version)
      ? undefined
      : `the AWS CLI on PATH uses botocore ${version ?? '(unknown)'}, older than ${MIN_BOTOCORE.join('.')}`;
  },
  botocore() {
    const run = spawnSync('python3', ['-c', 'import botocore; print(botocore.__version__)'], {
      encoding: 'utf8',
    });
    if (run.error || run.status !== 0) return 'python3 with botocore is not available';
    const version = run.stdout.trim();
    return versionAtLeast(version)
      ? undefined
      : `python3's botocore is ${version}, older than ${MIN_BOTOCORE.join('.')}`;
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

/**
 * Why tests needing these tools must be skipped, or undefined when they can run. Throws when
 * IRWATCH_REQUIRE_AWS_TOOLS=1, so CI can never pass by skipping them.
 */
export function requireAwsTools(names: AwsToolName[] = ['aws', 'botocore']): string | undefined {
  const problems = names.map(problemOf).filter((p): p is string => p !== undefined);
  if (problems.length === 0) return undefined;
  const reason = problems.join('; ');
  if (process.env.IRWATCH_REQUIRE_AWS_TOOLS === '1') {
    throw new Error(`IRWATCH_REQUIRE_AWS_TOOLS=1 but ${reason}`);
  }
  return reason;
}
