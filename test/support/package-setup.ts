import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CALL_LOG_VARIABLE } from './iam.js';
import { WATCHING_PARAMS, packageService, repoRoot, type PackagedForm } from './serverless.js';

/**
 * Packages the service once per test run for each form the tests read (osls package bundles
 * every function, which is the slow part): the dev and prod stages, and dev watching other
 * accounts; test files read the templates through `packagedTemplate(form)`.
 */
export default async function setup(project: TestProject) {
  // Every gate of this run writes the calls it evaluated here; test/permissions judges them after.
  const callLog = join(repoRoot, 'test/artifacts/iam-calls.jsonl');
  mkdirSync(join(repoRoot, 'test/artifacts'), { recursive: true });
  writeFileSync(callLog, '');
  process.env[CALL_LOG_VARIABLE] = callLog;

  // One after the other: serverless-esbuild builds in the service's own .esbuild folder.
  const dev = await packageService('dev');
  const prod = await packageService('prod');
  const watching = await packageService('dev', repoRoot, WATCHING_PARAMS);
  project.provide('packagedServices', { dev: dev.dir, prod: prod.dir, watching: watching.dir });
}

declare module 'vitest' {
  export interface ProvidedContext {
    packagedServices: Record<PackagedForm, string>;
  }
}
