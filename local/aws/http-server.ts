import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gate } from './iam/gate.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface LocalServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /**
   * Checks each request before the handler sees it (callers, signature, IAM): a refused request
   * gets the gate's answer and never reaches the handler.
   */
  gate?: Gate;
}

/** Bodies the gate already read, for the handler's own readBody. */
const readBodies = new WeakMap<IncomingMessage, Buffer>();

async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const cached = readBodies.get(req);
  if (cached) return cached;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  const body = Buffer.concat(chunks);
  readBodies.set(req, body);
  return body;
}

/** A request whose body the gate read, replayed for a server that reads the stream itself. */
export function bodyOf(req: IncomingMessage): Buffer | undefined {
  return readBodies.get(req);
}

/**
 * Starts an HTTP server for a local AWS endpoint. A handler that throws or rejects answers 500
 * instead of taking the process down, because a bug in a simulator must surface as a failed SDK
 * call in the test that hit it, not as an unhandled rejection that kills the whole vitest worker.
 */
export async function listen(
  handler: RequestHandler,
  options: ListenOptions = {},
): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  const { gate } = options;
  let port = 0;
  const guarded: RequestHandler = gate
    ? async (req, res) => {
        const refusal = await gate.check(req, await readRawBody(req), port);
        if (refusal) send(res, refusal.status, refusal.body, refusal.headers);
        else await handler(req, res);
      }
    : handler;
  const server = createServer((req, res) => {
    let settled: Promise<void>;
    try {
      settled = Promise.resolve(guarded(req, res));
    } catch (error) {
      settled = Promise.reject(error);
    }
    settled.catch((error: unknown) => {
      try {
        failRequest(res, error);
      } catch {
        // The socket is already gone; there is nobody left to tell.
        res.destroy();
      }
    });
  });
  // Malformed requests from a misbehaving client must not emit an unhandled 'error'.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });

  ({ port } = server.address() as AddressInfo);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep sockets alive; without this close() would wait for their idle timeout.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function failRequest(res: ServerResponse, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  if (res.headersSent) {
    // Half a response cannot be repaired; dropping the socket makes the client see the failure.
    res.destroy(error instanceof Error ? error : new Error(message));
    return;
  }
  const body = `Internal error in local endpoint: ${message}`;
  res.writeHead(500, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Reads the whole request body as UTF-8. */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRawBody(req)).toString('utf8');
}

/** Writes a complete response with an explicit content length. */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The region a SigV4-signed request was signed for, read from the credential scope
 * (`Credential=AKID/20240101/us-east-1/sns/aws4_request`). Real endpoints are regional, so this
 * is how a single local endpoint learns which region the caller believes it is talking to.
 */
export function signedRegion(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const match = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\//.exec(auth);
  return match?.[1];
}
