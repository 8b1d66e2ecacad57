/**
 * The OpenAI teacher against a real loopback HTTP server serving recorded-shape chat completions
 * (see __fixtures__/README.md), through the official openai SDK.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, sendJSON, startFaultInjectionServer, type FaultInjectionServer, type Script } from './__fixtures__/fault-injection-server.js';
import { createOpenAITeacher, type OpenAITeacherOptions } from './openai-teacher.js';
import { classifyWith } from './teacher-conformance.js';
import type { ChatMessage } from './types.js';

const messages: ChatMessage[] = [
  { role: 'system', content: 'Answer with one label: positive, negative or neutral.' },
  { role: 'user', content: 'I loved every minute of it.' },
];
const sentiment = ['positive', 'negative', 'neutral'];

let server: FaultInjectionServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Starts a server with the scripts and a teacher pointed at it. */
async function setUp(scripts: Script[], overrides: Partial<OpenAITeacherOptions> = {}) {
  server = await startFaultInjectionServer(scripts);
  const teacher = createOpenAITeacher({
    baseURL: server.baseURL, model: 'gpt-4o-mini', apiKey: 'sk-test', logprobs: true, topLogprobs: 5,
    temperature: 0, maxTokens: 5, timeoutMs: 5_000, ...overrides,
  });
  return { server, teacher };
}

describe('createOpenAITeacher against a loopback server', () => {
  it('labels with a distribution from logprobs (recorded gpt-4o-mini shape)', async () => {
    const { server, teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('openai-chat-logprobs-sentiment.json'), { 'x-request-id': 'req_1' })]);
    const result = await classifyWith(teacher, { messages, labels: sentiment });
    expect(result.kind).toBe('label');
    expect(result.label).toBe('positive');
    expect(result.text).toBe('Positive');
    expect(result.responseId).toBe('chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG');
    expect(result.usage).toEqual({ inputTokens: 42, outputTokens: 1, estimated: false });
    const p = (logprob: number): number => Math.exp(logprob);
    const positive = p(-0.31326166) + p(-4.0632615);
    const labelMass = positive + p(-5.0632615) + p(-1.3132616);
    expect(result.distribution?.[0]).toBeCloseTo(positive / labelMass, 9);
    expect(result.distribution?.[1]).toBeCloseTo(p(-5.0632615) / labelMass, 9);
    expect(result.distribution?.[2]).toBeCloseTo(p(-1.3132616) / labelMass, 9);
    expect(result.tailMass).toBeGreaterThan(0);
    expect(result.tailMass).toBeLessThan(0.01);
    expect(result.warnings).toEqual([]);
  });

  it('sends the documented parameters, the key, and no SDK retries', async () => {
    const { server, teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('openai-chat-logprobs-sentiment.json'))]);
    await classifyWith(teacher, { messages, labels: sentiment });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toEqual({ model: 'gpt-4o-mini', messages, temperature: 0, max_tokens: 5, logprobs: true, top_logprobs: 5 });
    expect(teacher.requestParameters).toEqual({ model: 'gpt-4o-mini', temperature: 0, max_tokens: 5, logprobs: true, top_logprobs: 5 });
    expect(teacher.provider).toBe('openai-compatible');
    expect(teacher.modelId).toBe('gpt-4o-mini');
  });

  it('omits top_logprobs when logprobs are off, in the request and in requestParameters', async () => {
    const { server, teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('ollama-chat-no-logprobs.json'))], { logprobs: false });
    const result = await classifyWith(teacher, { messages, labels: sentiment });
    expect(server.requests[0]?.body).toEqual({ model: 'gpt-4o-mini', messages, temperature: 0, max_tokens: 5 });
    expect(teacher.requestParameters).toEqual({ model: 'gpt-4o-mini', temperature: 0, max_tokens: 5, logprobs: false });
    expect(result.label).toBe('negative');
    expect(result.distribution).toBeNull();
    expect(result.warnings).toEqual([]);
  });

  it('splits labels sharing a first token (recorded c / cpp / cs shape)', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('openai-chat-logprobs-shared-prefix.json'))]);
    const result = await classifyWith(teacher, { messages, labels: ['c', 'cpp', 'cs'] });
    expect(result.label).toBe('cpp');
    const [c, cpp, cs] = result.distribution ?? [];
    expect(c).toBe(0);
    expect(cpp).toBeCloseTo(0.8 / (0.8 + 0.15), 6);
    expect(cs).toBeCloseTo(0.15 / (0.8 + 0.15), 6);
    expect(result.warnings.join(' ')).toContain('-9999');
  });

  it('estimates usage (and says so) when the server reports none', async () => {
    const body = { ...fixture('ollama-chat-no-logprobs.json') };
    delete body['usage'];
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 200, body)], { logprobs: false });
    const result = await classifyWith(teacher, { messages, labels: sentiment });
    expect(result.usage.estimated).toBe(true);
    expect(result.usage.inputTokens).toBeGreaterThan(20);
    expect(result.usage.outputTokens).toBe(1);
  });

  it('records a refusal as junk, not as an error', async () => {
    const body = fixture('openai-chat-logprobs-sentiment.json');
    const choice = { index: 0, message: { role: 'assistant', content: null, refusal: "I can't help with that." }, logprobs: null, finish_reason: 'stop' };
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 200, { ...body, choices: [choice] })]);
    const result = await classifyWith(teacher, { messages, labels: sentiment });
    expect(result).toMatchObject({ kind: 'junk', label: null, distribution: null, text: "I can't help with that." });
    expect(result.warnings.join(' ')).toContain('refused');
  });
});

describe('the v2 completion of the OpenAI-compatible teacher', () => {
  it('keeps the text, the finish reason (unified and raw), the tokens with their bytes and alternatives, and the raw body', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('openai-chat-logprobs-sentiment.json'))]);
    const completion = await teacher.complete({ messages });
    expect(completion).toMatchObject({ text: 'Positive', finishReason: 'stop', rawFinishReason: 'stop', raw: fixture('openai-chat-logprobs-sentiment.json') });
    expect(completion.tokens?.[0]).toMatchObject({ token: 'Positive', bytes: [80, 111, 115, 105, 116, 105, 118, 101] });
    expect(completion.tokens?.[0]?.topLogprobs[1]).toEqual({ token: 'Neutral', logprob: -1.3132616 });
  });

  it('maps finish_reason length (an answer cut at max_tokens) and leaves tokens out when none came', async () => {
    const { teacher } = await setUp([(_request, response) => sendJSON(response, 200, fixture('openai-chat-junk.json'))]);
    const completion = await teacher.complete({ messages });
    expect(completion).toMatchObject({ finishReason: 'length', rawFinishReason: 'length' });
    expect(completion.tokens).toBeUndefined();
  });
});
