import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { emitSection } from './report.js';
import { median, ms, ratio } from './stats.js';
import { sleep } from '../shared/retry.js';

const RUNS = Number(process.env.BENCH_STACK_RUNS ?? 3);
const GIVE_UP_MS = 60_000;
/** Once the server answers, how long a non-200 (no api function yet) may last before giving up. */
const NOT_OK_GRACE_MS = 5_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('No free port');
  return address.port;
}

interface Start {
  /** Milliseconds from spawn to the first 200 of GET /jobs, or NaN when none came. */
  readyMs: number;
  /** Milliseconds from spawn to the first HTTP answer, whatever its status. */
  listeningMs: number;
  lastStatus: string;
  /** What the stack itself printed ("irwatch local stack up in N ms"), if it did. */
  reportedMs: number;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Spawns a command and polls `GET <url>/jobs` until it answers 200. */
async function timeStart(
  command: string,
  args: string[],
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<Start> {
  const start = performance.now();
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  let lastStatus = 'no answer';
  let readyMs = Number.NaN;
  let listeningMs = Number.NaN;
  try {
    while (performance.now() - start < GIVE_UP_MS && child.exitCode === null) {
      if (performance.now() - start - listeningMs > NOT_OK_GRACE_MS) break;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/jobs`);
        if (Number.isNaN(listeningMs)) listeningMs = performance.now() - start;
        lastStatus = String(response.status);
        const body = await response.text();
        if (response.status === 200) {
          readyMs = performance.now() - start;
          break;
        }
        lastStatus = `${response.status} ${body.slice(0, 120)}`;
      } catch {
        // Not listening yet.
      }
      await sleep(20);
    }
    if (child.exitCode !== null)
      lastStatus = `exited ${child.exitCode}: ${output.trim().split('\n').slice(-2).join(' ')}`;
  } finally {
    await stop(child);
  }
  const reported = /stack up in (\d+) ms/.exec(output);
  return {
    readyMs,
    listeningMs,
    lastStatus,
    reportedMs: reported ? Number(reported[1]) : Number.NaN,
  };
}

/** The least a Node process can do to answer GET /jobs: start, listen, answer 200. */
const BARE_SERVER =
  "require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{\"jobs\":[]}'); }).listen(Number(process.argv[1]), '127.0.0.1');";

export async function runLocalStack(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  const stackStarts: Start[] = [];
  const bareStarts: Start[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const dataDir = mkdtempSync(join(tmpdir(), 'irwatch-bench-stack-'));
    try {
      const port = await freePort();
      stackStarts.push(
        await timeStart(
          process.execPath,
          ['bin/irwatch.mjs', 'start', '--port', String(port), '--data-dir', dataDir],
          port,
          env,
        ),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    const port = await freePort();
    bareStarts.push(
      await timeStart(process.execPath, ['-e', BARE_SERVER, String(port)], port, env),
    );
  }
  const answered = stackStarts.filter((s) => !Number.isNaN(s.readyMs));
  const stackMedian =
    answered.length === RUNS ? median(stackStarts.map((s) => s.readyMs)) : Number.NaN;
  const bareMedian = median(bareStarts.map((s) => s.readyMs));
  const reported = stackStarts.map((s) => s.reportedMs).filter((v) => !Number.isNaN(v));
  emitSection({
    section: 'local-stack',
    tables: [
      {
        title: `local stack: \`npm start\` to the API answering \`GET /jobs\` 200 (median of ${RUNS} starts, fresh data dir each)`,
        columns: [
          'what',
          'first 200 median ms',
          'runs ms',
          'first HTTP answer median ms',
          'bare node HTTP server ms',
          '÷ bare (first 200)',
          '< 5 s',
        ],
        rows: [
          [
            answered.length === RUNS
              ? 'node bin/irwatch.mjs start'
              : `node bin/irwatch.mjs start (no 200: ${stackStarts.find((s) => Number.isNaN(s.readyMs))?.lastStatus})`,
            ms(stackMedian),
            stackStarts.map((s) => ms(s.readyMs)).join(', '),
            ms(median(stackStarts.map((s) => s.listeningMs))),
            ms(bareMedian),
            ratio(stackMedian, bareMedian),
            Number.isNaN(stackMedian) ? 'n/a' : stackMedian < 5000 ? 'yes' : 'no',
          ],
        ],
        notes: [
          `- Measured from spawning the process to the first 200, polling every 20 ms. The stack's own start-up line said ${reported.length ? reported.map((v) => `${v} ms`).join(', ') : 'nothing'}.`,
          '- bare: `node -e` with an HTTP server that answers 200 at once, spawned the same way: the floor of starting a process and listening.',
        ],
      },
    ],
    data: { stackStarts, bareStarts },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runLocalStack();
