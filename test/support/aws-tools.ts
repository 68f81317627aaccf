import { spawnSync } from 'node:child_process';

/**
 * AWS's own command-line tools (cfn-lint, the AWS CLI) come with the machine's Python, not with
 * npm. Tests that drive them skip, saying why, where a tool is missing, unless
 * IRWATCH_REQUIRE_AWS_TOOLS=1 (set by .ci/run): then a missing tool fails the run, so CI can never
 * pass by skipping them.
 */
export const REQUIRE_AWS_TOOLS_VARIABLE = 'IRWATCH_REQUIRE_AWS_TOOLS';

export function awsToolsRequired(): boolean {
  return process.env[REQUIRE_AWS_TOOLS_VARIABLE] === '1';
}

const availability = new Map<string, boolean>();

/** Whether `<name> --version` runs. */
export function awsToolAvailable(name: string): boolean {
  let available = availability.get(name);
  if (available === undefined) {
    const run = spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    available = run.error === undefined && run.status === 0;
    availability.set(name, available);
  }
  return available;
}

/** The PyPI package of each tool, where its name differs. */
const PYTHON_PACKAGES: Record<string, string> = { aws: 'awscli' };

export class MissingAwsToolError extends Error {
  override name = 'MissingAwsToolError';
}

/**
 * Checks the tools a test file needs. Returns undefined when all run, otherwise the reason to
 * skip (pass it to `context.skip`); throws instead when IRWATCH_REQUIRE_AWS_TOOLS=1.
 */
export function requireAwsTools(...names: string[]): string | undefined {
  const missing = names.filter((name) => !awsToolAvailable(name));
  if (missing.length === 0) return undefined;
  const packages = missing.map((name) => PYTHON_PACKAGES[name] ?? name);
  const reason = `${missing.join(', ')} not found on PATH (AWS's tools come with Python: pip install ${packages.join(' ')})`;
  if (awsToolsRequired()) {
    throw new MissingAwsToolError(`${reason}; ${REQUIRE_AWS_TOOLS_VARIABLE}=1 requires them`);
  }
  return reason;
}
