import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prediction, Student } from '../student/types.js';
import { startStudentServer } from './student-server.js';

const LABELS = ['negative', 'neutral', 'positive'] as const;

/** A hand-written student: word counts decide, so each test knows the exact probabilities. */
function keywordStudent(): Student & { inputs: string[] } {
  const inputs: string[] = [];
  return {
    kind: 'keyword-test',
    labels: LABELS,
    inputs,
    fit: () => {
      throw new Error('not trainable');
    },
    predict(text: string): Prediction {
      inputs.push(text);
      if (text.includes('explode')) throw new Error('student exploded');
      const good = (text.match(/good/g) ?? []).length;
      const bad = (text.match(/bad/g) ?? []).length;
      const weights = [1 + 3 * bad, 1, 1 + 3 * good];
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const probabilities = Float32Array.from(weights, (weight) => weight / total);
      let index = 0;
      probabilities.forEach((probability, candidate) => {
        if (probability > (probabilities[index] ?? 0)) index = candidate;
      });
      return { label: LABELS[index] ?? 'neutral', index, probabilities };
    },
    toBytes: () => new Uint8Array(),
    parameterCount: () => 0,
  };
}

const student = keywordStudent();
let server: Awaited<ReturnType<typeof startStudentServer>>;
let client: OpenAI;

beforeAll(async () => {
  server = await startStudentServer({ student, modelName: 'sentiment-student', maxBodyBytes: 4096 });
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

/** POSTs raw text to the chat endpoint (for requests the SDK would never send). */
async function postRaw(body: string, path = '/chat/completions', method = 'POST'): Promise<{ status: number; headers: Headers; json: { error: Record<string, unknown> } }> {
  const response = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { body }) });
  return { status: response.status, headers: response.headers, json: (await response.json()) as { error: Record<string, unknown> } };
}

const userMessage = (content: string): OpenAI.Chat.ChatCompletionMessageParam[] => [
  { role: 'system', content: 'Classify the sentiment.' },
  { role: 'user', content: 'an earlier bad turn' },
  { role: 'assistant', content: 'negative' },
  { role: 'user', content },
];

describe('student server, with the openai SDK', () => {
  it('serves a base URL ending in /v1 on the chosen loopback port', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/v1`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('lists and retrieves the served model', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((model) => model.id)).toEqual(['sentiment-student']);
    expect(models[0]?.owned_by).toBe('distillery:keyword-test');
    expect((await client.models.retrieve('sentiment-student')).id).toBe('sentiment-student');
    await expect(client.models.retrieve('gpt-4o')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('answers with the label of the last user message, with ids, created and usage', async () => {
    const completion = await client.chat.completions.create({ model: 'sentiment-student', messages: userMessage('good good film') });
    expect(student.inputs.at(-1)).toBe('good good film');
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-[0-9a-f]{24}$/);
    expect(Number.isInteger(completion.created)).toBe(true);
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(600);
    expect(completion.model).toBe('sentiment-student');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'positive' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.logprobs).toBeNull();
    const usage = completion.usage;
    expect(usage?.completion_tokens).toBe(1);
    expect(usage?.prompt_tokens).toBeGreaterThan(10);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + 1);
  });

  it('counts more prompt tokens for a longer prompt', async () => {
    const short = await client.chat.completions.create({ model: 'sentiment-student', messages: [{ role: 'user', content: 'good' }] });
    const long = await client.chat.completions.create({ model: 'sentiment-student', messages: [{ role: 'user', content: 'good '.repeat(50) }] });
    expect(long.usage?.prompt_tokens).toBeGreaterThan((short.usage?.prompt_tokens ?? 0) + 40);
  });

  it('gives OpenAI-shaped logprobs whose exp values are the student probabilities', async () => {
    const text = 'bad bad bad but good';
    const expected = student.predict(text).probabilities;
    const completion = await client.chat.completions.create({ model: 'sentiment-student', messages: userMessage(text), logprobs: true, top_logprobs: 2 });
    const content = completion.choices[0]?.logprobs?.content;
    expect(content).toHaveLength(1);
    const entry = content?.[0];
    expect(entry?.token).toBe('negative');
    expect(entry?.bytes).toEqual([...Buffer.from('negative')]);
    expect(Math.exp(entry?.logprob ?? 0)).toBeCloseTo(expected[0] ?? 0, 6);
    expect(entry?.top_logprobs.map((alternative) => alternative.token)).toEqual(['negative', 'positive']);
    for (const alternative of entry?.top_logprobs ?? []) {
      expect(Math.exp(alternative.logprob)).toBeCloseTo(expected[LABELS.indexOf(alternative.token as (typeof LABELS)[number])] ?? -1, 6);
      expect(alternative.bytes).toEqual([...Buffer.from(alternative.token)]);
    }
  });

  it('lists every label when top_logprobs exceeds the label count, and none when it is 0', async () => {
    const all = await client.chat.completions.create({ model: 'sentiment-student', messages: userMessage('good'), logprobs: true, top_logprobs: 20 });
    const alternatives = all.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? [];
    expect(alternatives.map((alternative) => alternative.token).sort()).toEqual([...LABELS].sort());
    expect(alternatives.reduce((sum, alternative) => sum + Math.exp(alternative.logprob), 0)).toBeCloseTo(1, 5);
    const none = await client.chat.completions.create({ model: 'sentiment-student', messages: userMessage('good'), logprobs: true });
    expect(none.choices[0]?.logprobs?.content?.[0]?.top_logprobs).toEqual([]);
  });

  it('streams chat.completion.chunk events: role, content with logprobs, stop, usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'sentiment-student',
      messages: userMessage('good'),
      stream: true,
      stream_options: { include_usage: true },
      logprobs: true,
      top_logprobs: 3,
    });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toHaveLength(4);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'sentiment-student')).toBe(true);
    const [role, content, stop, usage] = chunks;
    expect(role?.choices[0]?.delta.role).toBe('assistant');
    expect(content?.choices[0]?.delta.content).toBe('positive');
    expect(content?.choices[0]?.logprobs?.content?.[0]?.token).toBe('positive');
    expect(content?.choices[0]?.logprobs?.content?.[0]?.top_logprobs).toHaveLength(3);
    expect(stop?.choices[0]?.finish_reason).toBe('stop');
    expect(stop?.choices[0]?.delta).toEqual({});
    expect(role?.usage).toBeNull();
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage?.completion_tokens).toBe(1);
  });

  it('ends a raw stream with data: [DONE] and sends no usage chunk unless asked', async () => {
    const response = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sentiment-student', messages: [{ role: 'user', content: 'bad' }], stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text()).split('\n\n').filter((event) => event !== '');
    expect(events.every((event) => event.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.slice('data: '.length)) as Record<string, unknown>);
    expect(chunks).toHaveLength(3);
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it('reads text content parts', async () => {
    const completion = await client.chat.completions.create({
      model: 'sentiment-student',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'bad ' }, { type: 'text', text: 'bad' }] }],
    });
    expect(student.inputs.at(-1)).toBe('bad bad');
    expect(completion.choices[0]?.message.content).toBe('negative');
  });
});

describe('student server, rejecting bad requests in OpenAI error shape', () => {
  it('400 for a wrong model name, saying what is served', async () => {
    const request = client.chat.completions.create({ model: 'gpt-4o', messages: userMessage('good') });
    await expect(request).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(request).rejects.toMatchObject({ status: 400, param: 'model', code: 'model_not_found', message: expect.stringContaining('"sentiment-student"') });
  });

  it('400 for missing or invalid messages, naming the parameter', async () => {
    const missing = await postRaw(JSON.stringify({ model: 'sentiment-student' }));
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter' });
    const noUser = await postRaw(JSON.stringify({ model: 'sentiment-student', messages: [{ role: 'system', content: 'x' }] }));
    expect(noUser.json.error).toMatchObject({ param: 'messages', message: expect.stringContaining('user message') });
    const badRole = await postRaw(JSON.stringify({ model: 'sentiment-student', messages: [{ role: 'robot', content: 'x' }] }));
    expect(badRole.json.error).toMatchObject({ param: 'messages[0].role' });
  });

  it('400 for n > 1 and for out-of-range top_logprobs', async () => {
    const many = client.chat.completions.create({ model: 'sentiment-student', messages: userMessage('good'), n: 2 });
    await expect(many).rejects.toMatchObject({ status: 400, param: 'n', message: expect.stringContaining('exactly one choice') });
    const tooMany = client.chat.completions.create({ model: 'sentiment-student', messages: userMessage('good'), logprobs: true, top_logprobs: 21 });
    await expect(tooMany).rejects.toMatchObject({ status: 400, param: 'top_logprobs' });
  });

  it('400 for malformed JSON', async () => {
    const result = await postRaw('{"model": "sentiment-student", "messages": [');
    expect(result.status).toBe(400);
    expect(result.json.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', param: null });
    expect(result.json.error.message).toMatch(/not valid JSON/);
  });

  it('413 for a body over the limit', async () => {
    const result = await postRaw(JSON.stringify({ model: 'sentiment-student', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }));
    expect(result.status).toBe(413);
    expect(result.json.error).toMatchObject({ code: 'request_too_large', message: expect.stringContaining('4096 bytes') });
  });

  it('413 for a streamed (chunked) body once it passes the limit', async () => {
    const piece = new TextEncoder().encode('y'.repeat(1000));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let index = 0; index < 10; index++) controller.enqueue(piece);
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/chat/completions`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.headers.get('content-length')).not.toBeNull();
    expect(response.status).toBe(413);
  });

  it('404 for an unknown route and 405 for a wrong method', async () => {
    const unknown = await postRaw('{}', '/completions');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: 'not_found', message: expect.stringContaining('POST /v1/chat/completions') });
    const wrongMethod = await postRaw('', '/chat/completions', 'GET');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(wrongMethod.json.error).toMatchObject({ code: 'method_not_allowed' });
  });

  it('500 in OpenAI shape when the student fails, and keeps serving', async () => {
    const result = await postRaw(JSON.stringify({ model: 'sentiment-student', messages: [{ role: 'user', content: 'explode' }] }));
    expect(result.status).toBe(500);
    // The student's own message stays in the server's log: a client sees a generic 500 with a request id.
    expect(result.json.error).toMatchObject({ type: 'server_error', code: 'internal_error', message: expect.stringMatching(/request id req_[0-9a-f]{16}/) });
    expect(JSON.stringify(result.json)).not.toContain('student exploded');
    const after = await client.chat.completions.create({ model: 'sentiment-student', messages: userMessage('good') });
    expect(after.choices[0]?.message.content).toBe('positive');
  });
});
