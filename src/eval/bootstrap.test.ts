import { describe, expect, it } from 'vitest';
import { createRandom } from '../util/random.js';
import { bootstrapCorpus, bootstrapInterval, bootstrapMean, interpolatedQuantile } from './bootstrap.js';
import { wilsonInterval } from './metrics.js';
import { chrfFromStatistics, chrfStatistics, corpusChrf, sumChrfStatistics } from './text-metrics.js';

/** n Bernoulli(p) outcomes from a seeded generator. */
function bernoulli(n: number, p: number, seed: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => (random.next() < p ? 1 : 0));
}

describe('percentile bootstrap', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    const values = bernoulli(300, 0.4, 7);
    expect(bootstrapMean(values, { seed: 3 })).toEqual(bootstrapMean(values, { seed: 3 }));
    expect(bootstrapMean(values, { seed: 3 }).lower).not.toBe(bootstrapMean(values, { seed: 4 }).lower);
    expect(bootstrapMean(values).resamples).toBe(1000);
  });

  it('a Bernoulli mean at large n lands on the Wilson interval (both ≈ p ± 1.96·√(p(1−p)/n))', () => {
    const values = bernoulli(4000, 0.3, 11);
    const successes = values.reduce((total, value) => total + value, 0);
    const wilson = wilsonInterval(successes, values.length);
    const bootstrap = bootstrapMean(values, { resamples: 2000, seed: 5 });
    expect(bootstrap.estimate).toBeCloseTo(successes / values.length, 12);
    // The half-width is ≈ 0.0142 here; the two methods agree to a few thousandths.
    expect(Math.abs(bootstrap.lower - wilson.lower)).toBeLessThan(0.003);
    expect(Math.abs(bootstrap.upper - wilson.upper)).toBeLessThan(0.003);
  });

  it('covers the true mean in about 95% of repeated experiments', () => {
    let covered = 0;
    const experiments = 300;
    for (let experiment = 0; experiment < experiments; experiment++) {
      const interval = bootstrapMean(bernoulli(150, 0.35, 1000 + experiment), { resamples: 400, seed: experiment });
      if (interval.lower <= 0.35 && 0.35 <= interval.upper) covered++;
    }
    // Binomial(300, 0.95) has sd ≈ 3.8 hits; the percentile method runs slightly under nominal at n = 150.
    expect(covered / experiments).toBeGreaterThan(0.88);
    expect(covered / experiments).toBeLessThan(0.99);
  });

  it('a wider confidence gives a wider interval; a constant metric a zero-width one', () => {
    const values = bernoulli(200, 0.5, 2);
    const ninety = bootstrapMean(values, { confidence: 0.9 });
    const ninetyNine = bootstrapMean(values, { confidence: 0.99 });
    expect(ninetyNine.upper - ninetyNine.lower).toBeGreaterThan(ninety.upper - ninety.lower);
    expect(bootstrapMean([0.5, 0.5, 0.5])).toMatchObject({ estimate: 0.5, lower: 0.5, upper: 0.5 });
  });

  it('corpus-level metrics are re-aggregated per resample: chrF from summed statistics', () => {
    const hypotheses = ['the cat sat', 'a dog', 'birds fly south', 'x'];
    const references = ['the cat sat down', 'the dog', 'birds fly north', 'yyyyyyyy'];
    const statistics = hypotheses.map((hypothesis, index) => chrfStatistics(hypothesis, references[index] ?? ''));
    const interval = bootstrapCorpus(statistics, (rows) => chrfFromStatistics(sumChrfStatistics(rows)), { seed: 9 });
    expect(interval.estimate).toBeCloseTo(corpusChrf(hypotheses, references), 12);
    expect(interval.lower).toBeLessThanOrEqual(interval.estimate);
    expect(interval.upper).toBeGreaterThanOrEqual(interval.estimate);
    expect(interval.upper).toBeGreaterThan(interval.lower);
  });

  it('the statistic sees whole resamples of the examples, drawn with replacement', () => {
    const sizes = new Set<number>();
    bootstrapInterval(['a', 'b', 'c', 'd', 'e'], (sample) => {
      sizes.add(sample.length);
      return new Set(sample).size;
    }, { resamples: 50 });
    expect([...sizes]).toEqual([5]);
    // With replacement, some resample repeats an example (chance of none in 50: (5!/5^5)^50 ≈ 0).
    const distinct = bootstrapInterval(['a', 'b', 'c', 'd', 'e'], (sample) => new Set(sample).size, { resamples: 50 });
    expect(distinct.lower).toBeLessThan(5);
  });

  it('rejects nonsense settings and handles an empty test set', () => {
    expect(() => bootstrapMean([1], { resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapMean([1], { confidence: 1 })).toThrow(RangeError);
    expect(bootstrapMean([])).toMatchObject({ estimate: 0, lower: 0, upper: 0, examples: 0 });
  });

  it('quantiles interpolate like numpy.percentile (linear)', () => {
    // numpy.percentile([1, 2, 3, 4], 25) = 1.75, at 97.5 = 3.925.
    expect(interpolatedQuantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(interpolatedQuantile([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 12);
  });
});
