import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type {} from './package-setup.js';

const run = promisify(execFile);
import { offlineEnv, repoRoot } from './fixtures.js';

export { repoRoot };
const osls = join(repoRoot, 'node_modules/.bin/osls');

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

/** Runs `osls package` into a fresh folder and returns the generated update-stack template. */
export async function packageService(
  stage = 'dev',
  cwd = repoRoot,
): Promise<{ template: CfnTemplate; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'irwatch-package-'));
  await run(osls, ['package', '--stage', stage, '--package', dir], {
    cwd,
    env: offlineEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CfnTemplate;
  return { template, dir };
}

/** `osls print`: the configuration with every variable resolved, without bundling. */
export async function printService(cwd = repoRoot): Promise<Record<string, unknown>> {
  const { stdout } = await run(osls, ['print', '--format', 'json'], {
    cwd,
    env: offlineEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** The template `osls package` made for a stage in this test run (see package-setup.ts). */
export async function packagedTemplate(
  stage: 'dev' | 'prod',
): Promise<{ template: CfnTemplate; dir: string }> {
  const dir = inject('packagedServices')[stage];
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CfnTemplate;
  return { template, dir };
}
