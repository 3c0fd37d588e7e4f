import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetpolError } from '../../errors.js';

/** A response of {@link startHttpServer}'s handler. */
export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** Extra headers. Default: none. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A running HTTP server. */
export interface RunningHttpServer {
  /** The bound address (the real port when 0 was asked for). */
  readonly host: string;
  readonly port: number;
  /** Stops accepting, ends open connections and resolves once closed. */
  close(): Promise<void>;
}

/**
 * Starts a small HTTP/1.1 server for GET endpoints (`/metrics`, `/drops` …): the handler maps a path to an answer,
 * `undefined` gives 404; other methods than GET and HEAD give 405; a handler error gives 500 with its message.
 * @param host - address to bind, e.g. `0.0.0.0` or `127.0.0.1`.
 * @param port - port to bind; 0 picks a free one.
 * @param handler - path (without query) → answer.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when the address cannot be bound (in use, not local).
 */
export async function startHttpServer(
  host: string,
  port: number,
  handler: (path: string) => Promise<HttpAnswer | undefined> | HttpAnswer | undefined,
): Promise<RunningHttpServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' });
      res.end('method not allowed\n');
      return;
    }
    Promise.resolve()
      .then(() => handler(path))
      .then(
        (answer) => {
          if (!answer) {
            res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
            res.end('not found\n');
            return;
          }
          res.writeHead(answer.status, { 'content-type': answer.contentType, ...answer.headers });
          res.end(req.method === 'HEAD' ? undefined : answer.body);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`${error instanceof Error ? error.message : String(error)}\n`);
        },
      );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new NetpolError(
          'NETPOL_BAD_ARGUMENT',
          `Cannot listen on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'the address is in use' : error.message}.`,
          'Pass another --listen address.',
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
