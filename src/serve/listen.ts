/**
 * Starting and stopping a node:http server on a host and port, reporting the OpenAI base URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
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
