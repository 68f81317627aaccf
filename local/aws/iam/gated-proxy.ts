import { request } from 'node:http';
import { bodyOf, listen, type LocalServer } from '../http-server.js';
import type { Gate } from './gate.js';

/**
 * Puts a gate before a server that cannot hold one itself (dynalite, DynamoDB Local): the gate
 * checks each request, then it goes on unchanged to the server, reached on a socket file or a
 * loopback port, and its answer comes back unchanged.
 */
export function listenGated(
  target: { socketPath: string } | { url: string },
  gate: Gate,
  options: { port?: number; host?: string } = {},
): Promise<LocalServer> {
  const upstream = 'url' in target ? new URL(target.url) : undefined;
  return listen(
    (req, res) =>
      new Promise<void>((resolve, reject) => {
        const body = bodyOf(req) ?? Buffer.alloc(0);
        const headers = { ...req.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        const forward = request(
          {
            ...('socketPath' in target
              ? { socketPath: target.socketPath }
              : { host: upstream!.hostname, port: upstream!.port }),
            method: req.method,
            path: req.url,
            headers,
          },
          (answer) => {
            // Only signed, non-browser callers get here: no cross-origin grant is passed on.
            const answerHeaders = Object.fromEntries(
              Object.entries(answer.headers).filter(
                ([name]) => !name.startsWith('access-control-'),
              ),
            );
            res.writeHead(answer.statusCode ?? 502, answerHeaders);
            answer.pipe(res);
            answer.on('end', resolve);
            answer.on('error', reject);
          },
        );
        forward.on('error', reject);
        forward.end(body);
      }),
    { ...options, gate },
  );
}
