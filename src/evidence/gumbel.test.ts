import { describe, expect, it } from 'vitest';
import { createRandom } from '../util/random.js';
import { sampleIndex, softmaxInPlace, summariseCalibration, toyBigramModel, zipfTokenStream } from './calibration.js';
import { createContextSeeder } from './context-prf.js';
import { detectGumbel, gumbelSampler, gumbelUniform } from './gumbel.js';
import { kolmogorovSmirnovUniform, regularizedUpperGamma } from './statistics.js';
import { generateWatermarkKey, type WatermarkKey } from './watermark-key.js';

/** A Gumbel key with a fixed secret. */
function fixedKey(seed: number): WatermarkKey {
  const random = createRandom(seed);
  return { ...generateWatermarkKey('gumbel'), secret: Uint8Array.from({ length: 32 }, () => random.nextInt(256)) };
}

describe('Gumbel sampler', () => {
  it('samples from the model\'s distribution when the key varies (the Gumbel-max trick)', () => {
    const probabilities = new Float64Array([0.5, 0.3, 0.15, 0.05]);
    const counts = [0, 0, 0, 0];
    const random = createRandom(1);
    for (let trial = 0; trial < 20_000; trial++) counts[gumbelSampler(fixedKey(random.nextInt(2 ** 31)))(probabilities, [random.nextInt(1000)])]!++;
    // 20,000 draws: standard deviation at most 0.0036 per frequency.
    counts.forEach((count, token) => expect(Math.abs(count / 20_000 - probabilities[token]!)).toBeLessThan(0.015));
  });

  it('picks argmax r^(1/p) and never a zero-probability token', () => {
    const key = fixedKey(2);
    const seed = createContextSeeder(key)([42], 1);
    const probabilities = [0, 0.2, 0.2, 0.6];
    const expected = [1, 2, 3].reduce((best, token) => (gumbelUniform(seed, token) ** (1 / probabilities[token]!) > gumbelUniform(seed, best) ** (1 / probabilities[best]!) ? token : best), 1);
    expect(gumbelSampler(key)(probabilities, [42])).toBe(expected);
  });
});

describe('Gumbel PRF values', () => {
  it('are uniform on (0, 1) and their −ln(1 − r) is Exp(1), over contexts and tokens of a random key', () => {
    const random = createRandom(5);
    const seeder = createContextSeeder(fixedKey(5));
    const values: number[] = [];
    for (let context = 0; context < 400; context++) {
      const seed = seeder([random.nextInt(200_000)], 1);
      for (let token = 0; token < 50; token++) values.push(gumbelUniform(seed, random.nextInt(200_000)));
    }
    expect(values.every((value) => value > 0 && value < 1)).toBe(true);
    expect(kolmogorovSmirnovUniform(values).pValue).toBeGreaterThan(1e-3);
    // 20,000 Exp(1) terms: mean 1 and variance 1, each with a standard error under 0.02.
    const terms = values.map((value) => -Math.log1p(-value));
    const mean = terms.reduce((sum, term) => sum + term, 0) / terms.length;
    const variance = terms.reduce((sum, term) => sum + (term - mean) ** 2, 0) / (terms.length - 1);
    expect(Math.abs(mean - 1)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
  });
});

describe('Gumbel detection', () => {
  it('returns Q(N, S) over distinct tuples', () => {
    const key = fixedKey(3);
    const tokens = zipfTokenStream(200, 50_000, createRandom(3));
    const result = detectGumbel(key, tokens);
    expect(result.pValue).toBe(regularizedUpperGamma(result.scored, result.score).p);
    expect(detectGumbel(key, [7, 7, 7, 7, 7]).scored).toBe(1);
  });

  it('is calibrated on 10,000 unwatermarked Zipf streams (a random key each, fixed seed): FPR at 1e-3 ≤ 1.5e-3, p uniform', () => {
    const random = createRandom(2024);
    const lengths = [25, 50, 100, 200];
    const pValues = Array.from({ length: 10_000 }, (_, text) => detectGumbel(fixedKey(random.nextInt(2 ** 31)), zipfTokenStream(lengths[text % lengths.length]!, 50_000, random)).pValue);
    const summary = summariseCalibration(pValues);
    expect(summary.falseAlarmRates.find((entry) => entry.threshold === 1e-3)!.rate).toBeLessThanOrEqual(1.5e-3);
    expect(summary.ks.pValue).toBeGreaterThan(0.01);
  });

  it('detects text sampled with the key from a toy bigram model, and not text sampled without it', () => {
    const key = fixedKey(4);
    const model = toyBigramModel(2000, 9);
    const random = createRandom(10);
    const sampler = gumbelSampler(key, random.next);
    for (let trial = 0; trial < 3; trial++) {
      const marked = [random.nextInt(2000)];
      const plain = [random.nextInt(2000)];
      while (marked.length < 200) marked.push(sampler(softmaxInPlace(model.logits(marked.at(-1)!)), marked));
      while (plain.length < 200) plain.push(sampleIndex(softmaxInPlace(model.logits(plain.at(-1)!)), random));
      expect(detectGumbel(key, marked).log10P).toBeLessThan(-6);
      expect(detectGumbel(key, plain).pValue).toBeGreaterThan(1e-3);
    }
  });
});
