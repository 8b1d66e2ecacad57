import { describe, expect, it } from 'vitest';
import { createRandom } from '../../util/random.js';
import { decodeDeltaVarints, dequantiseRows, encodeDeltaVarints, quantiseRows } from './serialise.js';

describe('row index encoding', () => {
  it('round-trips ascending ids, including large gaps, in few bytes', () => {
    const ids = [0, 1, 2, 127, 128, 300, 16_383, 16_384, (1 << 24) - 1];
    const bytes = encodeDeltaVarints(ids);
    expect(Array.from(decodeDeltaVarints(bytes, ids.length))).toEqual(ids);
    expect(encodeDeltaVarints([1, 2, 3, 4])).toHaveLength(4);
    expect(() => decodeDeltaVarints(bytes.subarray(0, 3), ids.length)).toThrow('corrupt');
  });
});

describe('int8 per-row quantisation', () => {
  it('reconstructs each value within half a step of its row scale', () => {
    const random = createRandom(9);
    const dim = 8;
    const values = Float32Array.from({ length: dim * 50 }, (_, index) => (random.next() * 2 - 1) * (1 + Math.floor(index / dim)));
    values.fill(0, 0, dim); // an all-zero row must survive (scale 0)
    const { quantised, scales } = quantiseRows(values, dim);
    const restored = dequantiseRows(quantised, scales, dim);
    values.forEach((value, index) => {
      const scale = scales[Math.floor(index / dim)] as number;
      expect(Math.abs((restored[index] as number) - value)).toBeLessThanOrEqual(scale / 2 + 1e-7);
    });
    expect(Array.from(restored.subarray(0, dim))).toEqual(new Array(dim).fill(0));
    // Every non-zero row uses the full int8 range, so no precision is wasted.
    for (let row = 1; row < 50; row++) expect(Math.max(...Array.from(quantised.subarray(row * dim, (row + 1) * dim), Math.abs))).toBe(127);
  });
});
