import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { parseCloudFormationYaml } from '../../local/stack/cloudformation-yaml.js';
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

/** A template `osls package` made for a test run: a stage, or `watching` (see WATCHING_PARAMS). */
export type PackagedForm = 'dev' | 'prod' | 'watching';

/**
 * The stage parameters of the hub that watches other accounts (README: Many accounts), as the
 * `watching` template is packaged with them: two accounts besides its own, two regions.
 */
export const WATCHING_PARAMS = {
  watchedAccounts: ['444455556666', '777788889999'],
  watchedRegions: ['eu-west-1', 'us-east-2'],
  spokeExternalId: 'irwatch-test-external-id',
} as const;

/** `--param` arguments of osls, lists comma-separated. */
const oslsParams = (params: Record<string, string | readonly string[]>): string[] =>
  Object.entries(params).flatMap(([name, value]) => [
    '--param',
    `${name}=${[value].flat().join(',')}`,
  ]);

/** Runs `osls package` into a fresh folder and returns the generated update-stack template. */
export async function packageService(
  stage = 'dev',
  cwd = repoRoot,
  params: Record<string, string | readonly string[]> = {},
): Promise<{ template: CfnTemplate; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'irwatch-package-'));
  await run(osls, ['package', '--stage', stage, '--package', dir, ...oslsParams(params)], {
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

/**
 * The template `osls package` made in this test run (see package-setup.ts) for a stage, or for
 * `watching`: the dev stage with WATCHING_PARAMS.
 */
export async function packagedTemplate(
  form: PackagedForm,
): Promise<{ template: CfnTemplate; dir: string }> {
  const dir = inject('packagedServices')[form];
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CfnTemplate;
  return { template, dir };
}

export interface FunctionEntry {
  timeout?: number;
  events?: Array<{ eventBridge?: { pattern?: unknown; schedule?: string } }>;
  [key: string]: unknown;
}

/** A function's entry in serverless.yml, read from `functions/<name>/function.yml`. */
export function readFunctionConfig(name: string): FunctionEntry {
  const text = readFileSync(join(repoRoot, 'functions', name, 'function.yml'), 'utf8');
  const parsed = parseCloudFormationYaml(text) as Record<string, FunctionEntry>;
  const entry = parsed[name];
  if (!entry) throw new Error(`functions/${name}/function.yml has no entry named ${name}`);
  return entry;
}
