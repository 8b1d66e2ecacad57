import { describe, expect, it } from 'vitest';
import { createRandom } from '../../util/random.js';
import { copiedStringCounts, copySource, isCopiedSpan, stringValuesOf } from './copy-spans.js';
import { decode } from './decoder.js';
import { UnsupportedSchemaError } from './errors.js';
import { JsonMatcher, jsonSchemaConstraint } from './json-constraint.js';
import { compileSchema, validates } from './json-schema.js';
import type { StepModel } from './step-model.js';
import { bpeTokenizer, trainTokenizer } from './tokenizer.js';

const PERSON = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer' },
    mood: { enum: ['happy', 'sad', 'ünïcode'] },
    tags: { type: 'array', items: { type: 'string' } },
    score: { type: ['number', 'null'] },
    ok: { type: 'boolean' },
  },
  required: ['name', 'age', 'mood'],
  additionalProperties: false,
};

/** A toy model that emits seeded random logits: the constraint alone must make its output valid. */
function randomModel(vocabularySize: number, seed: number): StepModel<null> {
  const random = createRandom(seed);
  const logits = new Float32Array(vocabularySize);
  return {
    vocabularySize, context: 100_000, newCache: () => null,
    forwardStep: () => { for (let index = 0; index < vocabularySize; index++) logits[index] = random.next() * 4; return logits; },
  };
}

const matches = (text: string, schema: unknown): boolean => {
  const matcher = JsonMatcher.start(compileSchema(schema));
  return matcher.feedAll(new TextEncoder().encode(text)) && matcher.complete();
};

describe('JSON-Schema matcher', () => {
  it('accepts valid documents and refuses invalid ones', () => {
    expect(matches('{"name": "Ada", "age": 36, "mood": "happy", "tags": ["a", "b\\n\\u00e9"], "score": -1.5e3}', PERSON)).toBe(true);
    expect(matches('{"age": 36, "name": "x", "mood": "ünïcode", "ok": false, "score": null}', PERSON)).toBe(true);
    expect(matches('{"name": "Ada", "age": 36}', PERSON)).toBe(false); // missing required
    expect(matches('{"name": "Ada", "age": 3.5, "mood": "sad"}', PERSON)).toBe(false); // integer
    expect(matches('{"name": "Ada", "age": 3, "mood": "angry"}', PERSON)).toBe(false); // enum
    expect(matches('{"name": "Ada", "age": 3, "mood": "sad", "extra": 1}', PERSON)).toBe(false); // additionalProperties
    expect(matches('{"name": "A", "name": "B", "age": 3, "mood": "sad"}', PERSON)).toBe(false); // duplicate key
    expect(matches('[1, 2, 3]', { type: 'array', items: { type: 'number' } })).toBe(true);
    expect(matches('12', { type: 'integer' })).toBe(true);
    expect(matches('01', { type: 'integer' })).toBe(false);
  });

  it('refuses a comma when no key can follow (no dead ends)', () => {
    const matcher = JsonMatcher.start(compileSchema({ type: 'object', properties: { a: { type: 'null' } }, additionalProperties: false }));
    expect(matcher.feedAll(new TextEncoder().encode('{"a": null'))).toBe(true);
    expect(matcher.clone().feed(0x2c)).toBe(false);
    expect(matcher.clone().feed(0x7d)).toBe(true);
  });

  it('names an unsupported keyword and where it is', () => {
    expect(() => compileSchema({ type: 'object', properties: { name: { type: 'string', minLength: 3 } } })).toThrow(UnsupportedSchemaError);
    expect(() => compileSchema({ type: 'object', properties: { name: { type: 'string', minLength: 3 } } })).toThrow('unsupported JSON Schema keyword "minLength" at #/properties/name');
    expect(() => compileSchema({ anyOf: [] })).toThrow('"anyOf"');
    expect(() => compileSchema({ type: 'date' })).toThrow('unsupported JSON Schema type "date"');
  });
});

describe('JSON-Schema-constrained decoding', () => {
  const tokenizer = trainTokenizer(['{"name": "Ada", "age": 36, "mood": "happy", "tags": ["x"]}', '{"name": "Bo", "age": 7, "mood": "sad"}'], 300);

  it('makes a random model\'s output always parse and validate, greedy and sampled', () => {
    const node = compileSchema(PERSON);
    for (let seed = 1; seed <= 6; seed++) {
      const model = randomModel(tokenizer.vocabularySize, seed);
      const constraint = jsonSchemaConstraint(PERSON, tokenizer);
      const generation = decode(model, tokenizer, [tokenizer.beginToken], { maxTokens: 5000, constraint, temperature: seed % 2 === 0 ? 1 : 0, seed });
      expect(generation.finishReason).toBe('stop');
      expect(validates(JSON.parse(generation.text), node), generation.text).toBe(true);
    }
  });

  it('is what makes the output valid: unconstrained, the same model writes garbage', () => {
    const generation = decode(randomModel(tokenizer.vocabularySize, 1), tokenizer, [tokenizer.beginToken], { maxTokens: 50 });
    expect(() => JSON.parse(generation.text)).toThrow();
  });

  it('allows only the end token once the document is complete', () => {
    const constraint = jsonSchemaConstraint({ type: 'boolean' }, bpeTokenizer({ kind: 'bpe', merges: [] }));
    for (const byte of new TextEncoder().encode('true')) constraint.accept(byte);
    const mask = new Uint8Array(259);
    constraint.allowedTokens(mask);
    expect(Array.from(mask).flatMap((allowed, token) => (allowed === 1 ? [token] : []))).toEqual([258]);
  });
});

describe('copy constraint: string values copied from the prompt', () => {
  const SENTENCE = 'Ada Lovelace wrote to Charles Babbage from London\'s "Analytical" club.';
  const ENTITIES = { type: 'object', properties: { people: { type: 'array', items: { type: 'string' } }, places: { type: 'array', items: { type: 'string' } }, mood: { enum: ['calm', 'Grace'] } }, required: ['people', 'places'], additionalProperties: false };
  const copying = (text: string, source = SENTENCE): boolean => {
    const matcher = JsonMatcher.start(compileSchema(ENTITIES), copySource(source));
    return matcher.feedAll(new TextEncoder().encode(text)) && matcher.complete();
  };

  it('accepts word-aligned spans of the source, escapes decoded, and refuses anything else', () => {
    expect(copying('{"people": ["Ada Lovelace", "Charles Babbage"], "places": ["London"]}')).toBe(true);
    expect(copying('{"people": ["\\"Analytical\\" club", "Ada Lovel\\u0061ce"], "places": [""]}')).toBe(true);
    expect(copying('{"people": ["Grace Hopper"], "places": []}')).toBe(false); // not in the source
    expect(copying('{"people": ["Ada Love"], "places": []}')).toBe(false); // ends inside a word
    expect(copying('{"people": ["da Lovelace"], "places": []}')).toBe(false); // starts inside a word
    expect(copying('{"people": ["London"], "places": ["Lovelace wrote"]}')).toBe(true);
    expect(copying('{"people": ["Ada\\nLovelace"], "places": []}')).toBe(false); // the source has a space there
    expect(copying('{"people": [" Lovelace"], "places": []}')).toBe(false); // a span is trimmed
    expect(copying('{"people": ["Lovelace "], "places": []}')).toBe(false);
    // Keys and enum values are the schema's, not copied.
    expect(copying('{"people": [], "places": [], "mood": "calm"}')).toBe(true);
    expect(copying('{"people": [], "places": []}', '')).toBe(true);
    expect(copying('{"people": ["x"], "places": []}', '')).toBe(false);
    // A source that ends in spaces: a span may not take them, since it could then never end.
    const trailing = JsonMatcher.start(compileSchema(ENTITIES), copySource('Ada met Bo  '));
    expect(trailing.feedAll(new TextEncoder().encode('{"people": ["Bo'))).toBe(true);
    expect(trailing.clone().feed(0x20)).toBe(false);
    expect(trailing.feedAll(new TextEncoder().encode('"], "places": []}')) && trailing.complete()).toBe(true);
  });

  it('agrees with isCopiedSpan, the check the train stage counts', () => {
    for (const value of ['Ada', 'Ada Lovelace', 'London', 'Lond', 'Babbage from', 'ovelace', 'Grace', '"Analytical"']) {
      expect(copying(`{"people": [${JSON.stringify(value)}], "places": []}`), value).toBe(isCopiedSpan(value, SENTENCE));
    }
    expect(copiedStringCounts([{ prompt: SENTENCE, answer: '{"people": ["Ada", "Grace"], "places": ["London", ""]}' }, { prompt: 'x', answer: 'not json' }])).toEqual({ strings: 3, copied: 2 });
  });

  it('masks every token a span of the source cannot continue with', () => {
    const tokenizer = trainTokenizer([SENTENCE, '{"people": ["Grace Hopper", "Ada"], "places": ["Paris", "London"]}', 'Grace Hopper visited Paris.'], 340);
    const constraint = jsonSchemaConstraint(ENTITIES, tokenizer, copySource(SENTENCE));
    for (const token of tokenizer.encode('{"people": ["')) constraint.accept(token);
    const mask = new Uint8Array(tokenizer.vocabularySize);
    constraint.allowedTokens(mask);
    const allowed = Array.from(mask).flatMap((flag, token) => (flag === 1 ? [new TextDecoder().decode(tokenizer.tokenBytes(token))] : []));
    expect(allowed).toContain('"');
    expect(allowed).toContain('A');
    expect(allowed.some((text) => text.includes('Grace') || text.includes('Paris'))).toBe(false);
    for (const text of allowed) if (!/["\\]/u.test(text)) expect(SENTENCE.includes(text), text).toBe(true);
    // Without the source the same state allows names the sentence lacks.
    const free = jsonSchemaConstraint(ENTITIES, tokenizer);
    for (const token of tokenizer.encode('{"people": ["')) free.accept(token);
    free.allowedTokens(mask);
    expect(tokenizer.encode('Grace').every((token) => mask[token] === 1)).toBe(true);
  });

  it('makes a random model write only valid documents whose strings are spans of the source', () => {
    const tokenizer = trainTokenizer([SENTENCE, '{"people": ["Grace Hopper", "Ada"], "places": ["Paris", "London"]}'], 330);
    const node = compileSchema(ENTITIES);
    let strings = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const constraint = jsonSchemaConstraint(ENTITIES, tokenizer, copySource(SENTENCE));
      const generation = decode(randomModel(tokenizer.vocabularySize, seed), tokenizer, [tokenizer.beginToken], { maxTokens: 5000, constraint, temperature: seed % 2 === 0 ? 1 : 0, seed });
      expect(generation.finishReason).toBe('stop');
      const value = JSON.parse(generation.text) as { people: string[]; places: string[] };
      expect(validates(value, node), generation.text).toBe(true);
      // The enum's values are the schema's own; the lists' strings are copied.
      for (const text of stringValuesOf([value.people, value.places])) { strings++; expect(isCopiedSpan(text, SENTENCE), text).toBe(true); }
    }
    expect(strings).toBeGreaterThan(5);
  });
});
