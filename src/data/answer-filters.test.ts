import { describe, expect, it } from 'vitest';
import { DistilleryError, EXIT, UsageError } from '../util/errors.js';
import { applyFilters, defaultFilters, emptyAnswerFilter, jsonSchemaFilter, NoAnswersLeftError, refusalFilter, truncatedFilter } from './answer-filters.js';
import type { GenerativeExample } from './generative-example.js';
import { compileAnswerSchema, parseJsonAnswer } from './json-answer.js';

const example = (id: string, answer: string, finishReason: string | null = 'stop'): GenerativeExample => ({ id, split: 'train', messages: [{ role: 'user', content: `question ${id}` }], answer, finishReason });
const rejects = (filter: ReturnType<typeof refusalFilter>, answer: string) => filter.reject(example('x', answer));

describe('truncatedFilter and emptyAnswerFilter', () => {
  it('rejects finish reason length only', () => {
    const filter = truncatedFilter();
    expect(filter.reject(example('a', 'cut off mid', 'length'))).toMatch(/length/);
    expect(filter.reject(example('b', 'done', 'stop'))).toBeNull();
    expect(filter.reject(example('c', 'unknown', null))).toBeNull();
  });

  it('rejects empty and whitespace-only answers', () => {
    const filter = emptyAnswerFilter();
    expect(filter.reject(example('a', ''))).toBe('empty answer');
    expect(filter.reject(example('b', ' \n\t '))).toBe('empty answer');
    expect(filter.reject(example('c', '0'))).toBeNull();
  });
});

describe('refusalFilter', () => {
  const filter = refusalFilter();
  it.each([
    "I'm sorry, but I can't help with that.",
    'I’m sorry, but I cannot provide that information.',
    'I am sorry but I am unable to comply with this request.',
    "I'm afraid, but I won't do that.",
    'As an AI language model, I do not have opinions.',
    'As an AI assistant I cannot browse the web.',
    'I cannot help with that request.',
    "Unfortunately I can't assist with this.",
    'I can’t assist you with that.',
    "I'm unable to comply with your request.",
    'I must respectfully decline.',
    'Thank you for asking. I cannot fulfill this request.',
  ])('rejects the refusal %j', (answer) => {
    expect(rejects(filter, answer)).toMatch(/^refusal: "/);
  });

  it.each([
    "I'm sorry to hear about your delayed order; here is a refund link.",
    'I cannot help but admire the design.',
    'She worked as an AI researcher at the lab.',
    'The AI language model market grew last year.',
    "We can't assistance-free ship to Alaska.",
    '{"people": ["Sorry Bot"], "places": [], "organisations": []}',
    'Customers decline offers when prices rise.',
  ])('keeps the near miss %j', (answer) => {
    expect(rejects(filter, answer)).toBeNull();
  });

  it('looks only at the opening, where refusals are, not at a phrase quoted further down', () => {
    expect(rejects(filter, `${'Once upon a time. '.repeat(30)}The robot said: "As an AI language model, I cannot dream."`)).toBeNull();
  });

  it('takes configured patterns (strings or RegExps) instead of the defaults and names a bad one', () => {
    const custom = refusalFilter(['^no comment', /lo siento/iu]);
    expect(rejects(custom, 'No comment at this time.')).toBe('refusal: "No comment"');
    expect(rejects(custom, 'Lo siento, no puedo.')).toBe('refusal: "Lo siento"');
    expect(rejects(custom, "I'm sorry, but I can't help with that.")).toBeNull();
    expect(() => refusalFilter(['(unclosed'])).toThrow(UsageError);
    expect(() => refusalFilter(['(unclosed'])).toThrow(/invalid refusal pattern "\(unclosed"/);
  });
});

describe('JSON answers and jsonSchemaFilter', () => {
  const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } }, required: ['name'], additionalProperties: false };

  it('parses bare JSON and a ```json (or bare ```) fenced block, and reports a parse failure', () => {
    expect(parseJsonAnswer(' {"a": 1} ')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonAnswer('```json\n{"a": [1, 2]}\n```')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(parseJsonAnswer('```\r\n[true]\r\n```')).toEqual({ ok: true, value: [true] });
    expect(parseJsonAnswer('Here it is: {"a": 1}')).toMatchObject({ ok: false });
    expect(parseJsonAnswer('```json\n{"a": 1}\n``` and more')).toMatchObject({ ok: false });
  });

  it('keeps valid answers and says why an invalid one fails', () => {
    const filter = jsonSchemaFilter(schema);
    expect(filter.name).toBe('schema');
    expect(filter.reject(example('a', '{"name": "Ada", "age": 36}'))).toBeNull();
    expect(filter.reject(example('b', '```json\n{"name": "Ada"}\n```'))).toBeNull();
    expect(filter.reject(example('c', '{"age": 3}'))).toBe("schema: (root) must have required property 'name'");
    expect(filter.reject(example('d', '{"name": "Ada", "age": -1}'))).toBe('schema: /age must be >= 0');
    expect(filter.reject(example('e', '{"name": "Ada", "extra": 1}'))).toBe('schema: (root) must NOT have additional properties');
    expect(filter.reject(example('f', '{"name": '))).toMatch(/^not JSON: /);
  });

  it('honours a draft 2020-12 schema and rejects an invalid schema as a UsageError', () => {
    const check = compileAnswerSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }], items: false });
    expect(check('["one"]')).toBeNull();
    expect(check('["one", "two"]')).toMatch(/^schema: /);
    expect(() => compileAnswerSchema({ type: 'strnig' })).toThrow(UsageError);
    expect(() => compileAnswerSchema({ type: 'strnig' })).toThrow(/^invalid JSON Schema: /);
  });
});

describe('applyFilters', () => {
  it('keeps passing examples and counts each removal once, under the first filter that rejects it', () => {
    const examples = [example('ok', 'Fine answer.'), example('cut', "I'm sorry, but I can't", 'length'), example('empty', '  '), example('no', 'As an AI language model, no.'), example('ok2', 'Another.')];
    const result = applyFilters(examples, defaultFilters());
    expect(result.kept.map((kept) => kept.id)).toEqual(['ok', 'ok2']);
    expect(result.counts).toEqual({ truncated: 1, empty: 1, refusal: 1 });
    expect(result.removed).toEqual([
      { id: 'cut', split: 'train', filter: 'truncated', reason: 'finish reason length (cut off by max tokens)' },
      { id: 'empty', split: 'train', filter: 'empty', reason: 'empty answer' },
      { id: 'no', split: 'train', filter: 'refusal', reason: 'refusal: "As an AI language model"' },
    ]);
    expect(result.total).toBe(5);
  });

  it('adds the schema filter when a schema is given', () => {
    expect(defaultFilters({ schema: { type: 'object' } }).map((filter) => filter.name)).toEqual(['truncated', 'empty', 'refusal', 'schema']);
  });

  it('stops with one line naming the filter that took every answer (exit 2)', () => {
    const refusals = Array.from({ length: 120 }, (_, index) => example(`r${index}`, "I'm sorry, but I can't help with that."));
    const run = () => applyFilters(refusals, defaultFilters());
    expect(run).toThrow(NoAnswersLeftError);
    expect(run).toThrow(/^no answers left after filtering: refusal removed 120 of 120$/);
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(DistilleryError);
      expect((error as DistilleryError).exitCode).toBe(EXIT.invalidInput);
      expect((error as NoAnswersLeftError).counts).toEqual({ truncated: 0, empty: 0, refusal: 120 });
    }
  });

  it('names every filter that took a share, the largest first', () => {
    const examples = [example('a', '{"x":1}', 'length'), example('b', 'not json'), example('c', 'nope')];
    expect(() => applyFilters(examples, defaultFilters({ schema: { type: 'object' } }))).toThrow('no answers left after filtering: schema removed 2 of 3, truncated removed 1 of 3');
  });

  it('returns an empty result for no examples and refuses a filter listed twice', () => {
    expect(applyFilters([], defaultFilters())).toEqual({ kept: [], removed: [], counts: { truncated: 0, empty: 0, refusal: 0 }, total: 0 });
    expect(() => applyFilters([], [truncatedFilter(), truncatedFilter()])).toThrow(UsageError);
  });
});
