/**
 * A fault-injection server for teacher tests: a real node:http server on 127.0.0.1 (port 0) whose
 * every answer is scripted by the test — a recorded completion, an error status with headers, a
 * garbage or truncated body, or silence.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server saw it. */
export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** Produces the answer to one request. */
export type Script = (request: SeenRequest, response: ServerResponse) => void;

/** A running server; `close` ends it and any connection a test left hanging. */
export interface FaultInjectionServer {
  baseURL: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Reads a JSON fixture from this folder. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** Writes a JSON answer. */
export function sendJSON(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** Starts a server that answers request n with `scripts[n]` (the last script repeats). */
export async function startFaultInjectionServer(scripts: Script[]): Promise<FaultInjectionServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const seen: SeenRequest = { path: incoming.url ?? '', headers: incoming.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
      const script = scripts[Math.min(requests.length, scripts.length - 1)];
      requests.push(seen);
      if (script === undefined) throw new Error('fault-injection server: no script');
      script(seen, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      }),
  };
}
