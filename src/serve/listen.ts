/**
 * Starting and stopping a node:http server on a host and port, reporting the OpenAI base URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../util/errors.js';
import { listenFailure } from '../util/node-errors.js';

/** A started server. */
export interface ListeningServer {
  /** Base URL ending in /v1, for an OpenAI client's `baseURL`. */
  url: string;
  port: number;
  /** Stops listening and ends open connections (keep-alive ones included). */
  close(): Promise<void>;
}

/** Formats a host for a URL (IPv6 literals need brackets). */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Listens on `host:port` (port 0 picks a free one) and resolves once the server accepts connections. */
export async function listen(listener: (request: IncomingMessage, response: ServerResponse) => void, host = '127.0.0.1', port = 0): Promise<ListeningServer> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`port must be an integer from 0 to 65535, got ${port}`);
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(listenFailure(error, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // A wildcard bind is reachable through loopback; a URL naming 0.0.0.0 is not portable.
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return {
    url: `http://${urlHost(shownHost)}:${address.port}/v1`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
