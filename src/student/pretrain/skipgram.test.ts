import { describe, expect, it } from 'vitest';
import { createRandom } from '../../util/random.js';
import { negativeSamplingLoss, SKIPGRAM_DEFAULTS, trainSkipgram, wordVector, type SkipgramTable } from './skipgram.js';

// PyTorch autograd on the same inputs: src/student/pretrain/__golden__/negative-sampling.py.
const GOLDEN = {
  loss: 1.7617830049284458,
  hiddenGradient: [-0.05753050461673015, 0.3624095031327784, -0.4766012851520602, 0.3254644130975103],
  outputGradient: [[0.13653633228792597, -0.091024221525284, 0.22756055381320997, 0.045512110762642], [0, 0, 0, 0],
    [-0.12365113845524657, 0.08243409230349773, -0.2060852307587443, -0.041217046151748864], [0.13914401393046158, -0.09276267595364107, 0.23190668988410265, 0.046381337976820536]],
};
const HIDDEN = [0.3, -0.2, 0.5, 0.1];
const OUTPUT = [0.1, 0.4, -0.3, 0.2, -0.5, 0.2, 0.1, 0.3, 0.25, -0.1, 0.6, -0.4, 0.0, 0.3, -0.2, 0.15];
const TARGETS = [2, 0, 3];

describe('negative-sampling objective', () => {
  it('matches PyTorch autograd: loss, ∂/∂hidden, and the output rows\' SGD step (−rate·∂/∂u)', () => {
    const gradient = new Float64Array(4);
    const output = Float32Array.from(OUTPUT);
    const loss = negativeSamplingLoss(HIDDEN, output, 4, TARGETS, gradient, 0.5);
    expect(loss).toBeCloseTo(GOLDEN.loss, 6);
    gradient.forEach((value, d) => expect(value).toBeCloseTo(GOLDEN.hiddenGradient[d] as number, 6));
    GOLDEN.outputGradient.flat().forEach((g, k) => expect(output[k]).toBeCloseTo((Math.fround(OUTPUT[k] as number)) - 0.5 * g, 6));
  });

  it('its hidden gradient agrees with central finite differences on random inputs', () => {
    const random = createRandom(3);
    const dim = 6;
    const hidden = Array.from({ length: dim }, () => random.next() - 0.5);
    const output = Float32Array.from({ length: 5 * dim }, () => random.next() - 0.5);
    const targets = [4, 1, 2, 0];
    const gradient = new Float64Array(dim);
    negativeSamplingLoss(hidden, output, dim, targets, gradient, 0);
    const epsilon = 1e-5;
    for (let d = 0; d < dim; d++) {
      const plus = [...hidden]; plus[d] = (plus[d] as number) + epsilon;
      const minus = [...hidden]; minus[d] = (minus[d] as number) - epsilon;
      const scratch = new Float64Array(dim);
      const numeric = (negativeSamplingLoss(plus, output, dim, targets, scratch, 0) - negativeSamplingLoss(minus, output, dim, targets, scratch, 0)) / (2 * epsilon);
      expect(gradient[d]).toBeCloseTo(numeric, 6);
    }
  });
});

/** A corpus where cat/dog share contexts and car/truck share other ones. */
function toyCorpus(): string[] {
  const random = createRandom(11);
  const pick = (words: string[]) => words[random.nextInt(words.length)] as string;
  const lines: string[] = [];
  for (let k = 0; k < 600; k++) {
    lines.push(`the ${pick(['cat', 'dog'])} ${pick(['barks', 'sleeps', 'eats', 'purrs'])} on the ${pick(['mat', 'sofa', 'rug'])}`);
    lines.push(`a ${pick(['car', 'truck'])} ${pick(['drives', 'parks', 'honks', 'stalls'])} near the ${pick(['road', 'garage', 'highway'])}`);
  }
  return lines;
}

function cosine(table: SkipgramTable, a: string, b: string): number {
  const va = wordVector(table, table.words.indexOf(a), new Float64Array(table.dim));
  const vb = wordVector(table, table.words.indexOf(b), new Float64Array(table.dim));
  let dot = 0; let na = 0; let nb = 0;
  for (let d = 0; d < table.dim; d++) { dot += (va[d] as number) * (vb[d] as number); na += (va[d] as number) ** 2; nb += (vb[d] as number) ** 2; }
  return dot / Math.sqrt(na * nb);
}

describe('trainSkipgram', () => {
  const featuriser = { buckets: 1 << 14, wordNgrams: 1, charNgramMin: 3, charNgramMax: 4 };
  const settings = { ...SKIPGRAM_DEFAULTS, dim: 12, epochs: 5, seed: 5, subsample: 1 };

  it('puts words that share contexts closer together than words that do not', () => {
    const table = trainSkipgram(toyCorpus(), featuriser, settings);
    expect(cosine(table, 'cat', 'dog')).toBeGreaterThan(cosine(table, 'cat', 'truck') + 0.2);
    expect(cosine(table, 'car', 'truck')).toBeGreaterThan(cosine(table, 'dog', 'car') + 0.2);
    expect(table.finalLoss).toBeLessThan(Math.log(2) * (settings.negatives + 1)); // below the loss of all-zero vectors
  });

  it('is a function of the texts and the seed', () => {
    const lines = toyCorpus().slice(0, 100);
    const first = trainSkipgram(lines, featuriser, settings);
    // Byte comparison: vitest's deep equality over 200,000 floats takes seconds.
    const same = (a: Float32Array, b: Float32Array) => Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)) === 0;
    expect(same(trainSkipgram(lines, featuriser, settings).embeddings, first.embeddings)).toBe(true);
    expect(same(trainSkipgram(lines, featuriser, { ...settings, seed: 6 }).embeddings, first.embeddings)).toBe(false);
  });

  it('covers exactly the buckets of the vocabulary\'s words and char n-grams', () => {
    const table = trainSkipgram(['ab cd', 'cd ab'], featuriser, { ...settings, epochs: 1 });
    const expected = new Set(table.subwords.flatMap((ids) => [...ids]));
    const covered = [...table.touched.keys()].filter((bucket) => table.touched[bucket] === 1);
    expect(new Set(covered)).toEqual(expected);
    expect(table.words.sort()).toEqual(['ab', 'cd']);
  });
});
