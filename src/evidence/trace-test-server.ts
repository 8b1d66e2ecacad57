/**
 * TEST-ONLY: a small OpenAI-compatible HTTP server for the trace tests (not the product's
 * `distillery serve`, which another module owns). It serves either a Distillery language model —
 * decoded by the real engine, with an optional logits processor in the decoder's hook (the KGW
 * watermark) — or a rule-based answerer (for attribution candidates), and can be told to answer
 * empty or to refuse, to exercise trace's handling of such suspects.
 *
 * Routes: POST /v1/chat/completions (prompt = the last user message), POST /v1/completions (with
 * `echo` + `logprobs` it teacher-forces the prompt text as an answer and returns the per-position
 * top alternatives, OpenAI's legacy shape), GET /v1/models.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode, decodeLanguageModel, transformerStepModel, type LogitsProcessor, type StepModel, type Tokenizer } from '../student/lm/index.js';

/** What the test server answers with. */
export type TestModel =
  | { kind: 'lm'; bytes: Uint8Array; logitsProcessor?: LogitsProcessor }
  | { kind: 'rules'; answer: (prompt: string, call: number) => string };

/** A scripted misbehaviour (fault injection), or none. */
export type TestServerFault = 'none' | 'empty' | 'refuse' | 'http-403';

/** A running test server. */
export interface TestModelServer {
  url: string;
  /** Chat and completion calls served. */
  calls: () => number;
  close(): Promise<void>;
}

interface LoadedModel { model: StepModel; tokenizer: Tokenizer; processor?: LogitsProcessor }

/** Reads a request body as JSON. */
async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

/** Sends a JSON response. */
function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Generates an answer with the language model (sampling at the request's temperature, default 1). */
function generateAnswer(loaded: LoadedModel, prompt: string, body: Record<string, unknown>, call: number): { text: string; tokens: number } {
  const promptIds = [loaded.tokenizer.beginToken, ...loaded.tokenizer.encode(prompt), loaded.tokenizer.answerToken];
  const generation = decode(loaded.model, loaded.tokenizer, promptIds, {
    maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : 64,
    temperature: typeof body.temperature === 'number' ? body.temperature : 1,
    seed: typeof body.seed === 'number' ? body.seed : call,
    ...(loaded.processor === undefined ? {} : { logitsProcessor: loaded.processor }),
  });
  return { text: generation.text, tokens: generation.tokens.length };
}

/** Teacher-forces `text` as an answer: per position, the token, its text offset and the top-`count` alternatives after the processor. */
function echoLogprobs(loaded: LoadedModel, text: string, count: number): Record<string, unknown> {
  const { model, tokenizer } = loaded;
  const forced = tokenizer.encode(text);
  const cache = model.newCache();
  model.forwardStep(tokenizer.beginToken, 0, cache);
  let logits = model.forwardStep(tokenizer.answerToken, 1, cache);
  const tokens: string[] = [];
  const offsets: number[] = [];
  const top: Array<Record<string, number>> = [];
  let offset = 0;
  forced.forEach((token, index) => {
    const scratch = Float32Array.from(logits);
    loaded.processor?.(scratch, { prompt: [tokenizer.beginToken, tokenizer.answerToken], generated: forced.slice(0, index) });
    top.push(topAlternatives(scratch, count, tokenizer));
    const piece = tokenizer.decode([token]);
    tokens.push(piece);
    offsets.push(offset);
    offset += piece.length;
    if (index + 2 < model.context) logits = model.forwardStep(token, index + 2, cache);
  });
  return { tokens, text_offset: offsets, token_logprobs: tokens.map(() => null), top_logprobs: top };
}

/** The `count` highest-scoring tokens as {text: logprob}. */
function topAlternatives(logits: Float32Array, count: number, tokenizer: Tokenizer): Record<string, number> {
  let max = -Infinity;
  for (const value of logits) max = Math.max(max, value);
  let sum = 0;
  for (const value of logits) sum += Math.exp(value - max);
  const order = Array.from(logits.keys()).filter((token) => token !== tokenizer.endToken && tokenizer.tokenBytes(token).length > 0).sort((a, b) => logits[b]! - logits[a]!);
  const entries: Record<string, number> = {};
  for (const token of order.slice(0, count)) entries[tokenizer.decode([token])] = logits[token]! - max - Math.log(sum);
  return entries;
}

/** The chat completion body. */
function chatBody(model: string, text: string, outputTokens: number): Record<string, unknown> {
  return {
    id: `chatcmpl-test-${Date.now()}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: outputTokens, total_tokens: 10 + outputTokens },
  };
}

/** The last user message of a chat request. */
function lastUserMessage(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: unknown }>) : [];
  const last = [...messages].reverse().find((message) => message.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/** Starts the test server on a free loopback port. */
export async function startTestModelServer(served: TestModel, fault: TestServerFault = 'none'): Promise<TestModelServer> {
  let loaded: LoadedModel | undefined;
  if (served.kind === 'lm') {
    const file = decodeLanguageModel(served.bytes);
    loaded = { model: transformerStepModel(file.weights), tokenizer: file.tokenizer, ...(served.logitsProcessor === undefined ? {} : { processor: served.logitsProcessor }) };
  }
  let calls = 0;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method === 'GET' && request.url === '/v1/models') return send(response, 200, { object: 'list', data: [{ id: 'test-model', object: 'model' }] });
    if (fault === 'http-403') return send(response, 403, { error: { message: 'this key may not call this model', type: 'permission_error' } });
    const body = await readJson(request);
    const model = typeof body.model === 'string' ? body.model : 'test-model';
    calls++;
    if (request.url === '/v1/chat/completions') {
      const prompt = lastUserMessage(body);
      if (fault !== 'none') return send(response, 200, chatBody(model, fault === 'empty' ? '' : "I'm sorry, but I can't help with that.", fault === 'empty' ? 0 : 9));
      const answer = loaded === undefined ? { text: served.kind === 'rules' ? served.answer(prompt, calls) : '', tokens: 20 } : generateAnswer(loaded, prompt, body, calls);
      return send(response, 200, chatBody(model, answer.text, answer.tokens));
    }
    if (request.url === '/v1/completions' && loaded !== undefined && body.echo === true && typeof body.logprobs === 'number' && typeof body.prompt === 'string') {
      const logprobs = echoLogprobs(loaded, body.prompt, Math.max(1, body.logprobs));
      return send(response, 200, { id: 'cmpl-test', object: 'text_completion', model, choices: [{ index: 0, text: body.prompt, logprobs, finish_reason: 'length' }], usage: { prompt_tokens: (logprobs.tokens as string[]).length, completion_tokens: 0, total_tokens: (logprobs.tokens as string[]).length } });
    }
    return send(response, request.url === '/v1/completions' ? 400 : 404, { error: { message: `this test server does not serve ${request.method} ${request.url} with these parameters`, type: 'invalid_request_error' } });
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { error: { message: (error as Error).message } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls: () => calls,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error)))),
  };
}
