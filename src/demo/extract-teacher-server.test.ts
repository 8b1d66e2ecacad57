import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { countTextTokens, estimateInputTokens } from '../teacher/tokens.js';
import { ENTITY_SCHEMA, entitySchemaViolation } from './entity-extractor.js';
import { EXTRACT_DEMO_TASK } from './extract-task.js';
import { extractMessages } from './extract-teacher-timing.js';
import { EXTRACT_TEACHER_MODEL, extractAnswer, startExtractTeacherServer, type ExtractTeacherServer } from './extract-teacher-server.js';
import { buildSentenceCorpus } from './sentence-corpus.js';

const SENTENCE = 'The CSSTA was signed by the Straits Exchange Foundation, representing Taiwan, and by Kenneth Rogoff in Shanghai.';

let server: ExtractTeacherServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startExtractTeacherServer();
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

describe('extract teacher server, through the official openai client', () => {
  it('answers the JSON object of the schema with honest usage and finish_reason stop', async () => {
    const messages = extractMessages(SENTENCE);
    const completion = await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages, response_format: EXTRACT_DEMO_TASK.responseFormat as never });
    const choice = completion.choices[0];
    const content = choice?.message.content ?? '';
    expect(choice?.finish_reason).toBe('stop');
    expect(content).toBe(extractAnswer(SENTENCE));
    expect(entitySchemaViolation(JSON.parse(content))).toBeNull();
    expect(JSON.parse(content)).toMatchObject({ people: ['Kenneth Rogoff'] });
    expect(completion.usage).toEqual({ prompt_tokens: estimateInputTokens(messages), completion_tokens: countTextTokens(content), total_tokens: estimateInputTokens(messages) + countTextTokens(content) });
  });

  it('streams token deltas that join to the plain answer, then finish_reason and usage', async () => {
    const stream = await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages: extractMessages(SENTENCE), stream: true, stream_options: { include_usage: true } });
    const deltas: string[] = [];
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    const whole = extractAnswer(SENTENCE);
    expect(deltas.join('')).toBe(whole);
    expect(deltas.length).toBeGreaterThan(5);
    expect(finishReason).toBe('stop');
    expect(usage?.completion_tokens).toBe(countTextTokens(whole));
  });

  it('truncates to max_tokens with finish_reason length and counts exactly those tokens', async () => {
    for (const limit of [{ max_tokens: 5 }, { max_completion_tokens: 5 }]) {
      const completion = await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages: extractMessages(SENTENCE), ...limit });
      const content = completion.choices[0]?.message.content ?? '';
      expect(completion.choices[0]?.finish_reason).toBe('length');
      expect(completion.usage?.completion_tokens).toBe(5);
      expect(extractAnswer(SENTENCE).startsWith(content)).toBe(true);
      expect(() => JSON.parse(content)).toThrow();
    }
  });

  it('gives logprob 0 (probability 1: a hard label) to every token when logprobs are asked', async () => {
    const completion = await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages: extractMessages(SENTENCE), logprobs: true, top_logprobs: 3 });
    const entries = completion.choices[0]?.logprobs?.content ?? [];
    expect(entries).toHaveLength(completion.usage?.completion_tokens ?? -1);
    expect(entries.map((entry) => entry.token).join('')).toBe(completion.choices[0]?.message.content);
    for (const entry of entries) {
      expect(entry.logprob).toBe(0);
      expect(entry.top_logprobs).toEqual([{ token: entry.token, logprob: 0, bytes: entry.bytes }]);
    }
    const stream = await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages: extractMessages(SENTENCE), logprobs: true, stream: true });
    const streamed: OpenAI.ChatCompletionTokenLogprob[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice?.delta.content) continue;
      const content = choice.logprobs?.content ?? [];
      expect(content.map((entry) => entry.token).join('')).toBe(choice.delta.content);
      streamed.push(...content);
    }
    expect(streamed.map(({ token, logprob }) => ({ token, logprob }))).toEqual(entries.map(({ token }) => ({ token, logprob: 0 })));
    const plain = await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages: extractMessages(SENTENCE) });
    expect(plain.choices[0]?.logprobs ?? null).toBeNull();
  });

  it('rejects a malformed response_format, max_tokens or an empty sentence with a 400 naming the field', async () => {
    const cases = [
      [{ response_format: { type: 'xml' } }, 'response_format.type'],
      [{ max_tokens: 0 }, 'max_tokens'],
      [{ messages: [{ role: 'user', content: '   ' }] }, 'messages[0].content'],
    ] as const;
    for (const [body, param] of cases) {
      const failure = await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages: extractMessages(SENTENCE), ...(body as object) }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
      expect((failure as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    }
  });

  it('lists its model and counts its calls', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual([EXTRACT_TEACHER_MODEL]);
    expect((await client.models.retrieve(EXTRACT_TEACHER_MODEL)).owned_by).toBe('spencermountain/compromise');
    const before = server.calls();
    await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages: extractMessages('Ada Lovelace lived in London.') });
    expect(server.calls()).toBe(before + 1);
  });

  it('answers every sentence of a corpus sample with schema-valid JSON of non-empty names', async () => {
    const validator = z.fromJSONSchema(ENTITY_SCHEMA as unknown as Parameters<typeof z.fromJSONSchema>[0]);
    const sentences = await buildSentenceCorpus({ limit: 150 });
    let named = 0;
    for (const sentence of sentences) {
      const completion = await client.chat.completions.create({ model: EXTRACT_TEACHER_MODEL, messages: extractMessages(sentence.text), max_tokens: EXTRACT_DEMO_TASK.teacher.maxTokens });
      expect(completion.choices[0]?.finish_reason).toBe('stop');
      const answer = JSON.parse(completion.choices[0]?.message.content ?? '') as Record<string, string[]>;
      expect(validator.safeParse(answer).success, sentence.text).toBe(true);
      const names = Object.values(answer).flat();
      expect(names.every((name) => name.trim() === name && name !== ''), sentence.text).toBe(true);
      if (names.length > 0) named += 1;
    }
    // A corpus for entity extraction: most sentences name something.
    expect(named / sentences.length).toBeGreaterThan(0.3);
  });
});
