/**
 * The language-model server against the official openai client: a tiny student trained here (seconds)
 * on "colour: red" → {"name":"red",...}, served for real over loopback, called as an app would.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languageModelConfig } from '../student/lm/config.js';
import { isCopiedSpan } from '../student/lm/copy-spans.js';
import { languageModelStudent, trainLanguageModelStudent } from '../student/lm/lm-student.js';
import { trainTokenizer } from '../student/lm/tokenizer.js';
import { initialWeights } from '../student/lm/weights.js';
import { colourExamples, COLOUR_SCHEMA } from '../student/lm/synthetic-text.js';
import { parseWatermarkKey } from '../evidence/watermark-key.js';
import { WARNING_HEADER } from './generation-request.js';
import { startLanguageModelServer } from './language-model-server.js';
import type { ListeningServer } from './listen.js';
import { TEMPLATE_HEADER } from './student-server.js';

const { student } = trainLanguageModelStudent(colourExamples(4), colourExamples(1), {
  vocabularySize: 300,
  config: { width: 32, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 48 },
  training: { steps: 150, batchSize: 12, learningRate: 1e-2, warmupSteps: 10, evaluateEvery: 25, patience: 100, seed: 3 },
});
const RED = '{"name":"red","hex":"#ff0000","dark":false}';
const TEMPLATE = { messages: [{ role: 'system', content: 'Describe the colour as JSON.' }, { role: 'user', content: 'Colour name: {{text}}\nAnswer with JSON only.' }] };

let server: ListeningServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startLanguageModelServer({ student, modelName: 'colour-lm', prompt: TEMPLATE });
  client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await server.close();
});

const user = (content: string): OpenAI.Chat.ChatCompletionMessageParam[] => [{ role: 'user', content }];

describe('chat completions from a language-model student', () => {
  it('answers greedily with the trained text, usage counted in the student\'s tokens', async () => {
    const completion = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), temperature: 0 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(RED);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const tokens = student.generate('colour: red', { maxTokens: 48 }).tokens.length;
    expect(completion.usage).toEqual({ prompt_tokens: student.tokenizer.encode('colour: red').length + 2, completion_tokens: tokens, total_tokens: student.tokenizer.encode('colour: red').length + 2 + tokens });
  });

  it('inverts the recorded teacher prompt, so the app\'s exact prompt gets the trained answer', async () => {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'system', content: 'Describe the colour as JSON.' }, { role: 'user', content: 'Colour name: colour: blue\nAnswer with JSON only.' }];
    const { data, response } = await client.chat.completions.create({ model: 'colour-lm', messages, temperature: 0 }).withResponse();
    expect(response.headers.get(TEMPLATE_HEADER)).toBe('matched');
    expect(data.choices[0]?.message.content).toBe('{"name":"blue","hex":"#0000ff","dark":true}');
    const other = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: blue'), temperature: 0 }).withResponse();
    expect(other.response.headers.get(TEMPLATE_HEADER)).toBe('unmatched');
  });

  it('streams token deltas in OpenAI\'s chunk shapes, with logprobs and a usage chunk, that add up to the whole answer', async () => {
    const stream = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: green'), temperature: 0, stream: true, stream_options: { include_usage: true }, logprobs: true, top_logprobs: 2 });
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]?.id)).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const contentChunks = chunks.filter((chunk) => chunk.choices[0]?.logprobs?.content);
    const whole = student.generate('colour: green', { maxTokens: 48, topLogprobs: 2 });
    expect(contentChunks.length).toBe(whole.tokens.length);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(whole.text);
    const first = contentChunks[0]?.choices[0]?.logprobs?.content?.[0];
    expect(first?.logprob).toBeCloseTo(whole.logprobs[0]?.logprob ?? 0, 5);
    expect(first?.top_logprobs.length).toBe(2);
    expect(first?.bytes).toEqual([...student.tokenizer.tokenBytes(whole.tokens[0] ?? 0)]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(whole.tokens.length);
  });

  it('honours stop, max_tokens and max_completion_tokens', async () => {
    const stopped = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), temperature: 0, stop: [',"hex"'] });
    expect(stopped.choices[0]).toMatchObject({ message: { content: '{"name":"red"' }, finish_reason: 'stop' });
    for (const limit of [{ max_tokens: 3 }, { max_completion_tokens: 3 }]) {
      const cut = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), temperature: 0, ...limit });
      expect(cut.choices[0]?.finish_reason).toBe('length');
      expect(cut.usage?.completion_tokens).toBe(3);
    }
  });

  it('gives n choices, the same ones again for the same seed, and different ones for another', async () => {
    const ask = (seed: number) => client.chat.completions.create({ model: 'colour-lm', messages: user('colour: yellow'), temperature: 2, n: 4, seed, max_tokens: 12, logprobs: true });
    const first = await ask(7);
    expect(first.choices.map((choice) => choice.index)).toEqual([0, 1, 2, 3]);
    const texts = first.choices.map((choice) => choice.message.content);
    expect((await ask(7)).choices.map((choice) => choice.message.content)).toEqual(texts);
    expect((await ask(8)).choices.map((choice) => choice.message.content)).not.toEqual(texts);
    expect(first.usage?.completion_tokens).toBe(first.choices.reduce((sum, choice) => sum + (choice.logprobs?.content?.length ?? 0), 0));
  });

  it('constrains the answer to response_format json_schema, even for a prompt the student never saw, and json_object to an object', async () => {
    for (const seed of [1, 2, 3]) {
      const completion = await client.chat.completions.create({
        model: 'colour-lm', messages: user('colour: purple and more'), temperature: 1, seed, max_tokens: 40,
        response_format: { type: 'json_schema', json_schema: { name: 'colour', schema: COLOUR_SCHEMA as unknown as Record<string, unknown> } },
      });
      const parsed = JSON.parse(completion.choices[0]?.message.content ?? '') as Record<string, unknown>;
      expect(Object.keys(parsed).sort()).toEqual(['dark', 'hex', 'name']);
      expect(typeof parsed['dark']).toBe('boolean');
    }
    const object = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: teal'), temperature: 0, max_tokens: 40, response_format: { type: 'json_object' } });
    expect(JSON.parse(object.choices[0]?.message.content ?? '')).toBeTypeOf('object');
  });
});

describe('text completions from a language-model student', () => {
  it('completes a raw prompt, whole and streamed, with legacy logprobs', async () => {
    const completion = await client.completions.create({ model: 'colour-lm', prompt: 'colour: white', temperature: 0, max_tokens: 40, logprobs: 2 });
    expect(completion.object).toBe('text_completion');
    expect(completion.id).toMatch(/^cmpl-/);
    expect(completion.choices[0]?.text).toBe('{"name":"white","hex":"#ffffff","dark":false}');
    expect(completion.choices[0]?.logprobs?.tokens?.join('')).toBe(completion.choices[0]?.text);
    expect(Object.keys(completion.choices[0]?.logprobs?.top_logprobs?.[0] ?? {}).length).toBe(2);
    const stream = await client.completions.create({ model: 'colour-lm', prompt: 'colour: white', temperature: 0, max_tokens: 40, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(completion.choices[0]?.text);
    expect(usage).toEqual(completion.usage);
  });

  it('defaults max_tokens to 16 as OpenAI does', async () => {
    // Sampled at temperature 2 from a prompt the student never saw, the answer runs on past 16 tokens.
    const whole = student.generate('colour: white and grey', { maxTokens: 40, temperature: 2, seed: 5 });
    expect(whole.tokens.length).toBeGreaterThan(16);
    const completion = await client.completions.create({ model: 'colour-lm', prompt: 'colour: white and grey', temperature: 2, seed: 5 });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(16);
    expect(whole.text.startsWith(completion.choices[0]?.text ?? '-')).toBe(true);
  });
});

describe('what the student cannot do: a 400 naming the field, or a warning header', () => {
  const status = async (request: Promise<unknown>): Promise<{ status: number | undefined; param: unknown; code: unknown }> => {
    try {
      await request;
    } catch (error) {
      if (error instanceof OpenAI.APIError) return { status: error.status, param: error.param, code: error.code };
      throw error;
    }
    throw new Error('expected an error');
  };

  it('refuses tools, a prompt longer than the context, an unsupported schema keyword and echo', async () => {
    const tool = { type: 'function' as const, function: { name: 'f', parameters: {} } };
    expect(await status(client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), tools: [tool] }))).toEqual({ status: 400, param: 'tools', code: 'unsupported_parameter' });
    expect(await status(client.chat.completions.create({ model: 'colour-lm', messages: user('colour '.repeat(60)) }))).toEqual({ status: 400, param: 'messages[0].content', code: 'context_length_exceeded' });
    expect(await status(client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), stream: true, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', pattern: '^a' } } } }))).toEqual({ status: 400, param: 'response_format.json_schema.schema', code: 'unsupported_value' });
    expect(await status(client.completions.create({ model: 'colour-lm', prompt: 'colour: red', echo: true }))).toEqual({ status: 400, param: 'echo', code: 'unsupported_value' });
    expect(await status(client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), temperature: 3 }))).toEqual({ status: 400, param: 'temperature', code: 'invalid_value' });
  });

  it('serves without penalties and logit_bias, and says so in a header', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), temperature: 0, presence_penalty: 1, logit_bias: { '5': 10 } }).withResponse();
    expect(data.choices[0]?.message.content).toBe(RED);
    expect(response.headers.get(WARNING_HEADER)).toBe('ignored: logit_bias, presence_penalty (not supported by this student)');
    const plain = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), temperature: 0 }).withResponse();
    expect(plain.response.headers.get(WARNING_HEADER)).toBeNull();
  });
});

describe('a client that goes away mid-stream', () => {
  it('does not break the server: the next request is answered', async () => {
    const stream = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: something else'), temperature: 2, seed: 3, max_tokens: 40, stream: true });
    let received = 0;
    for await (const _chunk of stream) if (++received === 2) break;
    expect(received).toBe(2);
    const after = await client.chat.completions.create({ model: 'colour-lm', messages: user('colour: red'), temperature: 0 });
    expect(after.choices[0]?.message.content).toBe(RED);
  });
});

describe('watermarked serving with constrained decoding', () => {
  const keyOf = (scheme: 'kgw' | 'gumbel') => parseWatermarkKey(JSON.stringify({ scheme, version: 1, secret: Buffer.alloc(32, 3).toString('base64'), gamma: 0.25, delta: 2, contextWidth: 1, seedingScheme: 'lefthash' }), 'test key');

  it.each(['kgw', 'gumbel'] as const)('keeps %s-marked answers inside the schema (the mark never picks a masked token)', async (scheme) => {
    const marked = await startLanguageModelServer({ student, modelName: 'colour-lm', watermark: keyOf(scheme) });
    try {
      const markedClient = new OpenAI({ baseURL: marked.url, apiKey: 'unused', maxRetries: 0 });
      let finished = 0;
      for (const seed of [1, 2, 3, 4]) {
        const completion = await markedClient.chat.completions.create({
          model: 'colour-lm', messages: user('colour: something new'), temperature: 1.5, seed, max_tokens: 44,
          response_format: { type: 'json_schema', json_schema: { name: 'colour', schema: COLOUR_SCHEMA as unknown as Record<string, unknown> } },
        });
        const choice = completion.choices[0];
        if (choice?.finish_reason !== 'stop') continue;
        finished++;
        expect(Object.keys(JSON.parse(choice.message.content ?? '') as object).sort()).toEqual(['dark', 'hex', 'name']);
      }
      expect(finished).toBeGreaterThan(0);
    } finally {
      await marked.close();
    }
  });
});

describe('json_schema answers of a student that copies strings from its input', () => {
  // Untrained weights: what they write is near-random, so only the copy constraint keeps strings to spans of the input.
  const tokenizer = trainTokenizer(['Ada Lovelace met Charles Babbage in London', '{"names": ["Grace Hopper", "Paris"]}', 'Find the names: '], 300);
  const copying = languageModelStudent(initialWeights(languageModelConfig({ width: 32, layers: 1, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 512, vocabularySize: tokenizer.vocabularySize }), 5), tokenizer, undefined, { copyStrings: true });
  const NAMES = { type: 'object', properties: { names: { type: 'array', items: { type: 'string' } } }, required: ['names'], additionalProperties: false };

  it('writes only spans of the input the template inversion recovers', async () => {
    const copyServer = await startLanguageModelServer({ student: copying, modelName: 'names-lm', prompt: { messages: [{ role: 'user', content: 'Find the names: {{text}}' }] } });
    try {
      const copyClient = new OpenAI({ baseURL: copyServer.url, apiKey: 'unused', maxRetries: 0 });
      const input = 'Ada Lovelace met Charles Babbage in London';
      const names: string[] = [];
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const completion = await copyClient.chat.completions.create({
          model: 'names-lm', messages: user(`Find the names: ${input}`), temperature: 1.5, seed, max_tokens: 300,
          response_format: { type: 'json_schema', json_schema: { name: 'names', schema: NAMES } },
        });
        if (completion.choices[0]?.finish_reason === 'stop') names.push(...(JSON.parse(completion.choices[0]?.message.content ?? '') as { names: string[] }).names);
      }
      expect(names.filter((name) => name !== '').length).toBeGreaterThan(3);
      for (const name of names) expect(isCopiedSpan(name, input), name).toBe(true);
    } finally {
      await copyServer.close();
    }
  });
});
