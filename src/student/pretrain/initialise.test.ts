import { describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../../task/schema.js';
import { createRandom } from '../../util/random.js';
import { createBagMlpStudent } from '../bag-mlp/bag-mlp-student.js';
import { wordBucket } from '../ngram/featurise.js';
import { createNgramStudent } from '../ngram/ngram-student.js';
import { SYNTHETIC_LABELS, syntheticExamples, testSettings } from '../synthetic-task.js';
import { pretrainedInit, shippedInitFrom } from './initialise.js';
import { decodeShippedVectors, encodeShippedVectors, loadShippedVectors, lookUpShipped } from './shipped-vectors.js';

const BASE = { name: 't', teacher: { baseURL: 'http://127.0.0.1/v1', model: 'm' }, prompt: { messages: [{ role: 'user', content: '{{text}}' }] }, labels: ['a', 'b'], inputs: { path: 'x' }, budget: { maxUSD: 1 } };

describe('student.pretrain setting', () => {
  it('accepts none, inputs and shipped for text students and names the cause otherwise', () => {
    for (const pretrain of ['none', 'inputs', 'shipped']) expect(taskSpecSchema.safeParse({ ...BASE, student: { kind: 'bag-mlp', pretrain } }).success).toBe(true);
    const bad = taskSpecSchema.safeParse({ ...BASE, student: { pretrain: 'glove' } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('pretrain');
    const mlp = taskSpecSchema.safeParse({ ...BASE, student: { kind: 'mlp', pretrain: 'inputs' } });
    expect(mlp.error?.issues[0]?.message).toMatch(/text students/);
  });
});

describe('shipped vectors file', () => {
  it('round-trips words to int8 rows within one quantisation step, and refuses a corrupt file', () => {
    const random = createRandom(2);
    const words = ['alpha', 'beta', 'gamma'];
    const vectors = Float32Array.from({ length: 3 * 8 }, () => random.next() - 0.5);
    const bytes = encodeShippedVectors(words, vectors, 8);
    const decoded = decodeShippedVectors(bytes);
    const into = new Float64Array(8);
    words.forEach((word, row) => {
      expect(lookUpShipped(decoded, word, into)).toBe(true);
      into.forEach((value, d) => expect(Math.abs(value - (vectors[row * 8 + d] as number))).toBeLessThan(0.5 / 127 + 1e-6));
    });
    expect(lookUpShipped(decoded, 'Beta', into)).toBe(true); // falls back to lower case
    expect(lookUpShipped(decoded, 'delta', into)).toBe(false);
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 1;
    expect(() => decodeShippedVectors(corrupt)).toThrow(/checksum/);
    expect(() => decodeShippedVectors(bytes.subarray(0, 30))).toThrow(/truncated/);
  });

  it('the committed file decodes, is small, and knows common English words', () => {
    const vectors = loadShippedVectors();
    expect(vectors.hashes.length).toBeGreaterThan(10_000);
    expect(vectors.dim * vectors.hashes.length + 8 * vectors.hashes.length).toBeLessThan(2 * 1024 * 1024);
    for (const word of ['dog', 'music', 'Good']) expect(lookUpShipped(vectors, word, new Float64Array(vectors.dim))).toBe(true);
  });

  it('places shipped vectors at the student\'s word buckets, projected to its dim', () => {
    const vectors = decodeShippedVectors(encodeShippedVectors(['cat', 'dog'], Float32Array.from({ length: 8 }, (_, k) => k + 1), 4));
    const settings = { ...testSettings(), dim: 6, buckets: 4096 };
    const init = shippedInitFrom(settings, ['the cat and the dog'], vectors);
    const covered = [...init.touched.keys()].filter((bucket) => init.touched[bucket] === 1).sort((a, b) => a - b);
    expect(covered).toEqual([wordBucket('cat', 4096), wordBucket('dog', 4096)].sort((a, b) => a - b));
  });
});

describe('pre-trained students', () => {
  const train = syntheticExamples(200, 1);
  const validation = syntheticExamples(60, 2);

  it('pretrain: inputs covers rows the unlabelled inputs add, and is cached per training array', () => {
    const settings = { ...testSettings(), pretrain: 'inputs' as const, pretrainEpochs: 1 };
    const plain = pretrainedInit(settings, train, validation);
    const more = pretrainedInit(settings, train, validation, ['zyxwv qqqq unseen words only here']);
    const count = (init: typeof plain) => init?.touched.reduce((sum, value) => sum + value, 0) ?? 0;
    expect(count(more)).toBeGreaterThan(count(plain));
    expect(pretrainedInit(settings, train, validation)).toBe(plain);
    expect(pretrainedInit({ ...settings, pretrain: 'none' }, train, validation)).toBeNull();
  });

  it('ngram and bag-mlp fit and predict from pre-trained rows, deterministically for a seed', () => {
    for (const create of [createNgramStudent, createBagMlpStudent]) {
      const settings = { ...testSettings(), pretrain: 'inputs' as const, pretrainEpochs: 2, epochs: 3 };
      const first = create(SYNTHETIC_LABELS, settings);
      first.fit(train, validation, { unlabelledTexts: ['some unlabelled text'] });
      const second = create(SYNTHETIC_LABELS, settings);
      second.fit(train, validation, { unlabelledTexts: ['some unlabelled text'] });
      for (const example of validation.slice(0, 20)) expect(second.predict(example.text).probabilities).toEqual(first.predict(example.text).probabilities);
    }
  });
});
