import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FunctionDefinition } from '../../stack/serverless-config.js';

export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
}

/** What a failed invocation threw, carried back from its sandbox with its name. */
export class LambdaInvocationError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

export interface LambdaRuntimeOptions {
  root: string;
  functions: FunctionDefinition[];
  region: string;
  account: string;
  stage: string;
  /**
   * The environment of one function's sandbox: the stack's variables plus its role's
   * credentials, as Lambda sets them.
   */
  environmentOf(fn: FunctionDefinition): Record<string, string>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Sandbox {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Runs the handlers of serverless.yml as Lambda does: each function in a sandbox of its own (a
 * worker thread with its own environment, credentials and module graph), loaded once (the cold
 * start); an invocation cut off at the function's timeout takes its sandbox down with it, and
 * the next one starts cold.
 */
export function createLambdaRuntime(options: LambdaRuntimeOptions) {
  const { region, account, stage } = options;
  const byName = new Map(options.functions.map((fn) => [fn.name, fn]));
  const sandboxes = new Map<string, Sandbox>();
  let sequence = 0;

  function sandboxOf(fn: FunctionDefinition): Sandbox {
    const existing = sandboxes.get(fn.name);
    if (existing) return existing;
    const functionName = `irwatch-${stage}-${fn.name}`;
    const worker = new Worker(new URL('./lambda-worker.mjs', import.meta.url), {
      env: options.environmentOf(fn),
      workerData: {
        modulePath: join(options.root, `${fn.handlerModule}.ts`),
        exportName: fn.handlerExport,
        context: {
          functionName,
          functionVersion: '$LATEST',
          invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
          memoryLimitInMB: '512',
          logGroupName: `/aws/lambda/${functionName}`,
          logStreamName: 'local',
        },
      },
    });
    const sandbox: Sandbox = { worker, pending: new Map() };
    worker.on(
      'message',
      (message: {
        id: number;
        result?: unknown;
        error?: { name: string; message: string; stack?: string };
      }) => {
        const call = sandbox.pending.get(message.id);
        if (!call) return;
        sandbox.pending.delete(message.id);
        if (message.error) {
          call.reject(
            new LambdaInvocationError(
              message.error.name,
              message.error.message,
              message.error.stack,
            ),
          );
        } else {
          call.resolve(message.result);
        }
      },
    );
    const fail = (error: Error) => {
      if (sandboxes.get(fn.name) === sandbox) sandboxes.delete(fn.name);
      for (const call of sandbox.pending.values()) call.reject(error);
      sandbox.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${fn.name}: its sandbox exited (code ${code})`)));
    // An idle sandbox never keeps the process alive.
    worker.unref();
    sandboxes.set(fn.name, sandbox);
    return sandbox;
  }

  return {
    has: (name: string) => byName.has(name),
    async invoke(name: string, event: unknown): Promise<unknown> {
      const fn = byName.get(name);
      if (!fn) throw new Error(`No function "${name}" in serverless.yml`);
      const sandbox = sandboxOf(fn);
      const id = sequence++;
      const deadline = Date.now() + fn.timeoutSeconds * 1000;
      let timer: NodeJS.Timeout | undefined;
      try {
        return await new Promise<unknown>((resolve, reject) => {
          sandbox.pending.set(id, { resolve, reject });
          timer = setTimeout(() => {
            reject(new LambdaTimeoutError(`${name} timed out after ${fn.timeoutSeconds} s`));
            // Lambda ends a sandbox whose invocation timed out; the next invocation starts cold.
            sandboxes.delete(fn.name);
            void sandbox.worker.terminate();
          }, fn.timeoutSeconds * 1000);
          sandbox.worker.postMessage({ id, event, requestId: randomUUID(), deadline });
        });
      } finally {
        clearTimeout(timer);
        sandbox.pending.delete(id);
      }
    },
    /** Ends every sandbox. */
    async stop(): Promise<void> {
      const all = [...sandboxes.values()];
      sandboxes.clear();
      await Promise.all(all.map((sandbox) => sandbox.worker.terminate()));
    },
  };
}

export type LambdaRuntime = ReturnType<typeof createLambdaRuntime>;
