import { describe, expect, it } from 'vitest';
import { createRandom } from '../../util/random.js';
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
