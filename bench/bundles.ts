import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { functionEntries, serverlessBuildOptions, type FunctionEntry } from './build-config.js';
import { loadTimes } from './load-time.js';
import { packageWithOsls, type PackagedFunction } from './osls-package.js';
import { repoRoot } from './paths.js';
import { artifactDir, emitSection, type Cell, type Table } from './report.js';
import { describeUsage, floorSource, sdkUsageOf } from './sdk-usage.js';
import { kb, median, ms, percentile, ratio } from './stats.js';

export const LOAD_RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 20);
const SIZE_TARGET = 1.3;
const LOAD_TARGET = 1.3;
const ABSOLUTE_TARGET_BYTES = 300 * 1024;

/**
 * The best settings esbuild offers for a Node Lambda bundle, for the floor: ES modules of the SDK
 * (tree-shaken per command), minified, no legal comments. CommonJS output so that the floor
 * loads the same way the functions do.
 */
export const BEST_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  minify: true,
  treeShaking: true,
  mainFields: ['module', 'main'],
  legalComments: 'none',
  sourcemap: false,
};

/** esbuild with nothing but what bundling a Node program needs: what a typical project ships. */
export const NAIVE_OPTIONS: BuildOptions = { bundle: true, platform: 'node' };

interface Built {
  path: string;
  bytes: number;
  metafile: Metafile;
}

async function buildTo(options: BuildOptions, entry: string, outfile: string): Promise<Built> {
  const result = await build({
    ...options,
    absWorkingDir: repoRoot,
    // The generated floor entry lives outside the repository; it imports the SDK installed here.
    nodePaths: [join(repoRoot, 'node_modules')],
    entryPoints: [entry],
    outfile,
    write: true,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  if (!output) throw new Error(`esbuild wrote nothing for ${entry}`);
  return { path: outfile, bytes: output.bytes, metafile: result.metafile };
}

/** Bytes of the bundle by where they come from, from the metafile. */
const GROUPS: Array<[string, RegExp]> = [
  ['zod', /node_modules\/zod\//],
  ['Powertools parser', /node_modules\/@aws-lambda-powertools\/parser\//],
  ['Powertools logger', /node_modules\/@aws-lambda-powertools\/logger\//],
  ['Powertools metrics', /node_modules\/@aws-lambda-powertools\/metrics\//],
  ['Powertools commons', /node_modules\/@aws-lambda-powertools\/commons\//],
  ['middy', /node_modules\/@middy\//],
  [
    'AWS SDK',
    /node_modules\/(@aws-sdk|@smithy|@aws-crypto|@aws\/|mnemonist|obliterator|fast-xml-parser|strnum|tslib|uuid|bowser)/,
  ],
  ['irwatch code', /^(functions|shared)\//],
];

export function bytesByGroup(metafile: Metafile): Map<string, number> {
  const groups = new Map<string, number>([
    ...GROUPS.map(([name]) => [name, 0] as [string, number]),
    ['other', 0],
  ]);
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const group = GROUPS.find(([, pattern]) => pattern.test(path))?.[0] ?? 'other';
      groups.set(group, (groups.get(group) ?? 0) + input.bytesInOutput);
    }
  }
  return groups;
}

interface FunctionBundles {
  fn: FunctionEntry;
  built: Built;
  floor: Built;
  naive: Built;
  sdk: string;
  /** False for a function without SDK clients (web): its floor is an empty handler. */
  usesSdk: boolean;
}

export async function buildFunction(
  fn: FunctionEntry,
  options: BuildOptions,
): Promise<FunctionBundles> {
  const dir = join(artifactDir, 'bundles', fn.name);
  mkdirSync(dir, { recursive: true });
  const built = await buildTo(options, fn.entry, join(dir, 'handler.js'));
  // The SDK's ES modules name each command in the metafile, whatever serverless.yml resolves.
  const analysis = await buildTo(BEST_OPTIONS, fn.entry, join(dir, 'analysis.js'));
  // The SDK clients the function really builds. Requests it signs itself (shared/aws-request.ts:
  // Secrets Manager, SageMaker's GetScalingConfigurationRecommendation in the api, STS
  // AssumeRole) have no SDK client in the floor: their bytes count as the function's own.
  const usage = sdkUsageOf(analysis.metafile);
  const floorEntry = join(dir, 'floor-entry.mjs');
  writeFileSync(floorEntry, floorSource(usage));
  const floor = await buildTo(BEST_OPTIONS, floorEntry, join(dir, 'floor.js'));
  const naive = await buildTo(NAIVE_OPTIONS, fn.entry, join(dir, 'naive.js'));
  return {
    fn,
    built,
    floor,
    naive,
    sdk: describeUsage(usage) || 'none',
    usesSdk: usage.clients.size > 0,
  };
}

const mark = (ok: boolean) => (ok ? 'yes' : 'no');

export async function runBundles(): Promise<void> {
  const { options } = serverlessBuildOptions();
  const functions = functionEntries();
  const bundles: FunctionBundles[] = [];
  for (const fn of functions) bundles.push(await buildFunction(fn, options));

  let packaged: Map<string, PackagedFunction> | undefined;
  let packageError: string | undefined;
  try {
    packaged = await packageWithOsls();
  } catch (error) {
    packageError = (error as Error).message.split('\n')[0];
  }

  const paths = bundles.flatMap((b) => [b.built.path, b.floor.path, b.naive.path]);
  const times = await loadTimes(paths, LOAD_RUNS);
  const load = (path: string) => {
    const values = times.get(path) ?? [];
    return { median: median(values), p90: percentile(values, 90) };
  };

  const settings = Object.entries(options)
    .filter(([key]) => key !== 'external' || (options.external?.length ?? 0) > 0)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join(', ');

  const sizeRows: Cell[][] = bundles.map((b) => {
    const pkg = packaged?.get(b.fn.name);
    return [
      b.fn.inServerlessYml ? b.fn.name : `${b.fn.name} (not in serverless.yml yet)`,
      kb(b.built.bytes),
      pkg ? kb(pkg.zipBytes) : 'n/a',
      pkg
        ? pkg.handlerBytes === b.built.bytes
          ? 'same bytes'
          : `differs (${kb(pkg.handlerBytes)})`
        : 'n/a',
      kb(b.floor.bytes),
      b.usesSdk ? ratio(b.built.bytes, b.floor.bytes) : 'n/a',
      kb(b.naive.bytes),
      ratio(b.built.bytes, b.naive.bytes),
      `${b.usesSdk ? mark(b.built.bytes <= SIZE_TARGET * b.floor.bytes) : 'n/a'} / ${mark(b.built.bytes < ABSOLUTE_TARGET_BYTES)}`,
    ];
  });
  const loadRows: Cell[][] = bundles.map((b) => {
    const [own, floor, naive] = [load(b.built.path), load(b.floor.path), load(b.naive.path)];
    return [
      b.fn.name,
      ms(own.median),
      ms(own.p90),
      ms(floor.median),
      ms(floor.p90),
      b.usesSdk ? ratio(own.median, floor.median) : 'n/a',
      ms(naive.median),
      ratio(own.median, naive.median),
      b.usesSdk ? mark(own.median <= LOAD_TARGET * floor.median) : 'n/a',
    ];
  });
  const groupNames = [...GROUPS.map(([name]) => name), 'other'];
  const groupRows: Cell[][] = bundles.map((b) => {
    const groups = bytesByGroup(b.built.metafile);
    return [b.fn.name, ...groupNames.map((name) => kb(groups.get(name) ?? 0)), kb(b.built.bytes)];
  });

  const tables: Table[] = [
    {
      title: 'Bundle size per function (KB = 1024 bytes, minified, as `osls package` zips it)',
      columns: [
        'function',
        'bundle KB',
        'zip KB',
        'osls zip holds',
        'floor KB',
        '÷ floor',
        'naive KB',
        '÷ naive',
        '≤ 1.3× floor / < 300 KB',
      ],
      rows: sizeRows,
      notes: [
        `- bundle: esbuild with serverless.yml \`custom.esbuild\` (${settings}).`,
        `- floor: a module that builds the same SDK clients and sends the same commands, nothing else, with the best settings (${JSON.stringify({ format: BEST_OPTIONS.format, minify: true, mainFields: BEST_OPTIONS.mainFields, legalComments: 'none' })}). SDK per function: ${bundles.map((b) => `${b.fn.name}: ${b.sdk}`).join('; ')}. Requests a function signs itself without an SDK client (shared/aws-request.ts: Secrets Manager, STS AssumeRole, the api's SageMaker GetScalingConfigurationRecommendation) are not in its floor: their bytes count as its own. A function without SDK clients (web) has no floor to be measured against ("n/a"): its bytes are the page and the document it serves.`,
        '- naive: esbuild defaults (`bundle: true, platform: node`, nothing else), the anchor a typical project ships.',
        packaged
          ? '- zip KB and "osls zip holds": `osls package --stage dev` run offline on a copy of the service in this run; "same bytes" = the zipped handler has exactly the size of the bundle above.'
          : `- osls package failed in this run: ${packageError}`,
      ],
    },
    {
      title: `Module load time per function (ms to \`require\` the bundle in a fresh \`node\` process, ${LOAD_RUNS} processes each)`,
      columns: [
        'function',
        'median ms',
        'p90 ms',
        'floor median',
        'floor p90',
        '÷ floor',
        'naive median',
        '÷ naive',
        '≤ 1.3× floor',
      ],
      rows: loadRows,
      notes: [
        `- Node ${process.versions.node} on this machine; the three bundles of every function are loaded in turns, so a slow moment hits them alike.`,
      ],
    },
    {
      title: 'Where the bytes go (KB in each bundle, from the esbuild metafile)',
      columns: ['function', ...groupNames, 'total'],
      rows: groupRows,
      notes: ['- AWS SDK = @aws-sdk, @smithy and their helpers: what the floor has too.'],
    },
  ];
  emitSection({
    section: 'bundles',
    tables,
    data: bundles.map((b) => ({
      function: b.fn.name,
      bytes: b.built.bytes,
      floorBytes: b.floor.bytes,
      naiveBytes: b.naive.bytes,
      packaged: packaged?.get(b.fn.name),
      loadMs: {
        own: times.get(b.built.path),
        floor: times.get(b.floor.path),
        naive: times.get(b.naive.path),
      },
      groups: Object.fromEntries(bytesByGroup(b.built.metafile)),
    })),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runBundles();
