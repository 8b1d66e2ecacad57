/**
 * The Anthropic teacher over the real @anthropic-ai/sdk against a scripted loopback server that
 * answers in the documented Messages API shapes (fixtures in __fixtures__/anthropic-*.json): the
 * shared Teacher conformance suite, the request it sends, and how its errors map.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, sendJSON, startFaultInjectionServer, type FaultInjectionServer, type Script } from './__fixtures__/fault-injection-server.js';
import { createAnthropicTeacher, type AnthropicTeacherOptions } from './anthropic-teacher.js';
import { TeacherAuthError, TeacherError, TeacherResponseError } from './errors.js';
import { lookupPrices } from './prices.js';
import { classifyWith, describeTeacherConformance, type ConformanceCase, type RecordedResponse } from './teacher-conformance.js';
import type { ChatMessage, Teacher } from './types.js';

/** The conformance cases in the Messages API's wire format; none is soft (it has no logprobs). */
const ANTHROPIC_CONFORMANCE_CASES: readonly ConformanceCase[] = [
  { name: 'a text answer naming a label', fixture: 'anthropic-message-sentiment.json', expect: { answer: { kind: 'label', label: 'positive', soft: false, usage: { inputTokens: 42, outputTokens: 1 }, warning: /no logprobs/ } } },
  { name: 'prompt-cache tokens counted as input', fixture: 'anthropic-message-cache-usage.json', expect: { answer: { kind: 'label', label: 'negative', soft: false, usage: { inputTokens: 61, outputTokens: 3 } } } },
  { name: 'an answer cut at max_tokens naming no label (junk)', fixture: 'anthropic-message-junk-max-tokens.json', expect: { answer: { kind: 'junk', label: null, soft: false, usage: { inputTokens: 42, outputTokens: 6 }, warning: /max_tokens/ } } },
  { name: 'a refusal with no text (junk, not broken)', fixture: 'anthropic-message-refusal.json', expect: { answer: { kind: 'junk', label: null, soft: false, usage: { inputTokens: 42, outputTokens: 0 }, warning: /refused/ } } },
  { name: 'a message with only a tool_use block', fixture: 'anthropic-message-tool-use-only.json', expect: { billed: { usage: { inputTokens: 42, outputTokens: 12 } } } },
  { name: 'an error body with status 200', fixture: 'anthropic-error-200.json', expect: { billed: { usage: null } } },
  { name: 'a non-JSON 200 (an HTML error page)', fixture: 'non-json-200.html', contentType: 'text/html', expect: { billed: { usage: null } } },
  { name: 'a connection cut mid-body', fixture: 'anthropic-message-sentiment.json', cutMidBody: true, expect: { billed: { usage: null } } },
];

/** A teacher of the scripted server's; `baseURL` without the /v1 the SDK adds itself. */
function teacherFor(server: FaultInjectionServer, overrides: Partial<AnthropicTeacherOptions> = {}): Teacher {
  return createAnthropicTeacher({
    baseURL: server.baseURL.replace(/\/v1$/, ''), model: 'claude-haiku-4-5', apiKey: 'sk-ant-test', logprobs: true,
    temperature: 0, maxTokens: 5, timeoutMs: 5_000, ...overrides,
  });
}

describeTeacherConformance('anthropic over HTTP (scripted server, Messages API shapes)', {
  async open(recorded: RecordedResponse) {
    const server = await startFaultInjectionServer([(_request, response) => {
      response.writeHead(recorded.status, { 'content-type': recorded.contentType, 'content-length': Buffer.byteLength(recorded.body), 'request-id': 'req_conformance' });
      if (recorded.cutMidBody) response.write(recorded.body.slice(0, Math.floor(recorded.body.length / 2)), () => response.socket?.destroy());
      else response.end(recorded.body);
    }]);
    return { teacher: teacherFor(server), close: () => server.close() };
  },
}, ANTHROPIC_CONFORMANCE_CASES);

const messages: ChatMessage[] = [
  { role: 'system', content: 'Answer with one label: positive, negative or neutral.' },
  { role: 'user', content: 'I loved every minute of it.' },
];
const labels = ['positive', 'negative', 'neutral'];

let server: FaultInjectionServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Starts the scripted server and an Anthropic teacher pointed at it. */
async function setUp(scripts: Script[], overrides: Partial<AnthropicTeacherOptions> = {}): Promise<{ server: FaultInjectionServer; teacher: Teacher }> {
  server = await startFaultInjectionServer(scripts);
  return { server, teacher: teacherFor(server, overrides) };
}

/** The TeacherError a call rejects with. */
async function failure(teacher: Teacher): Promise<TeacherError> {
  const error = await teacher.complete({ messages }).then(() => null, (caught: unknown) => caught);
  if (!(error instanceof TeacherError)) throw new Error(`expected a TeacherError, got ${String(error)}`);
  return error;
}

describe('createAnthropicTeacher against a scripted Messages API server', () => {
  it('sends the system prompt apart, max_tokens and the key to /v1/messages; keeps the raw body and the request id', async () => {
    const { server, teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('anthropic-message-sentiment.json'), { 'request-id': 'req_011' })]);
    const result = await classifyWith(teacher, { messages, labels });
    const seen = server.requests[0];
    expect(seen?.path).toBe('/v1/messages');
    // The SDK sends the key as x-api-key or, in newer versions, as a bearer token.
    expect(String(seen?.headers['x-api-key'] ?? seen?.headers['authorization'])).toContain('sk-ant-test');
    expect(typeof seen?.headers['anthropic-version']).toBe('string');
    expect(seen?.body).toEqual({ model: 'claude-haiku-4-5', temperature: 0, max_tokens: 5, system: messages[0]?.content, messages: [{ role: 'user', content: messages[1]?.content }] });
    expect(result).toMatchObject({ kind: 'label', label: 'positive', distribution: null, responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL' });
    expect(result.completion).toMatchObject({ finishReason: 'stop', rawFinishReason: 'end_turn', raw: fixture('anthropic-message-sentiment.json') });
    expect(result.completion.tokens).toBeUndefined();
    expect(teacher.provider).toBe('anthropic');
  });

  it('warns that logprobs were asked of a provider without them, and says nothing when they were not', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('anthropic-message-sentiment.json'))]);
    expect((await teacher.complete({ messages })).warnings.join(' ')).toMatch(/no logprobs/);
    const quiet = teacherFor(server as FaultInjectionServer, { logprobs: false });
    expect((await quiet.complete({ messages })).warnings).toEqual([]);
  });

  it('429 rate_limit_error is retryable and carries retry-after', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 429, fixture('anthropic-error-rate-limit.json'), { 'retry-after': '7', 'request-id': 'req_429' })]);
    const error = await failure(teacher);
    expect(error).toMatchObject({ status: 429, isRetryable: true, retryAfterMs: 7000, requestId: 'req_429' });
  });

  it('529 overloaded_error is retryable', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 529, fixture('anthropic-error-overloaded.json'))]);
    expect(await failure(teacher)).toMatchObject({ status: 529, isRetryable: true });
  });

  it('401 authentication_error is a TeacherAuthError (the run stops)', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 401, fixture('anthropic-error-authentication.json'))]);
    const error = await failure(teacher);
    expect(error).toBeInstanceOf(TeacherAuthError);
    expect(error.isRetryable).toBe(false);
  });

  it('400 invalid_request_error is not retryable; a truncated 200 is billed', async () => {
    const { teacher } = await setUp([
      (_request, response) => sendJSON(response, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: must be positive' } }),
      (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"id":"msg_1","type":"message","content":[{"type":"te');
      },
    ]);
    expect(await failure(teacher)).toMatchObject({ status: 400, isRetryable: false });
    expect(await failure(teacher)).toBeInstanceOf(TeacherResponseError);
  });
});

describe('Anthropic prices', () => {
  it('prices the current Claude families and their dated snapshots', () => {
    expect(lookupPrices('claude-haiku-4-5')).toEqual({ inputPer1M: 1, outputPer1M: 5 });
    expect(lookupPrices('claude-haiku-4-5-20251001')).toEqual({ inputPer1M: 1, outputPer1M: 5 });
    expect(lookupPrices('claude-sonnet-4-5-20250929')).toEqual({ inputPer1M: 3, outputPer1M: 15 });
    expect(lookupPrices('claude-opus-4-5')).toEqual({ inputPer1M: 5, outputPer1M: 25 });
    expect(lookupPrices('claude-opus-5-5')).toEqual({ inputPer1M: 4, outputPer1M: 20 });
    expect(lookupPrices('claude-sonnet-5')).toEqual({ inputPer1M: 2, outputPer1M: 10 });
  });
});
