/**
 * A counting OpenAI-compatible chat-completions server for the kill test. It is not a fault
 * injector: it answers every request correctly (with logprobs) after a small seeded random delay,
 * and logs every request it received and whether it managed to answer it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fnv1a32 } from '../src/util/hash.js';

/** One request the server received. */
export interface ServedRequest {
  user: string;
  receivedAt: number;
  /** When the answer was fully written; null when the client vanished first. */
  answeredAt: number | null;
}

/** A running counting server. */
export interface CountingServer {
  baseURL: string;
  log: ServedRequest[];
  close(): Promise<void>;
}

export const KILL_TEST_LABELS = ['positive', 'negative'] as const;

/** Reads a whole request body. */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A chat completion naming the label the text hashes to, with top logprobs over both labels. */
function completion(user: string, model: string): unknown {
  const positive = fnv1a32(user) % 2 === 0;
  const [chosen, other] = positive ? KILL_TEST_LABELS : [KILL_TEST_LABELS[1], KILL_TEST_LABELS[0]];
  const top = [{ token: chosen, logprob: Math.log(0.8), bytes: [...Buffer.from(chosen)] }, { token: other, logprob: Math.log(0.15), bytes: [...Buffer.from(other)] }];
  return {
    id: `chatcmpl-${fnv1a32(user).toString(16)}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
    choices: [{
      index: 0, message: { role: 'assistant', content: chosen }, finish_reason: 'stop',
      logprobs: { content: [{ token: chosen, logprob: Math.log(0.8), bytes: [...Buffer.from(chosen)], top_logprobs: top }] },
    }],
    usage: { prompt_tokens: 20 + Math.ceil(user.length / 4), completion_tokens: 1, total_tokens: 21 + Math.ceil(user.length / 4) },
  };
}

/** Starts the server on 127.0.0.1 at a free port; `delayMs` picks each answer's delay. */
export async function startCountingServer(delayMs: () => number): Promise<CountingServer> {
  const log: ServedRequest[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const receivedAt = Date.now();
    if (request.method !== 'POST' || !(request.url ?? '').endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    const body = JSON.parse(await readBody(request)) as { model: string; messages: Array<{ role: string; content: string }> };
    const user = body.messages.find((message) => message.role === 'user')?.content ?? '';
    const entry: ServedRequest = { user, receivedAt, answeredAt: null };
    log.push(entry);
    await new Promise((resolve) => setTimeout(resolve, delayMs()));
    if (response.destroyed || request.socket.destroyed) return;
    response.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req-${log.length}` });
    response.end(JSON.stringify(completion(user, body.model)), () => {
      entry.answeredAt = Date.now();
    });
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    log,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
