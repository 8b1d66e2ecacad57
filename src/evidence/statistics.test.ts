import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binomialUpperTail, kolmogorovSmirnovUniform, kolmogorovSurvival, logGamma, randomizedBinomialUpperTail, regularizedIncompleteBeta, regularizedUpperGamma, type TailProbability } from './statistics.js';

// Reference values: scipy 1.10 and mpmath (src/evidence/__golden__/generate-statistics.py writes this file).
const golden = JSON.parse(readFileSync(new URL('./__golden__/statistics.json', import.meta.url), 'utf8')) as {
  incompleteBeta: { x: number; a: number; b: number; p: number; log10P: number }[];
  binomialUpperTail: { successes: number; trials: number; probability: number; p: number; log10P: number }[];
  upperGamma: { a: number; x: number; p: number; log10P: number }[];
  kolmogorov: { lambda: number; p: number }[];
  kstest: { name: string; values: number[]; statistic: number; pValue: number }[];
};

/** A relative tolerance on p where it is a normal double, and an absolute one on log10 p everywhere. */
function expectTail(actual: TailProbability, expected: { p: number; log10P: number }): void {
  if (expected.p > 1e-300) expect(Math.abs(actual.p - expected.p)).toBeLessThanOrEqual(1e-9 * expected.p + 1e-15);
  else expect(actual.p).toBeLessThan(1e-290);
  // log10 p to 1e-9 relative: p itself to about 2e-9 relative even at 1e-2500.
  expect(Math.abs(actual.log10P - expected.log10P)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected.log10P)));
}

describe('logGamma', () => {
  it('is ln((n−1)!) at integers on both sides of the Lanczos/Stirling switch', () => {
    let logFactorial = 0;
    for (let n = 1; n <= 60; n++) {
      expect(Math.abs(logGamma(n) - logFactorial)).toBeLessThan(1e-12 * Math.max(1, logFactorial));
      logFactorial += Math.log(n);
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });
});

describe('regularizedIncompleteBeta', () => {
  it.each(golden.incompleteBeta)('matches scipy.special.betainc at x=$x, a=$a, b=$b', (row) => {
    expectTail(regularizedIncompleteBeta(row.x, row.a, row.b), row);
  });
});

describe('binomialUpperTail', () => {
  it.each(golden.binomialUpperTail)('matches scipy.stats.binom.sf for S=$successes of N=$trials at γ=$probability', (row) => {
    expectTail(binomialUpperTail(row.successes, row.trials, row.probability), row);
  });

  it('agrees with the tail summed term by term', () => {
    const trials = 60;
    const probability = 0.25;
    const terms: number[] = [];
    let term = (1 - probability) ** trials;
    for (let k = 0; k <= trials; k++) {
      terms.push(term);
      term *= ((trials - k) / (k + 1)) * (probability / (1 - probability));
    }
    for (let successes = 0; successes <= trials; successes++) {
      const sum = terms.slice(successes).reduce((total, value) => total + value, 0);
      expect(Math.abs(binomialUpperTail(successes, trials, probability).p - sum)).toBeLessThanOrEqual(1e-12 * sum + 1e-15);
    }
  });

  it('randomises between P[X > S] and P[X ≥ S]', () => {
    expect(randomizedBinomialUpperTail(10, 30, 0.25, 0)).toBe(binomialUpperTail(11, 30, 0.25).p);
    expect(randomizedBinomialUpperTail(10, 30, 0.25, 1)).toBeCloseTo(binomialUpperTail(10, 30, 0.25).p, 15);
    expect(randomizedBinomialUpperTail(30, 30, 0.25, 0.5)).toBeCloseTo(0.5 * 0.25 ** 30, 25);
  });

  it('says more successes than trials is impossible, and zero successes certain', () => {
    expect(binomialUpperTail(11, 10, 0.25)).toEqual({ p: 0, log10P: -Infinity });
    expect(binomialUpperTail(0, 10, 0.25)).toEqual({ p: 1, log10P: 0 });
    expect(() => binomialUpperTail(1.5, 10, 0.25)).toThrow(RangeError);
  });
});

describe('regularizedUpperGamma', () => {
  it.each(golden.upperGamma)('matches scipy.special.gammaincc at a=$a, x=$x', (row) => {
    expectTail(regularizedUpperGamma(row.a, row.x), row);
  });
});

describe('Kolmogorov–Smirnov', () => {
  it.each(golden.kolmogorov)('kolmogorovSurvival matches scipy.special.kolmogorov at λ=$lambda', ({ lambda, p }) => {
    expect(Math.abs(kolmogorovSurvival(lambda) - p)).toBeLessThan(1e-12);
  });

  it.each(golden.kstest)('matches scipy.stats.kstest(method="asymp") on the $name sample', ({ values, statistic, pValue }) => {
    const result = kolmogorovSmirnovUniform(values);
    expect(result.statistic).toBeCloseTo(statistic, 14);
    expect(Math.abs(result.pValue - pValue)).toBeLessThan(1e-12);
    expect(result.samples).toBe(values.length);
  });
});
