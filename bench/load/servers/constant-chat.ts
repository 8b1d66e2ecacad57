/**
 * The ceiling server: bare node:http answering every request with one constant chat completion (the
 * label 'sports' with logprobs over the synthetic task's labels), after reading the request body.
 * No routing, no validation, no tokenising: the fastest an OpenAI-compatible answer can be served.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SYNTHETIC_LABELS } from '../../../src/student/synthetic-task.js';
import { chatCompletion } from '../../../src/serve/chat-response.js';
import { serveChild } from './serve-child.js';

/** The constant answer, shaped exactly like the student server's (same fields, similar size). */
export function constantCompletionBody(): string {
  const ranked = SYNTHETIC_LABELS.map((token, index) => ({ token, logprob: Math.log([0.7, 0.1, 0.1, 0.1][index] as number) }));
  const request = { model: 'constant', messages: [], input: '', inputParam: 'messages[0].content', logprobs: true, topLogprobs: SYNTHETIC_LABELS.length, stream: false, includeUsage: false };
  return JSON.stringify(chatCompletion({ id: 'chatcmpl-constant', created: 0, model: 'constant' }, { label: 'sports', ranked }, request, { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 }));
}

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
