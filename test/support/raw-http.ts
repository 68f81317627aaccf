import { request } from 'node:http';

/**
 * A request to a server on 127.0.0.1 with a Host header of the test's choosing (fetch sets Host
 * itself): what a page whose DNS name was rebound to 127.0.0.1 sends.
 */
export function requestWithHost(options: {
  port: number | string;
  host: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: options.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: { ...options.headers, host: options.host },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
