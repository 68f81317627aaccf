import type { TestProject } from 'vitest/node';
import { packageService } from './serverless.js';

/**
 * Packages the service once per test run for each stage the tests read (osls package bundles
 * every function, which is the slow part); test files read the templates through
 * `packagedTemplate(stage)`.
 */
export default async function setup(project: TestProject) {
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
