import './quiet.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { functionEntries, serverlessBuildOptions, type FunctionEntry } from './build-config.js';
import { bytesByGroup } from './bundles.js';
import { loadTimes } from './load-time.js';
import { repoRoot } from './paths.js';
import { artifactDir, emitSection, type Cell } from './report.js';
import { kb, median, ms, ratio } from './stats.js';

/**
 * `npx tsx bench/experiments.ts`: what each proposal to shrink the bundles would save, measured
 * by building each function again with the change applied at build time (sources rewritten by
 * an esbuild plugin, or a package aliased to a stub) — the function code itself is untouched.
 * Not part of `npm run bench`: these are what-ifs, not figures of the code as it is.
 */

const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 20);
const dir = join(artifactDir, 'experiments');
const stubDir = join(dir, 'stubs');

type Transform = (path: string, source: string) => string;

interface Experiment {
  id: string;
  label: string;
  transforms?: Transform[];
  /** Applied only where the function still builds with them (it may use what they remove). */
  optionalTransforms?: Transform[];
  /** Package → stub source (the stub stands for a replacement whose own size is ~0). */
  stubs?: Record<string, string>;
}

const namespaceZod: Transform = (_path, source) =>
  source.replace(/import \{ z \} from 'zod';/g, "import * as z from 'zod';");

/** The Powertools parser middleware replaced by a before-middleware parsing `detail` with the same schema. */
const ownParser: Transform = (path, source) => {
  if (!path.endsWith('handler.ts')) return source;
  return source
    .replace(/^import .* from '@aws-lambda-powertools\/parser\/.*';\n/gm, '')
    .replace(
      /\.use\(parser\(\{ schema: (\w+), envelope: EventBridgeEnvelope \}\)\)/,
      '.use({ before: (request: { event: unknown }) => { request.event = $1.parse((request.event as { detail?: unknown }).detail); } })',
    );
};

/** shared/observability.ts without the Metrics instance (for functions that publish no metric). */
const noMetrics: Transform = (path, source) => {
  if (!path.endsWith('shared/observability.ts')) return source;
  return source
    .replace(/^import \{ Metrics \} from '@aws-lambda-powertools\/metrics';\n/m, '')
    .replace(/export const metrics = new Metrics\(\{[\s\S]*?\}\);\n/, '');
};

const envCredentials = `
import { fromEnv } from '@aws-sdk/credential-provider-env';
// Lambda hands every function its role's credentials in AWS_ACCESS_KEY_ID/..._SESSION_TOKEN.
export const defaultProvider = (init = {}) => fromEnv(init);
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
`;

/** Every schema call returns the same no-op: what is left is the bundle without zod. */
const noZod = `
const chain = new Proxy(function () {}, { get: (_t, key) => (key === Symbol.toPrimitive ? () => '' : chain), apply: () => chain, construct: () => chain });
export const z = chain;
export const ZodType = chain;
export class ZodError extends Error {}
export default chain;
`;

const EXPERIMENTS: Experiment[] = [
  { id: 'baseline', label: 'as built today' },
  {
    id: 'zod-namespace',
    label: "`import * as z from 'zod'` in irwatch's files",
    transforms: [namespaceZod],
  },
  {
    id: 'own-parser',
    label: 'Powertools parser → shared zod schema parse of `detail`',
    transforms: [ownParser],
  },
  {
    id: 'own-parser+zod-namespace',
    label: 'both of the above',
    transforms: [ownParser, namespaceZod],
  },
  {
    id: 'no-metrics',
    label: 'no Metrics instance (functions that publish none)',
    transforms: [noMetrics],
  },
  {
    id: 'env-credentials',
    label: 'SDK credential chain → env credentials only (esbuild `alias`)',
    stubs: { '@aws-sdk/credential-provider-node': envCredentials },
  },
  {
    id: 'all',
    label: 'all that apply',
    transforms: [ownParser, namespaceZod],
    optionalTransforms: [noMetrics],
    stubs: { '@aws-sdk/credential-provider-node': envCredentials },
  },
  {
    id: 'all+no-zod',
    label:
      'all that apply, and no zod at runtime (upper bound of a hand-written detail check or zod/mini)',
    transforms: [ownParser],
    optionalTransforms: [noMetrics],
    stubs: {
      '@aws-sdk/credential-provider-node': envCredentials,
      zod: noZod,
    },
  },
];

function rewritePlugin(transforms: Transform[]): Plugin {
  return {
    name: 'bench-rewrite',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\/(functions|shared)\/.*\.ts$/ }, (args) => {
        if (!args.path.startsWith(repoRoot) || args.path.includes('node_modules')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        return {
          contents: transforms.reduce((text, fn) => fn(args.path, text), source),
          loader: 'ts',
        };
      });
    },
  };
}

async function buildVariant(fn: FunctionEntry, experiment: Experiment, options: BuildOptions) {
  if (experiment.optionalTransforms) {
    const withAll = {
      ...experiment,
      transforms: [...(experiment.transforms ?? []), ...experiment.optionalTransforms],
    };
    try {
      return await buildOnce(fn, { ...withAll, optionalTransforms: undefined }, options);
    } catch {
      return buildOnce(fn, { ...experiment, optionalTransforms: undefined }, options);
    }
  }
  return buildOnce(fn, experiment, options);
}

async function buildOnce(fn: FunctionEntry, experiment: Experiment, options: BuildOptions) {
  mkdirSync(join(dir, fn.name), { recursive: true });
  mkdirSync(stubDir, { recursive: true });
  const alias: Record<string, string> = {};
  for (const [pkg, source] of Object.entries(experiment.stubs ?? {})) {
    const file = join(stubDir, `${pkg.replace(/\W+/g, '-')}.mjs`);
    writeFileSync(file, source);
    alias[pkg] = file;
  }
  const outfile = join(dir, fn.name, `${experiment.id}.js`);
  const result = await build({
    ...options,
    absWorkingDir: repoRoot,
    nodePaths: [join(repoRoot, 'node_modules')],
    entryPoints: [fn.entry],
    outfile,
    write: true,
    metafile: true,
    logLevel: 'silent',
    alias: { ...(options.alias ?? {}), ...alias },
    plugins: experiment.transforms ? [rewritePlugin(experiment.transforms)] : [],
  });
  const [output] = Object.values(result.metafile.outputs);
  return {
    path: outfile,
    bytes: output?.bytes ?? Number.NaN,
    groups: bytesByGroup(result.metafile),
  };
}

async function runExperiments(): Promise<void> {
  const { options } = serverlessBuildOptions();
  const rows: Cell[][] = [];
  const variants: Array<{
    fn: string;
    experiment: Experiment;
    path: string;
    bytes: number;
    zodBytes: number;
  }> = [];
  for (const fn of functionEntries()) {
    for (const experiment of EXPERIMENTS) {
      try {
        const built = await buildVariant(fn, experiment, options);
        variants.push({
          fn: fn.name,
          experiment,
          path: built.path,
          bytes: built.bytes,
          zodBytes: built.groups.get('zod') ?? 0,
        });
      } catch (error) {
        // A change that does not apply to this function (it uses what the change removes).
        rows.push([
          fn.name,
          experiment.label,
          `does not build: ${(error as Error).message.split('\n')[1] ?? ''}`,
          '',
          '',
          '',
          '',
          '',
        ]);
      }
    }
  }
  const times = await loadTimes(
    variants.map((v) => v.path),
    RUNS,
  );
  for (const variant of variants) {
    const baseline = variants.find((v) => v.fn === variant.fn && v.experiment.id === 'baseline');
    if (!baseline) continue;
    const own = median(times.get(variant.path) ?? []);
    const base = median(times.get(baseline.path) ?? []);
    const same = variant !== baseline && variant.bytes === baseline.bytes;
    rows.push([
      variant.fn,
      variant.experiment.label,
      kb(variant.bytes),
      same ? '0 (does not apply)' : kb(baseline.bytes - variant.bytes),
      kb(variant.zodBytes),
      ms(own),
      same ? '' : ms(base - own),
      ratio(variant.bytes, baseline.bytes),
    ]);
  }
  emitSection({
    section: 'experiments',
    tables: [
      {
        title: `What each proposal saves (bundle built with serverless.yml settings; load = median of ${RUNS} fresh processes, interleaved)`,
        columns: [
          'function',
          'change',
          'bundle KB',
          'KB saved',
          'zod KB',
          'load median ms',
          'ms saved',
          '÷ today',
        ],
        rows,
      },
    ],
    data: variants.map((v) => ({
      fn: v.fn,
      experiment: v.experiment.id,
      bytes: v.bytes,
      loadMs: times.get(v.path),
    })),
  });
}

await runExperiments();
