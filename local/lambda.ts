import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionDefinition } from './serverless-config.js';

export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Runs the handlers of serverless.yml in this process as Lambda would: the module is loaded once
 * (a cold start), each invocation gets a fresh context and is cut off at the function's timeout.
 */
export function createLambdaRuntime(root: string, functions: FunctionDefinition[], region: string) {
  const loaded = new Map<string, Promise<Handler>>();
  const byName = new Map(functions.map((fn) => [fn.name, fn]));

  function load(fn: FunctionDefinition): Promise<Handler> {
    let handler = loaded.get(fn.name);
    if (!handler) {
      handler = import(pathToFileURL(join(root, `${fn.handlerModule}.ts`)).href).then(
        (module: Record<string, unknown>) => {
          const exported = module[fn.handlerExport];
          if (typeof exported !== 'function') {
            throw new Error(`${fn.handlerModule} exports no function "${fn.handlerExport}"`);
          }
          return exported as Handler;
        },
      );
      loaded.set(fn.name, handler);
    }
    return handler;
  }

  return {
    has: (name: string) => byName.has(name),
    async invoke(name: string, event: unknown): Promise<unknown> {
      const fn = byName.get(name);
      if (!fn) throw new Error(`No function "${name}" in serverless.yml`);
      const handler = await load(fn);
      const deadline = Date.now() + fn.timeoutSeconds * 1000;
      const context = {
        functionName: `irwatch-local-${name}`,
        functionVersion: '$LATEST',
        invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:irwatch-local-${name}`,
        memoryLimitInMB: '512',
        awsRequestId: randomUUID(),
        logGroupName: `/aws/lambda/irwatch-local-${name}`,
        logStreamName: 'local',
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
        done: () => undefined,
        fail: () => undefined,
        succeed: () => undefined,
      } satisfies Context;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new LambdaTimeoutError(`${name} timed out after ${fn.timeoutSeconds} s`)),
          fn.timeoutSeconds * 1000,
        );
      });
      try {
        return await Promise.race([handler(event, context), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type LambdaRuntime = ReturnType<typeof createLambdaRuntime>;
