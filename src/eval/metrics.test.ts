import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agreement, calibration, classScores, confusionMatrix, costPer1kCalls, cpuCostPer1kCalls, macroF1, percentile, scoreAgainstGold, summariseLatency, wilsonInterval } from './metrics.js';

/** Reference intervals computed by statsmodels (the script beside the JSON regenerates them). */
const WILSON_REFERENCE = JSON.parse(readFileSync(new URL('./__golden__/wilson-interval.json', import.meta.url), 'utf8')) as {
  cases: Array<{ successes: number; trials: number; lower: number; upper: number }>;
};

describe('metrics', () => {
  it('computes agreement and rejects mismatched lengths', () => {
    expect(agreement([0, 1, 2, 2], [0, 1, 1, 2])).toBe(0.75);
    expect(agreement([], [])).toBe(0);
    expect(() => agreement([0], [0, 1])).toThrow(/lengths differ/);
  });

  it('builds a confusion matrix and per-class scores by hand', () => {
    // reference: a a a b b c ; predicted: a a b b c c
    const matrix = confusionMatrix([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 4);
    expect(matrix).toEqual([[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]);
    const scores = classScores(matrix);
    // a: tp 2, predicted 2, support 3 → P 1, R 2/3, F1 0.8; b: tp 1, predicted 2, support 2 → F1 0.5;
    // c: tp 1, predicted 2, support 1 → P 0.5, R 1, F1 2/3.
    expect(scores[0]).toMatchObject({ precision: 1, recall: 2 / 3, support: 3, predicted: 2 });
    expect(scores[0]?.f1).toBeCloseTo(0.8, 10);
    expect(scores[1]?.f1).toBeCloseTo(0.5, 10);
    expect(scores[2]).toMatchObject({ precision: 0.5, recall: 1 });
    expect(scores[2]?.f1).toBeCloseTo(2 / 3, 10);
    // class 3 occurs nowhere and is left out of the macro average (it would otherwise pull it to 0.49)
    expect(macroF1(scores)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 10);
  });

  it('counts a class that is only predicted as a 0 in macro-F1', () => {
    // reference: a a ; predicted: a b → a: P 1, R 0.5, F1 2/3; b: predicted once, never right → F1 0.
    const scores = classScores(confusionMatrix([0, 0], [0, 1], 3));
    expect(macroF1(scores)).toBeCloseTo((2 / 3 + 0) / 2, 10);
  });

  it('does not count out-of-range indices in the confusion matrix', () => {
    const matrix = confusionMatrix([0, 1, 1, 5], [0, -1, 1, 0], 2);
    expect(matrix).toEqual([[1, 0], [0, 1]]);
    expect(JSON.stringify(matrix)).toBe('[[1,0],[0,1]]');
    expect(Object.keys(matrix[1] ?? [])).toEqual(['0', '1']);
  });

  it('scores against gold only where there is a gold label', () => {
    // gold: a, –, b, b, –, a ; predicted: a, b, b, a, a, a → scored pairs (a,a) (b,b) (b,a) (a,a)
    const scores = scoreAgainstGold([0, null, 1, 1, null, 0], [0, 1, 1, 0, 0, 0], 2);
    expect(scores?.examples).toBe(4);
    expect(scores?.accuracy).toBe(0.75);
    // a: P 2/3, R 1 → F1 0.8; b: P 1, R 0.5 → F1 2/3
    expect(scores?.macroF1).toBeCloseTo((0.8 + 2 / 3) / 2, 10);
    expect(scoreAgainstGold([null, null], [0, 1], 2)).toBeUndefined();
    expect(() => scoreAgainstGold([0], [0, 1], 2)).toThrow(/lengths differ/);
  });

  it('computes ECE over 15 equal-width bins by hand', () => {
    // 15 bins of width 1/15 ≈ 0.0667. 0.95 and 0.97 → bin 14: mean 0.96, accuracy 0.5, gap 0.46;
    // 0.55 → bin 8 (0.533–0.6): accuracy 1, gap 0.45; 0.2 → bin 3 (0.2–0.267): accuracy 0, gap 0.2.
    // ECE = 2/5·0.46 + 2/5·0.45 + 1/5·0.2 = 0.404
    const { ece, bins } = calibration([0.95, 0.97, 0.55, 0.55, 0.2], [true, false, true, true, false]);
    expect(bins).toHaveLength(15);
    expect(ece).toBeCloseTo(0.404, 10);
    expect(bins[14]).toMatchObject({ count: 2, accuracy: 0.5 });
    expect(bins[14]?.meanConfidence).toBeCloseTo(0.96, 10);
    expect(bins[8]?.count).toBe(2);
    expect(bins[3]?.count).toBe(1);
    expect(calibration([1, 1], [true, true]).ece).toBe(0);
    expect(calibration([1], [true]).bins[14]?.count).toBe(1);
    expect(calibration([], []).ece).toBe(0);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile(values, 99)).toBe(99);
    // n = 10: rank ⌈0.5·10⌉ = 5, ⌈0.9·10⌉ = 9, ⌈0.99·10⌉ = 10
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect([percentile(ten, 50), percentile(ten, 90), percentile(ten, 99)]).toEqual([5, 9, 10]);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(summariseLatency([1, 2, 3, 4])).toEqual({ meanMs: 2.5, p50Ms: 2, p90Ms: 4, p99Ms: 4, samples: 4 });
  });

  it('prices calls per thousand', () => {
    expect(costPer1kCalls([0.001, 0.003])).toBeCloseTo(2, 10);
    expect(costPer1kCalls([])).toBe(0);
    // 0.036 ms of CPU per call at $0.05 per hour: 0.036 / 3.6e6 · 0.05 · 1000 = 5e-7
    expect(cpuCostPer1kCalls(0.036, 0.05)).toBeCloseTo(5e-7, 15);
  });

  it('gives the 95% Wilson interval that statsmodels gives', () => {
    expect(WILSON_REFERENCE.cases.length).toBeGreaterThan(5);
    for (const { successes, trials, lower, upper } of WILSON_REFERENCE.cases) {
      const interval = wilsonInterval(successes, trials);
      expect(interval.lower, `${successes}/${trials} lower`).toBeCloseTo(lower, 12);
      expect(interval.upper, `${successes}/${trials} upper`).toBeCloseTo(upper, 12);
      expect(interval.confidence).toBe(0.95);
    }
  });

  it('makes the interval wide on 12 examples and narrow on thousands, always inside [0, 1]', () => {
    const small = wilsonInterval(10, 12);
    const large = wilsonInterval(4183, 5125);
    expect(small.upper - small.lower).toBeGreaterThan(0.35);
    expect(large.upper - large.lower).toBeLessThan(0.025);
    expect(wilsonInterval(0, 3).lower).toBe(0);
    expect(wilsonInterval(3, 3).upper).toBeLessThanOrEqual(1);
    expect(wilsonInterval(0, 0)).toEqual({ lower: 0, upper: 1, confidence: 0.95 });
  });

  it('puts the interval on accuracy against gold', () => {
    const scores = scoreAgainstGold([0, 1, 1, 0, 1], [0, 1, 0, 0, 1], 2);
    expect(scores?.accuracyInterval).toEqual(wilsonInterval(4, 5));
  });
});
