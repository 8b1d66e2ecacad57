import { describe, expect, it } from 'vitest';
import { normalQuantile, normalUpperTail } from './normal-distribution.js';
import { shapiroWilk } from './shapiro-wilk.js';

describe('normal distribution', () => {
  it('matches tabulated quantiles and tails', () => {
    // Reference values: R's qnorm / pnorm (identical to scipy.stats.norm.ppf / sf).
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 8);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963985, 8);
    expect(normalQuantile(0.3)).toBeCloseTo(-0.5244005127, 8);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(1 - 1e-12)).toBeCloseTo(7.034484, 5);
    expect(normalUpperTail(-1)).toBeCloseTo(0.8413447461, 6);
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 7);
    expect(normalUpperTail(1.96)).toBeCloseTo(0.0249978951, 7);
    expect(normalUpperTail(5) / 2.866515719e-7).toBeCloseTo(1, 5);
  });
});

describe('Shapiro–Wilk with Royston’s p-value', () => {
  it('reproduces the R-help arsenic example (n = 12): W = 0.9513, p = 0.6555', () => {
    // Published R output: https://tolstoy.newcastle.edu.au/R/help/06/07/30798.html
    const result = shapiroWilk([13, 17, 23, 9.5, 20, 15, 11, 17, 21, 14, 22, 13]);
    expect(result?.w).toBeCloseTo(0.9513, 4);
    expect(result?.pValue).toBeCloseTo(0.6555, 4);
  });

  it('reproduces the weights of 11 men (Shapiro & Wilk 1965 style example): W = 0.7888, p = 0.0067', () => {
    // R: shapiro.test(c(148,154,158,160,161,162,166,170,182,195,236)) → W = 0.78881, p-value = 0.006704
    const result = shapiroWilk([148, 154, 158, 160, 161, 162, 166, 170, 182, 195, 236]);
    expect(result?.w).toBeCloseTo(0.78881, 5);
    expect(result?.pValue).toBeCloseTo(0.006704, 5);
  });

  it('agrees with scipy.stats.shapiro (the same AS R94 code) for n = 3, 5 and 60', () => {
    // Values from scipy 1.17 shapiro(), which wraps the Fortran of AS R94 as R does.
    expect(shapiroWilk([1, 2, 4])).toEqual({ w: expect.closeTo(0.9642857143, 9), pValue: expect.closeTo(0.6368868450, 7) });
    const five = shapiroWilk([2.1, 3.4, 1.9, 5.6, 4.4]);
    expect(five?.w).toBeCloseTo(0.9320849392, 7);
    expect(five?.pValue).toBeCloseTo(0.6106559023, 6);
    const sixty = Array.from({ length: 60 }, (_, index) => (((index + 1) * 37) % 101) / 10);
    expect(shapiroWilk(sixty)?.w).toBeCloseTo(0.9536964994, 7);
    expect(shapiroWilk(sixty)?.pValue).toBeCloseTo(0.0233183386, 6);
    const skewed = shapiroWilk(sixty.map((value) => Math.exp(value / 3)));
    expect(skewed?.w).toBeCloseTo(0.8473574810, 7);
    expect((skewed?.pValue ?? 1) / 2.5479633895e-6).toBeCloseTo(1, 3);
  });

  it('is undefined for fewer than 3 values or no spread', () => {
    expect(shapiroWilk([1, 2])).toBeNull();
    expect(shapiroWilk([4, 4, 4, 4])).toBeNull();
  });
});
