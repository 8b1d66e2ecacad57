/**
 * The floor for any single-process node:http gateway: a forwarding proxy with nothing else — no
 * keys, no parsing, no detectors, no bookkeeping — reading the request, sending it upstream over a
 * keep-alive agent and passing the answer back. What the guard gateway costs beyond this is its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveChild } from './serve-child.js';

await serveChild(async (args) => {
  const upstream = new URL(String(args['upstreamUrl']));
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = `${upstream.pathname.replace(/\/v1\/?$/, '')}${request.url ?? '/'}`;
      const forwarded = http.request({ hostname: upstream.hostname, port: upstream.port, path, method: request.method, agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(parts);
          response.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? 'application/json', 'content-length': text.length });
          response.end(text);
        });
      });
      forwarded.on('error', () => response.writeHead(502).end());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      agent.destroy();
    }),
  };
});
