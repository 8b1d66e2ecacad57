/**
 * A scripted (fault-injection) OpenAI-compatible teacher for the money-path tests. It bills like a
 * real provider and keeps its own books: every 200 it starts is billed at the usage it reports, which
 * is `usageFactor` × our o200k estimate of the prompt (a teacher whose tokenizer counts differently).
 * Scripts choose, per prompt and attempt, a broken 200 body (billed all the same) or a stall (never
 * answered: possibly billed, as a real provider may bill a request whose answer you never read).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { estimateInputTokens } from '../src/teacher/tokens.js';
import { fnv1a32 } from '../src/util/hash.js';

/** The shapes of a billed 200 that a client cannot use as it stands. */
export const BAD_SHAPES = ['missing-token', 'not-json', 'truncated', 'error-body', 'event-stream', 'empty-choices'] as const;
export type BadShape = (typeof BAD_SHAPES)[number];

/** What the server does with one request: a good answer, a broken 200, or nothing at all. */
export type Behaviour = 'answer' | BadShape | 'stall';

/** One request as the server saw and billed it. */
export interface ScriptedRequest {
  user: string;
  /** 1 for the first request with this prompt, 2 for the second, … */
  attempt: number;
  behaviour: Behaviour;
  promptTokens: number;
  /** What the server billed for it: the usage it reported (0 for a stall, which it never answered). */
  billedUSD: number;
  receivedAt: number;
}

/** How the scripted teacher behaves. */
export interface ScriptedTeacherOptions {
  labels: readonly string[];
  /** Reported prompt tokens = round(usageFactor × o200k estimate of the messages received); a function sets it per prompt. */
  usageFactor: number | ((user: string) => number);
  prices: { inputPer1M: number; outputPer1M: number };
  /** Picks the behaviour for a prompt's nth request; default: always answer. */
  script?: (user: string, attempt: number) => Behaviour;
  /** Called as each request arrives, before it is answered (a test may kill its client here). */
  onRequest?: (request: ScriptedRequest) => void;
}

/** A running scripted teacher. */
export interface ScriptedTeacherServer {
  baseURL: string;
  log: ScriptedRequest[];
  /** What the server billed in all. */
  billedUSD(): number;
  close(): Promise<void>;
}

/** Reads a whole request body. */
async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A well-formed completion naming the label the prompt hashes to, with logprobs. */
function completion(user: string, labels: readonly string[], usage: { prompt_tokens: number; completion_tokens: number }): Record<string, unknown> {
  const chosen = labels[fnv1a32(user) % labels.length] as string;
  const other = labels.find((label) => label !== chosen) ?? chosen;
  const top = [{ token: chosen, logprob: Math.log(0.8), bytes: null }, { token: other, logprob: Math.log(0.15), bytes: null }];
  return {
    id: `chatcmpl-${fnv1a32(user).toString(16)}`, object: 'chat.completion', created: 1_700_000_000, model: 'scripted-teacher',
    choices: [{ index: 0, message: { role: 'assistant', content: chosen }, finish_reason: 'stop', logprobs: { content: [{ token: chosen, logprob: Math.log(0.8), bytes: null, top_logprobs: top }] } }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** Writes `text` as a complete 200. */
function send(response: ServerResponse, contentType: string, text: string): void {
  response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Writes the broken 200 `shape` of the answer `good`. */
function sendBad(response: ServerResponse, shape: BadShape, good: Record<string, unknown>): void {
  const text = JSON.stringify(good);
  switch (shape) {
    case 'missing-token':
      send(response, 'application/json', text.replace(/"token":"[^"]*",/g, (match, offset: number) => (offset > text.indexOf('top_logprobs') ? '' : match)));
      return;
    case 'not-json':
      send(response, 'text/html', '<html><body>502 Bad Gateway</body></html>');
      return;
    case 'truncated':
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.write(text.slice(0, 60), () => response.socket?.destroy());
      return;
    case 'error-body':
      send(response, 'application/json', JSON.stringify({ error: { message: 'upstream model overloaded', type: 'server_error' } }));
      return;
    case 'event-stream':
      send(response, 'text/event-stream', `data: ${JSON.stringify({ ...good, object: 'chat.completion.chunk' })}\n\ndata: [DONE]\n\n`);
      return;
    case 'empty-choices':
      send(response, 'application/json', JSON.stringify({ ...good, choices: [] }));
      return;
  }
}

/** Starts the scripted teacher on 127.0.0.1 at a free port. */
export async function startScriptedTeacher(options: ScriptedTeacherOptions): Promise<ScriptedTeacherServer> {
  const log: ScriptedRequest[] = [];
  const attempts = new Map<string, number>();
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = JSON.parse(await readBody(request)) as { messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> };
    const user = body.messages.find((message) => message.role === 'user')?.content ?? '';
    const attempt = (attempts.get(user) ?? 0) + 1;
    attempts.set(user, attempt);
    const behaviour = options.script?.(user, attempt) ?? 'answer';
    const factor = typeof options.usageFactor === 'number' ? options.usageFactor : options.usageFactor(user);
    const promptTokens = Math.round(factor * estimateInputTokens(body.messages));
    const usage = { prompt_tokens: promptTokens, completion_tokens: 1 };
    const billedUSD = behaviour === 'stall' ? 0 : (promptTokens * options.prices.inputPer1M + options.prices.outputPer1M) / 1_000_000;
    const entry: ScriptedRequest = { user, attempt, behaviour, promptTokens, billedUSD, receivedAt: Date.now() };
    log.push(entry);
    options.onRequest?.(entry);
    if (behaviour === 'stall') return;
    const good = completion(user, options.labels, usage);
    if (behaviour === 'answer') send(response, 'application/json', JSON.stringify(good));
    else sendBad(response, behaviour, good);
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    log,
    billedUSD: () => log.reduce((sum, entry) => sum + entry.billedUSD, 0),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
