import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CALL_LOG_VARIABLE } from './iam.js';
import { packageService, repoRoot } from './serverless.js';

/**
 * Packages the service once per test run for each stage the tests read (osls package bundles
 * every function, which is the slow part); test files read the templates through
 * `packagedTemplate(stage)`.
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
  project.provide('packagedServices', { dev: dev.dir, prod: prod.dir });
}

declare module 'vitest' {
  export interface ProvidedContext {
    packagedServices: { dev: string; prod: string };
  }
}
