// One Lambda sandbox: a worker thread with the function's own environment (its role's
// credentials among it), its own module graph and its own SDK clients, as Lambda gives each
// function. It loads the handler once (the cold start) and runs the invocations it is sent.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';

register();

// The SDK warns on every start that a future release needs Node 22; irwatch supports Node 20.19+.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!warning.message.startsWith('NodeVersionSupportWarning')) console.warn(warning);
});

const { modulePath, exportName, context: baseContext } = workerData;

const handler = import(pathToFileURL(modulePath).href).then((module) => {
  const exported = module[exportName];
  if (typeof exported !== 'function') {
    throw new Error(`${modulePath} exports no function "${exportName}"`);
  }
  return exported;
});
// Reported with the first invocation; never an unhandled rejection of the sandbox.
handler.catch(() => undefined);

const describe = (error) =>
  error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: 'Error', message: String(error) };

parentPort.on('message', async ({ id, event, requestId, deadline }) => {
  const context = {
    ...baseContext,
    awsRequestId: requestId,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  try {
    const result = await (await handler)(event, context);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: describe(error) });
  }
});
