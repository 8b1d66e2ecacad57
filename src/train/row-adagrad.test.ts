import { describe, expect, it } from 'vitest';
import { createRowAccumulators, rowStepSize } from './row-adagrad.js';

describe('row-wise Adagrad', () => {
  it('steps lr / sqrt(Σ g²) per row, rows independent', () => {
    const accumulators = createRowAccumulators(2);
    expect(rowStepSize(accumulators, 0, 4, 1)).toBeCloseTo(0.5, 6);
    expect(rowStepSize(accumulators, 0, 12, 1)).toBeCloseTo(0.25, 6);
    expect(rowStepSize(accumulators, 1, 0.25, 0.1)).toBeCloseTo(0.2, 6);
  });

  it('makes the first step size independent of the gradient scale (the point of using it)', () => {
    const small = rowStepSize(createRowAccumulators(1), 0, 1e-4, 0.2) * 1e-2;
    const large = rowStepSize(createRowAccumulators(1), 0, 1, 0.2) * 1;
    expect(small).toBeCloseTo(large, 4);
  });

  it('takes a finite step on a zero gradient', () => {
    expect(Number.isFinite(rowStepSize(createRowAccumulators(1), 0, 0, 0.2))).toBe(true);
  });
});
