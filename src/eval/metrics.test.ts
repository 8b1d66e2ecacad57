import { describe, expect, it } from 'vitest';
import { agreement, calibration, classScores, confusionMatrix, macroF1, percentile, summariseLatency } from './metrics.js';

describe('metrics', () => {
  it('computes agreement and rejects mismatched lengths', () => {
    expect(agreement([0, 1, 2, 2], [0, 1, 1, 2])).toBe(0.75);
    expect(() => agreement([0], [0, 1])).toThrow(/lengths differ/);
  });

  it('builds a confusion matrix and per-class scores by hand', () => {
    // reference: a a a b b c ; predicted: a a b b c c
    const matrix = confusionMatrix([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 4);
    expect(matrix).toEqual([[2, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 0]]);
    const scores = classScores(matrix);
    expect(scores[0]).toMatchObject({ precision: 1, recall: 2 / 3, support: 3 });
    expect(scores[0]?.f1).toBeCloseTo(0.8, 10);
    expect(scores[1]?.f1).toBeCloseTo(0.5, 10);
    expect(scores[2]?.f1).toBeCloseTo(2 / 3, 10);
    // class 3 occurs nowhere and is left out of the macro average
    expect(macroF1(scores)).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 10);
  });

  it('computes ECE from bins', () => {
    const { ece, bins } = calibration([0.95, 0.95, 0.55, 0.55], [true, false, true, true], 10);
    // bin 9: confidence .95, accuracy .5 → gap .45; bin 5: confidence .55, accuracy 1 → gap .45
    expect(ece).toBeCloseTo(0.45, 10);
    expect(bins[9]?.count).toBe(2);
    expect(calibration([1, 1], [true, true]).ece).toBe(0);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(summariseLatency([1, 2, 3, 4])).toMatchObject({ meanMs: 2.5, p50Ms: 2, p99Ms: 4, samples: 4 });
  });
});
