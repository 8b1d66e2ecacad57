/**
 * The span-tagger student served for real over loopback and called with the official openai client,
 * as an app that only swapped its baseURL would: the teacher's exact prompt answered on the input its
 * template recovers, streaming, usage, response_format, and the things it does not have (token
 * logprobs, sampling, legacy completions, another schema) said plainly.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTITY_SCHEMA } from '../demo/entity-extractor.js';
import { spanStudent } from '../student/span/span-student.js';
import { trainSpanTagger } from '../student/span/train.js';
import { countTextTokens, estimateInputTokens } from '../teacher/tokens.js';
import { WARNING_HEADER } from './generation-request.js';
import type { ListeningServer } from './listen.js';
import { SPAN_MARGIN_HEADER, startSpanStudentServer } from './span-student-server.js';
import { TEMPLATE_HEADER } from './student-server.js';

const NAMES = ['Alice', 'Bruno', 'Chen', 'Dmitri'];
const CITIES = ['Paris', 'Lagos', 'Osaka'];
const train = Array.from({ length: 36 }, (_, i) => {
  const person = NAMES[i % NAMES.length] as string;
  const city = CITIES[i % CITIES.length] as string;
  return i % 2 === 0
    ? { input: `${person} flew to ${city} on Monday.`, answer: JSON.stringify({ people: [person], places: [city], organizations: [] }) }
    : { input: `Nothing happened in ${city}.`, answer: JSON.stringify({ people: [], places: [city], organizations: [] }) };
});
const TEMPLATE = { messages: [{ role: 'system', content: 'Extract the names as JSON.' }, { role: 'user', content: 'Sentence: {{text}}' }] };
const student = spanStudent(trainSpanTagger(train, ENTITY_SCHEMA, { epochs: 10, bits: 12 }).tagger, TEMPLATE);
const SENTENCE = 'Chen flew to Osaka on Monday.';
const ANSWER = '{"people":["Chen"],"places":["Osaka"],"organizations":[]}';
const teacherMessages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: 'Extract the names as JSON.' }, { role: 'user', content: `Sentence: ${SENTENCE}` }];

let server: ListeningServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startSpanStudentServer({ student, modelName: 'entities-span' });
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

describe('chat completions from a span-tagger student', () => {
  it('answers the teacher\'s exact prompt on the recovered input, with o200k usage and its Viterbi margin', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'entities-span', messages: teacherMessages }).withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBe(ANSWER);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.choices[0]?.logprobs).toBeNull();
    expect(response.headers.get(TEMPLATE_HEADER)).toBe('matched');
    const margin = Number(response.headers.get(SPAN_MARGIN_HEADER));
    expect(margin).toBeCloseTo(student.generate(SENTENCE).margin, 3);
    expect(margin).toBeGreaterThan(0);
    const prompt = estimateInputTokens(teacherMessages.map((message) => ({ role: message.role, content: String(message.content) })));
    expect(data.usage).toEqual({ prompt_tokens: prompt, completion_tokens: countTextTokens(ANSWER), total_tokens: prompt + countTextTokens(ANSWER) });
    const bare = await client.chat.completions.create({ model: 'entities-span', messages: [{ role: 'user', content: SENTENCE }] }).withResponse();
    expect(bare.response.headers.get(TEMPLATE_HEADER)).toBe('unmatched');
    expect(bare.data.choices[0]?.message.content).toBe(ANSWER);
  });

  it('streams the answer in one content chunk, then the finish and the usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'entities-span', messages: teacherMessages, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(ANSWER);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(countTextTokens(ANSWER));
  });

  it('says it has no token logprobs and ignores sampling settings, in the warning header', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'entities-span', messages: teacherMessages, logprobs: true, top_logprobs: 2, temperature: 1.5, max_tokens: 3 }).withResponse();
    expect(data.choices[0]?.logprobs).toBeNull();
    expect(data.choices[0]?.message.content).toBe(ANSWER);
    const warning = response.headers.get(WARNING_HEADER) ?? '';
    expect(warning).toContain('ignored: temperature, max_tokens');
    expect(warning).toContain('the span tagger has no token logprobs');
  });

  it('accepts response_format for its own schema or json_object, and refuses another schema with a 400', async () => {
    const own = await client.chat.completions.create({ model: 'entities-span', messages: teacherMessages, response_format: { type: 'json_schema', json_schema: { name: 'entities', strict: true, schema: ENTITY_SCHEMA as unknown as Record<string, unknown> } } });
    expect(own.choices[0]?.message.content).toBe(ANSWER);
    const object = await client.chat.completions.create({ model: 'entities-span', messages: teacherMessages, response_format: { type: 'json_object' } });
    expect(object.choices[0]?.message.content).toBe(ANSWER);
    const other = { type: 'object', properties: { count: { type: 'integer' } } };
    const error = await client.chat.completions.create({ model: 'entities-span', messages: teacherMessages, response_format: { type: 'json_schema', json_schema: { name: 'count', schema: other } } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/response_format: the span student answers \{people: string\[\], places: string\[\], organizations: string\[\]\}; the requested schema is not such an object \(property "count" is neither a string nor an array of strings\)/);
  });

  it('refuses tools, an empty input, another model and legacy completions, each with its reason', async () => {
    const tools = await client.chat.completions.create({ model: 'entities-span', messages: teacherMessages, tools: [{ type: 'function', function: { name: 'f' } }] }).catch((caught: unknown) => caught);
    expect(tools).toBeInstanceOf(OpenAI.BadRequestError);
    const empty = await client.chat.completions.create({ model: 'entities-span', messages: [{ role: 'user', content: '  ' }] }).catch((caught: unknown) => caught);
    expect((empty as Error).message).toMatch(/messages\[0\]\.content is empty/);
    const model = await client.chat.completions.create({ model: 'gpt-4o', messages: teacherMessages }).catch((caught: unknown) => caught);
    expect((model as Error).message).toMatch(/this server serves "entities-span"/);
    const legacy = await client.completions.create({ model: 'entities-span', prompt: SENTENCE }).catch((caught: unknown) => caught);
    expect(legacy).toBeInstanceOf(OpenAI.NotFoundError);
    expect((legacy as Error).message).toMatch(/answers POST \/v1\/chat\/completions only/);
    expect((await client.models.list()).data.map((entry) => entry.id)).toEqual(['entities-span']);
  });
});
