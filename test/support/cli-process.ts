import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './serverless.js';

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output so far matches, rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Ends every process still running (a test's afterAll), and waits until each has exited. */
export async function endAll(processes: CliProcess[], signal: NodeJS.Signals): Promise<void> {
  for (const cli of processes) {
    if (cli.child.exitCode === null) {
      cli.child.kill(signal);
      await cli.exited;
    }
  }
}

/** The arguments of `irwatch start` on a data folder and port, at a poll interval and speed. */
export function startArgs(
  options: { dataDir: string; port: number; pollInterval: number; scenarioSpeed: number },
  ...more: string[]
): string[] {
  return [
    'start',
    '--data-dir',
    options.dataDir,
    '--port',
    String(options.port),
    '--poll-interval',
    String(options.pollInterval),
    '--scenario-speed',
    String(options.scenarioSpeed),
    ...more,
  ];
}

/** Runs `bin/irwatch.mjs` as a user would, with the environment of a machine without AWS. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // The suite's record of the calls the functions send is the one IRWATCH_ variable kept.
    if (
      name === 'IRWATCH_IAM_CALL_LOG' ||
      (!name.startsWith('AWS_') && !name.startsWith('IRWATCH_'))
    ) {
      clean[name] = value;
    }
  }
  const child = spawn(process.execPath, [join(repoRoot, 'bin/irwatch.mjs'), ...args], {
    cwd: repoRoot,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            cleanup();
            resolve(match[0]);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Timed out waiting for ${pattern}; output so far:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          cleanup();
          reject(new Error(`Exited (${code}) before ${pattern}; output:\n${output}`));
        });
        check();
      }),
  };
}

/** Polls `probe` until it returns a value, the way a person refreshes a page. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
  );
}
