import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface LocalDynamoDb {
  /** `http://host:port`, or `unix:<path>` when it listens on a socket file. */
  url: string;
  port: number;
  /** The socket file, when it listens on one instead of a port. */
  socketPath?: string;
  close(): Promise<void>;
}

/**
 * dynalite speaks DynamoDB's wire protocol in-process: in memory, or persisted to `path`.
 * Table changes are instant so tests and the local stack never wait for ACTIVE.
 */
export async function startDynalite(
  options: { path?: string; port?: number; host?: string; socketPath?: string } = {},
): Promise<LocalDynamoDb> {
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const host = options.host ?? '127.0.0.1';
  const { socketPath } = options;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ready = () => {
      server.off('error', reject);
      resolve();
    };
    if (socketPath) server.listen(socketPath, ready);
    else server.listen(options.port ?? 0, host, ready);
  });
  const port = socketPath ? 0 : (server.address() as AddressInfo).port;
  return {
    url: socketPath ? `unix:${socketPath}` : `http://${host}:${port}`,
    port,
    ...(socketPath ? { socketPath } : {}),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
