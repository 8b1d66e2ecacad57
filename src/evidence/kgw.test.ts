import { describe, expect, it } from 'vitest';
import { createRandom } from '../util/random.js';
import { generateTokens, summariseCalibration, toyBigramModel, zipfTokenStream } from './calibration.js';
import { createContextSeeder, MINIMUM_SCORED_TUPLES, scoredPositions } from './context-prf.js';
import { detectKgw, isGreen, kgwProcessor } from './kgw.js';
import { binomialUpperTail, randomizedBinomialUpperTail } from './statistics.js';
import { generateWatermarkKey, parseWatermarkKey, type WatermarkKey } from './watermark-key.js';

/** A key with a fixed secret, so every figure below is reproducible. */
function fixedKey(seed: number, overrides: Partial<WatermarkKey> = {}): WatermarkKey {
  const random = createRandom(seed);
  return { ...generateWatermarkKey('kgw'), secret: Uint8Array.from({ length: 32 }, () => random.nextInt(256)), ...overrides };
}

describe('KGW green lists', () => {
  it('makes a fraction γ of the vocabulary green in each context, a different set per context and per key', () => {
    const key = fixedKey(1);
    const seeder = createContextSeeder(key);
    const greenSet = (seed: ReturnType<typeof seeder>) => Array.from({ length: 20_000 }, (_, token) => isGreen(seed, token, key.gamma));
    const first = greenSet(seeder([5], 1));
    const second = greenSet(seeder([6], 1));
    const otherKey = greenSet(createContextSeeder(fixedKey(2))([5], 1));
    const fraction = (set: boolean[]) => set.filter(Boolean).length / set.length;
    // 20,000 Bernoulli(0.25): standard deviation 0.003.
    expect(Math.abs(fraction(first) - 0.25)).toBeLessThan(0.015);
    const overlap = (a: boolean[], b: boolean[]) => a.filter((value, index) => value && b[index]).length / a.filter(Boolean).length;
    expect(Math.abs(overlap(first, second) - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(overlap(first, otherKey) - 0.25)).toBeLessThan(0.03);
  });

  it('the processor adds δ to exactly the green logits, and nothing before h tokens', () => {
    const key = fixedKey(3, { delta: 1.5, contextWidth: 2 });
    const seed = createContextSeeder(key)([9, 4, 7], 3);
    const logits = new Float32Array(1000).fill(0.25);
    kgwProcessor(key)(logits, [9, 4, 7]);
    for (let token = 0; token < logits.length; token++) expect(logits[token]).toBe(isGreen(seed, token, key.gamma) ? 1.75 : 0.25);
    const short = new Float32Array(10).fill(1);
    kgwProcessor(key)(short, [4]);
    expect([...short]).toEqual(new Array(10).fill(1));
  });
});

describe('KGW detection', () => {
  it('scores each (context, token) tuple once, and skips tuples found in the prompt', () => {
    const key = fixedKey(4);
    const repeated = Array.from({ length: 200 }, (_, index) => index % 2);
    expect(detectKgw(key, repeated).scored).toBe(2);
    expect(scoredPositions([1, 2, 3, 4, 2, 3], 1, { promptTokens: [9, 3, 4] })).toEqual([1, 2, 4]);
    const seen = new Set<string>();
    expect(detectKgw(key, [1, 2, 3], { seen }).scored).toBe(2);
    expect(detectKgw(key, [1, 2, 3, 5], { seen }).scored).toBe(1);
  });

  it('returns the exact binomial tail of its green count, and says when there is not enough evidence', () => {
    const key = fixedKey(5);
    const tokens = zipfTokenStream(300, 50_000, createRandom(5));
    const result = detectKgw(key, tokens);
    expect(result.pValue).toBe(binomialUpperTail(result.green, result.scored, key.gamma).p);
    expect(result.enoughEvidence).toBe(true);
    expect(detectKgw(key, tokens.slice(0, MINIMUM_SCORED_TUPLES)).enoughEvidence).toBe(false);
    expect(detectKgw(key, [])).toMatchObject({ scored: 0, pValue: 1, log10P: 0, enoughEvidence: false });
  });

  // The null is "the text does not depend on the key", so each text gets its own random key: with one
  // fixed key, the n-grams every text shares ("of the") are green or not in every text at once, and the
  // p-values of one key over many texts are correlated (the bench measures that case on real English).
  it('is calibrated on 10,000 unwatermarked Zipf token streams of 25–400 tokens (fixed seed): FPR at 1e-3 ≤ 1.5e-3, randomised p uniform', () => {
    const random = createRandom(2023);
    const lengths = [25, 50, 100, 200, 400];
    const exact: number[] = [];
    const randomised: number[] = [];
    for (let text = 0; text < 10_000; text++) {
      const key = fixedKey(random.nextInt(2 ** 31));
      const result = detectKgw(key, zipfTokenStream(lengths[text % lengths.length]!, 50_000, random));
      exact.push(result.pValue);
      randomised.push(randomizedBinomialUpperTail(result.green, result.scored, key.gamma, random.next()));
    }
    const summary = summariseCalibration(exact, randomised);
    const at = (threshold: number) => summary.falseAlarmRates.find((entry) => entry.threshold === threshold)!.rate;
    expect(at(1e-3)).toBeLessThanOrEqual(1.5e-3);
    expect(at(1e-2)).toBeLessThanOrEqual(1.5e-2);
    expect(summary.ks.pValue).toBeGreaterThan(0.01);
  });

  it('detects text sampled from a toy bigram model through the processor, and not the same model without it', () => {
    const key = parseWatermarkKey(JSON.stringify({ scheme: 'kgw', version: 1, secret: btoa('k'.repeat(32)), gamma: 0.25, delta: 2, contextWidth: 1, seedingScheme: 'lefthash' }), 'key');
    const model = toyBigramModel(2000, 7);
    const random = createRandom(8);
    for (let trial = 0; trial < 5; trial++) {
      const marked = detectKgw(key, generateTokens(model, 200, random, kgwProcessor(key)));
      const plain = detectKgw(key, generateTokens(model, 200, random));
      expect(marked.log10P).toBeLessThan(-6);
      expect(plain.pValue).toBeGreaterThan(1e-3);
    }
  });
});
