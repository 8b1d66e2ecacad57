/**
 * Fault-injection tests: a scripted loopback server produces each fault on demand, and the teacher
 * (over the real openai SDK) must map it to the right TeacherError or fallback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, sendJSON, startFaultInjectionServer, type FaultInjectionServer, type Script } from './__fixtures__/fault-injection-server.js';
import { TeacherAuthError, TeacherConnectionError, TeacherError, TeacherResponseError, TeacherTimeoutError } from './errors.js';
import { retryAfterMs } from './openai-errors.js';
import { createOpenAITeacher, type OpenAITeacherOptions } from './openai-teacher.js';
import { classifyWith } from './teacher-conformance.js';
import type { ChatMessage, Teacher } from './types.js';

const messages: ChatMessage[] = [{ role: 'user', content: 'Sentiment of: I loved it' }];
const labels = ['positive', 'negative', 'neutral'];
const happy: Script = (_request, response) => sendJSON(response, 200, fixture('openai-chat-logprobs-sentiment.json'));

let server: FaultInjectionServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Starts the fault-injection server and a teacher pointed at it. */
async function setUp(scripts: Script[], overrides: Partial<OpenAITeacherOptions> = {}): Promise<{ server: FaultInjectionServer; teacher: Teacher }> {
  server = await startFaultInjectionServer(scripts);
  const teacher = createOpenAITeacher({
    baseURL: server.baseURL, model: 'gpt-4o-mini', apiKey: 'sk-test', logprobs: true, topLogprobs: 5,
    temperature: 0, maxTokens: 5, timeoutMs: 2_000, ...overrides,
  });
  return { server, teacher };
}

/** The error a classify call rejects with. */
async function failure(teacher: Teacher): Promise<TeacherError> {
  const error = await classifyWith(teacher, { messages, labels }).then(() => null, (caught: unknown) => caught);
  if (!(error instanceof TeacherError)) throw new Error(`expected a TeacherError, got ${String(error)}`);
  return error;
}

/** An OpenAI-shaped error body. */
function errorBody(message: string, type = 'invalid_request_error'): unknown {
  return { error: { message, type, param: null, code: null } };
}

describe('fault-injection: HTTP errors', () => {
  it('429 with Retry-After seconds is retryable with retryAfterMs, carrying status and request id', async () => {
    const { server, teacher } = await setUp([(_request, response) => sendJSON(response, 429, errorBody('Rate limit reached', 'requests'), { 'retry-after': '7', 'x-request-id': 'req_429' })]);
    const error = await failure(teacher);
    expect(error).toMatchObject({ status: 429, isRetryable: true, retryAfterMs: 7000, requestId: 'req_429' });
    expect(error.message).toContain('Rate limit reached');
    expect(server.requests).toHaveLength(1);
  });

  it('429 with retry-after-ms prefers it over Retry-After', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 429, errorBody('slow down'), { 'retry-after-ms': '250', 'retry-after': '9' })]);
    expect(await failure(teacher)).toMatchObject({ status: 429, isRetryable: true, retryAfterMs: 250 });
  });

  it('reads Retry-After as an HTTP date', () => {
    const now = Date.parse('2025-08-01T12:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': 'Fri, 01 Aug 2025 12:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Fri, 01 Aug 2025 11:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(retryAfterMs(new Headers(), now)).toBeNull();
  });

  it('500 is retryable and the SDK does not retry it itself', async () => {
    const { server, teacher } = await setUp([(_request, response) => sendJSON(response, 500, errorBody('The server had an error', 'server_error'))]);
    const error = await failure(teacher);
    expect(error).toMatchObject({ status: 500, isRetryable: true, retryAfterMs: null });
    expect(error).not.toBeInstanceOf(TeacherAuthError);
    expect(server.requests).toHaveLength(1);
  });

  it('x-should-retry: false overrides the status', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 503, errorBody('down'), { 'x-should-retry': 'false' })]);
    expect(await failure(teacher)).toMatchObject({ status: 503, isRetryable: false });
  });

  it('401 and 403 are TeacherAuthError, not retryable', async () => {
    const { teacher } = await setUp([
      (_request, response) => sendJSON(response, 401, errorBody('Incorrect API key provided: sk-test.')),
      (_request, response) => sendJSON(response, 403, errorBody('Project does not have access to model')),
    ]);
    const unauthorised = await failure(teacher);
    expect(unauthorised).toBeInstanceOf(TeacherAuthError);
    expect(unauthorised).toMatchObject({ status: 401, isRetryable: false });
    const forbidden = await failure(teacher);
    expect(forbidden).toBeInstanceOf(TeacherAuthError);
    expect(forbidden.status).toBe(403);
  });

  it('another 400 is a plain, non-retryable error and is not re-sent', async () => {
    const { server, teacher } = await setUp([(_request, response) => sendJSON(response, 400, errorBody("Invalid value for 'temperature'"))]);
    const error = await failure(teacher);
    expect(error).toMatchObject({ status: 400, isRetryable: false });
    expect(error.constructor).toBe(TeacherError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('fault-injection: network and time', () => {
  it('a server that never answers within timeoutMs gives TeacherTimeoutError (retryable)', async () => {
    const { teacher } = await setUp([() => undefined], { timeoutMs: 150 });
    const error = await failure(teacher);
    expect(error).toBeInstanceOf(TeacherTimeoutError);
    expect(error.isRetryable).toBe(true);
  });

  it('a server that sends headers and then stalls the body also times out', async () => {
    const { teacher } = await setUp([(_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '500', 'x-request-id': 'req_stall' });
      response.write('{"id":"chatcmpl-1",');
    }], { timeoutMs: 150 });
    const error = await failure(teacher);
    expect(error).toBeInstanceOf(TeacherTimeoutError);
    expect(error.requestId).toBe('req_stall');
  });

  it('a refused connection gives TeacherConnectionError (retryable)', async () => {
    const { server: closed, teacher } = await setUp([happy]);
    await closed.close();
    server = undefined;
    const error = await failure(teacher);
    expect(error).toBeInstanceOf(TeacherConnectionError);
    expect(error.isRetryable).toBe(true);
    // Refused: the request never left, so it cannot have been billed.
    expect((error as TeacherConnectionError).mayHaveBeenSent).toBe(false);
  });

  it('a connection dropped after the request arrived gives TeacherConnectionError that may have been billed', async () => {
    const { teacher } = await setUp([(_request, response) => response.socket?.destroy()]);
    const error = await failure(teacher);
    expect(error).toBeInstanceOf(TeacherConnectionError);
    expect((error as TeacherConnectionError).mayHaveBeenSent).toBe(true);
  });

  it('a cancelled call rejects as cancelled and not retryable', async () => {
    const { teacher } = await setUp([() => undefined], { timeoutMs: 5_000 });
    const controller = new AbortController();
    const pending = classifyWith(teacher, { messages, labels, signal: controller.signal });
    controller.abort();
    const error = await pending.then(() => null, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(TeacherError);
    expect(error).not.toBeInstanceOf(TeacherTimeoutError);
    expect((error as TeacherError).isRetryable).toBe(false);
  });
});

describe('fault-injection: broken 200 bodies', () => {
  const cases: Array<[string, Script]> = [
    ['a garbage non-JSON body (text/html)', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>502 Bad Gateway</html>');
    }],
    ['a garbage body labelled application/json', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('not json at all');
    }],
    ['a truncated JSON body (complete transfer)', (_request, response) => {
      const text = JSON.stringify(fixture('openai-chat-logprobs-sentiment.json')).slice(0, 120);
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    }],
    ['a truncated JSON body (connection cut mid-body)', (_request, response) => {
      const text = JSON.stringify(fixture('openai-chat-logprobs-sentiment.json'));
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.write(text.slice(0, 120), () => response.socket?.destroy());
    }],
    ['an empty JSON body', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' });
      response.end();
    }],
    ['a body without choices', (_request, response) => sendJSON(response, 200, { id: 'chatcmpl-x', object: 'chat.completion', choices: [] })],
    ['a choice without content', (_request, response) => sendJSON(response, 200, { choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }] })],
  ];
  for (const [name, script] of cases) {
    // Billed once the headers arrived: never retried by itself (issue 8, item 2), only with --retry-failed.
    it(`${name} gives TeacherResponseError (billed, not retryable)`, async () => {
      const { teacher } = await setUp([script]);
      const error = await failure(teacher);
      expect(error).toBeInstanceOf(TeacherResponseError);
      expect(error.isRetryable).toBe(false);
    });
  }
});

describe('fault-injection: logprobs and labels', () => {
  it('a 400 about logprobs (vLLM-shaped body) falls back to hard labels, once, for good', async () => {
    const rejectLogprobs: Script = (request, response) => {
      if (request.body['logprobs'] === true) sendJSON(response, 400, fixture('vllm-error-logprobs.json'));
      else sendJSON(response, 200, fixture('ollama-chat-no-logprobs.json'));
    };
    const { server, teacher } = await setUp([rejectLogprobs]);
    const before = { ...teacher.requestParameters };
    const first = await classifyWith(teacher, { messages, labels });
    expect(first).toMatchObject({ kind: 'label', label: 'negative', distribution: null, tailMass: null });
    expect(first.warnings.join(' ')).toMatch(/rejected logprobs/);
    expect(server.requests.map((request) => request.body['logprobs'])).toEqual([true, undefined]);
    expect(server.requests[1]?.body['top_logprobs']).toBeUndefined();

    const second = await classifyWith(teacher, { messages, labels });
    expect(second.label).toBe('negative');
    expect(second.warnings.join(' ')).toMatch(/logprobs are off/);
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2]?.body['logprobs']).toBeUndefined();
    // Cache keys must not move under the collector's feet.
    expect(teacher.requestParameters).toEqual(before);
  });

  it('a 200 without logprobs gives the hard label, distribution null, and a warning', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('ollama-chat-no-logprobs.json'))]);
    const result = await classifyWith(teacher, { messages, labels });
    expect(result).toMatchObject({ kind: 'label', label: 'negative', distribution: null, tailMass: null, responseId: 'chatcmpl-417' });
    expect(result.warnings.join(' ')).toContain('no logprobs');
  });

  it('a 200 whose answer names no label is junk, never coerced', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('openai-chat-junk.json'))]);
    const result = await classifyWith(teacher, { messages, labels });
    expect(result).toMatchObject({ kind: 'junk', label: null, distribution: null, tailMass: null, text: "I'd say it leans positive" });
    expect(result.usage).toEqual({ inputTokens: 42, outputTokens: 6, estimated: false });
    expect(result.warnings.join(' ')).toContain('max_tokens');
  });
});
