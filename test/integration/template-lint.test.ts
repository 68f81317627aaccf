import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireAwsTools } from '../support/aws-tools.js';
import { offlineEnv } from '../support/fixtures.js';
import { packagedTemplate, repoRoot, type CfnTemplate } from '../support/serverless.js';
import { SPOKE_TEMPLATE_PATH } from '../support/spoke.js';

const run = promisify(execFile);

/**
 * cfn-lint, AWS's CloudFormation linter, on the packaged templates and on the spoke template
 * (config: .cfnlintrc).
 */

interface CfnLintMatch {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Filename: string;
  Location: { Path: Array<string | number> };
}

const skipReason = requireAwsTools('cfn-lint');
const matchesByFile = new Map<string, string[]>();
let files: Record<'dev' | 'prod' | 'watching' | 'spoke' | 'broken', string>;

async function cfnLint(paths: string[]): Promise<CfnLintMatch[]> {
  // Exit status flags errors (2), warnings (4) and notices (8); the JSON lists them all.
  const { stdout } = await run('cfn-lint', ['--format', 'json', '--', ...paths], {
    cwd: repoRoot,
    env: offlineEnv(),
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: { stdout?: string; code?: unknown }) => {
    if (typeof error.stdout === 'string' && error.stdout.trim().startsWith('[')) return error;
    throw error;
  });
  return JSON.parse(stdout ?? '[]') as CfnLintMatch[];
}

beforeAll(async () => {
  if (skipReason) return;
  const dev = await packagedTemplate('dev');
  const prod = await packagedTemplate('prod');
  const watching = await packagedTemplate('watching');
  // A copy with one thing CloudFormation accepts but AWS's linter knows is wrong: the run
  // must report it, or the linter is not looking (wrong file, everything ignored).
  const broken = structuredClone(dev.template) as CfnTemplate;
  const fn = broken.Resources.IngestLambdaFunction?.Properties;
  if (!fn) throw new Error('the template has no IngestLambdaFunction');
  fn.Runtime = 'nodejs12.x';
  const brokenPath = join(await mkdtemp(join(tmpdir(), 'irwatch-cfn-lint-')), 'broken.json');
  await writeFile(brokenPath, JSON.stringify(broken));
  files = {
    dev: join(dev.dir, 'cloudformation-template-update-stack.json'),
    prod: join(prod.dir, 'cloudformation-template-update-stack.json'),
    watching: join(watching.dir, 'cloudformation-template-update-stack.json'),
    spoke: SPOKE_TEMPLATE_PATH,
    broken: brokenPath,
  };
  for (const match of await cfnLint(Object.values(files))) {
    const line = `${match.Level} ${match.Rule.Id} ${match.Location.Path.join('/')}: ${match.Message}`;
    matchesByFile.set(match.Filename, [...(matchesByFile.get(match.Filename) ?? []), line]);
  }
}, 120_000);

describe('cfn-lint', () => {
  it.for(['dev', 'prod', 'watching', 'spoke'] as const)(
    'finds nothing in the %s template',
    (form, { skip }) => {
      if (skipReason) skip(skipReason);
      expect(matchesByFile.get(files[form]) ?? []).toEqual([]);
    },
  );

  it('reports a deprecated runtime in a broken copy', ({ skip }) => {
    if (skipReason) skip(skipReason);
    expect(matchesByFile.get(files.broken)).toContainEqual(
      expect.stringMatching(/Resources\/IngestLambdaFunction\/Properties\/Runtime: .*nodejs12\.x/),
    );
  });
});
