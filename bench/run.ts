import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from './paths.js';
import { outDir } from './report.js';

/**
 * `npm run bench`: every section in a process of its own, one after the other (timings must
 * not share the two cores with each other), each printing its tables as it finishes.
 */
const SECTIONS = [
  { id: 'bundles', file: 'bench/bundles.ts', args: [], outputs: ['bundles'] },
  { id: 'ingest', file: 'bench/ingest.ts', args: ['counts'], outputs: ['ingest-counts'] },
  { id: 'ingest', file: 'bench/ingest.ts', args: ['timing'], outputs: ['ingest-timing'] },
  { id: 'detect', file: 'bench/detect.ts', args: [], outputs: ['detect'] },
  { id: 'progress', file: 'bench/progress.ts', args: [], outputs: ['progress'] },
  { id: 'api', file: 'bench/api.ts', args: [], outputs: ['api'] },
  { id: 'local-stack', file: 'bench/local-stack.ts', args: [], outputs: ['local-stack'] },
  { id: 'durability', file: 'bench/durability.ts', args: [], outputs: ['durability'] },
  { id: 'iam', file: 'bench/iam.ts', args: [], outputs: ['iam'] },
  { id: 'dashboard', file: 'bench/dashboard.ts', args: [], outputs: ['dashboard'] },
] as const;

const { values } = parseArgs({
  options: { only: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help) {
  process.stdout.write(
    `npm run bench [-- --only ${[...new Set(SECTIONS.map((s) => s.id))].join(',')}]\n` +
      'Environment: BENCH_LOAD_RUNS (20), BENCH_INGEST_RUNS (15), BENCH_DETECT_RUNS (3), BENCH_API_JOBS (10000),\n' +
      'BENCH_API_RECOMMENDATIONS (250000), BENCH_API_REQUESTS (100), BENCH_STACK_RUNS (3), BENCH_IAM_CALLS (500).\n',
  );
  process.exit(0);
}
const only = values.only ? new Set(values.only.split(',')) : undefined;
const selected = SECTIONS.filter((section) => !only || only.has(section.id));

function runSection(file: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const started = performance.now();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = `irwatch benchmark — Node ${process.versions.node}, ${cpus().length} × ${cpu.trim()}, ${new Date().toISOString().slice(0, 10)}`;
process.stdout.write(`${header}\n\n`);
const timings: string[] = [];
let failed = 0;
for (const section of selected) {
  const sectionStart = performance.now();
  const code = await runSection(section.file, section.args);
  const seconds = (performance.now() - sectionStart) / 1000;
  timings.push(
    `${section.id}${section.args.length ? ` ${section.args.join(' ')}` : ''} ${seconds.toFixed(1)} s`,
  );
  if (code !== 0) {
    failed += 1;
    process.stdout.write(`${section.file} ${section.args.join(' ')} failed (exit ${code})\n\n`);
  }
}
const total = (performance.now() - started) / 1000;
const footer = `Total ${total.toFixed(1)} s (${timings.join(', ')}).`;
process.stdout.write(`${footer}\n`);

mkdirSync(outDir, { recursive: true });
const parts = selected
  .flatMap((section) => section.outputs)
  .map((name) => join(outDir, `${name}.md`))
  .filter((path) => existsSync(path))
  .map((path) => readFileSync(path, 'utf8'));
writeFileSync(join(outDir, 'report.md'), `${header}\n\n${parts.join('\n')}\n${footer}\n`);
if (failed > 0) process.exitCode = 1;
