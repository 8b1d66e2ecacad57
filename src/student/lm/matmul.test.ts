/** The WebAssembly SIMD products against the plain kernels, on shapes that need padding. */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../util/random.js';
import { accumulateTransposedProduct as plainAccumulate, multiply, multiplyTransposed } from './kernels.js';
import { accumulateTransposedProduct, product, productTransposed, wasmActive } from './matmul.js';

const random = createRandom(11);
const matrix = (rows: number, columns: number): Float32Array => Float32Array.from({ length: rows * columns }, () => random.next() * 2 - 1);
const worst = (a: Float32Array, b: Float32Array): number => a.reduce((max, value, index) => Math.max(max, Math.abs(value - (b[index] as number))), 0);

describe('WebAssembly SIMD matrix products', () => {
  it('is available in this runtime (Node 20 has WebAssembly SIMD)', () => {
    expect(wasmActive(64)).toBe(true);
    expect(wasmActive(1)).toBe(false);
  });

  for (const [rows, inner, columns] of [[9, 7, 5], [33, 20, 50], [64, 48, 32]] as const) {
    it(`matches the plain kernels for ${rows}×${inner} and ${inner}×${columns}`, () => {
      const a = matrix(rows, inner);
      const w = matrix(inner, columns);
      const b = matrix(columns, inner);
      const g = matrix(rows, columns);
      const [ours, plain] = [new Float32Array(rows * columns), new Float32Array(rows * columns)];
      product(a, w, ours, rows, inner, columns);
      multiply(a, w, plain, rows, inner, columns);
      expect(worst(ours, plain)).toBeLessThan(1e-5);
      productTransposed(a, b, ours, rows, inner, columns);
      multiplyTransposed(a, b, plain, rows, inner, columns);
      expect(worst(ours, plain)).toBeLessThan(1e-5);
      const [gradient, plainGradient] = [new Float32Array(inner * columns).fill(0.5), new Float32Array(inner * columns).fill(0.5)];
      accumulateTransposedProduct(a, g, gradient, rows, inner, columns);
      plainAccumulate(a, g, plainGradient, rows, inner, columns);
      expect(worst(gradient, plainGradient)).toBeLessThan(1e-5);
    });
  }
});
