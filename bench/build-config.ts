import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';
import { readServerlessConfig } from '../local/stack/serverless-config.js';
import { repoRoot } from './paths.js';

/** CloudFormation short-form tags, kept opaque: only `custom.esbuild` and `provider` are read. */
const opaqueTags: Array<ScalarTag | CollectionTag> = [
  'GetAtt',
  'Ref',
  'Sub',
  'Join',
  'If',
  'Equals',
  'Select',
  'Split',
  'ImportValue',
  'FindInMap',
  'GetAZs',
  'Base64',
  'Not',
  'And',
  'Or',
  'Condition',
].flatMap((name): Array<ScalarTag | CollectionTag> => [
  { tag: `!${name}`, resolve: (value: string) => ({ [`!${name}`]: value }) },
  { tag: `!${name}`, collection: 'seq', resolve: (value) => ({ [`!${name}`]: value.toJSON() }) },
  { tag: `!${name}`, collection: 'map', resolve: (value) => ({ [`!${name}`]: value.toJSON() }) },
]);

/** serverless-esbuild's own options: it removes these before handing the rest to esbuild. */
const PLUGIN_ONLY_OPTIONS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
];

/** serverless-esbuild's target per Lambda runtime, used when custom.esbuild sets none. */
const runtimeTarget = (runtime: unknown) =>
  typeof runtime === 'string' && /^nodejs(\d+)\.x$/.test(runtime)
    ? `node${/^nodejs(\d+)/.exec(runtime)?.[1]}`
    : 'node18';

export class BuildConfigError extends Error {
  override name = 'BuildConfigError';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The esbuild options serverless-esbuild builds every function with: its defaults, overridden by
 * `custom.esbuild` of serverless.yml (arrays replace, as its deep merge does), without its
 * plugin-only keys, `exclude` turned into `external`.
 */
export function serverlessBuildOptions(serverlessPath = join(repoRoot, 'serverless.yml')) {
  const config = parse(readFileSync(serverlessPath, 'utf8'), { customTags: opaqueTags }) as unknown;
  if (!isRecord(config)) throw new BuildConfigError(`${serverlessPath} is not a YAML mapping`);
  const custom =
    isRecord(config.custom) && isRecord(config.custom.esbuild) ? config.custom.esbuild : {};
  if (typeof custom.config === 'string') {
    throw new BuildConfigError(
      'custom.esbuild.config (a JS build file) is not supported by the bench',
    );
  }
  const provider = isRecord(config.provider) ? config.provider : {};
  const merged: Record<string, unknown> = {
    bundle: true,
    target: runtimeTarget(provider.runtime),
    external: [],
    exclude: ['aws-sdk'],
    platform: 'node',
    ...custom,
  };
  const exclude = Array.isArray(merged.exclude) ? merged.exclude.map(String) : [];
  const external = Array.isArray(merged.external) ? merged.external.map(String) : [];
  const options: Record<string, unknown> = { ...merged };
  for (const key of PLUGIN_ONLY_OPTIONS) delete options[key];
  options.external = [...external, ...(exclude.includes('*') ? [] : exclude)];
  return { options: options as BuildOptions, custom };
}

export interface FunctionEntry {
  name: string;
  /** Relative to the repository root, e.g. `functions/ingest/handler.ts`. */
  entry: string;
  /** False for a function found on disk that serverless.yml does not deploy yet. */
  inServerlessYml: boolean;
}

const resolveEntry = (module: string) =>
  ['.ts', '.js', '.mts', '.mjs']
    .map((ext) => `${module}${ext}`)
    .find((path) => existsSync(join(repoRoot, path)));

/** The functions serverless.yml deploys, plus `functions/api` when it exists but is not listed yet. */
export function functionEntries(): FunctionEntry[] {
  const service = readServerlessConfig(join(repoRoot, 'serverless.yml'));
  const entries: FunctionEntry[] = service.functions.map((fn) => {
    const entry = resolveEntry(fn.handlerModule);
    if (!entry)
      throw new BuildConfigError(`No source for ${fn.handlerModule} (function ${fn.name})`);
    return { name: fn.name, entry, inServerlessYml: true };
  });
  if (!entries.some((fn) => fn.name === 'api')) {
    const entry = resolveEntry('functions/api/handler');
    if (entry) entries.push({ name: 'api', entry, inServerlessYml: false });
  }
  return entries;
}
