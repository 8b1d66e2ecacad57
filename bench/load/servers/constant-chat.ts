/**
 * The ceiling server: bare node:http answering every request with one constant chat completion (the
 * label 'sports' with logprobs over the synthetic task's labels), after reading the request body.
 * No routing, no validation, no tokenising: the fastest an OpenAI-compatible answer can be served.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constantCompletionBody } from './constant-body.js';
import { serveChild } from './serve-child.js';

await serveChild(async () => {
  const body = Buffer.from(constantCompletionBody());
  const headers = { 'content-type': 'application/json', 'content-length': String(body.length) };
  const server = createServer((request, response) => {
    request.on('data', () => undefined);
    request.on('end', () => {
      response.writeHead(200, headers);
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
});
