import { describe, expect, it } from 'vitest';
import { createRandom } from '../../util/random.js';
import { accumulateBiasGradient, accumulateWeightGradient, backpropagateToActiveInputs, listNonzeros, multiplyAddBias, transpose } from './kernels.js';

/** A rows × columns matrix with about `zeroShare` exact zeros. */
function sparseMatrix(rows: number, columns: number, zeroShare: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: rows * columns }, () => (random.next() < zeroShare ? 0 : random.next() * 2 - 1));
}

/** (a · b)[i][j] for row-major a (n × k) and b (k × m), in float64. */
function reference(a: Float32Array, b: Float32Array, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let t = 0; t < k; t++) out[i * m + j] = (out[i * m + j] as number) + (a[i * k + t] as number) * (b[t * m + j] as number);
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let index = 0; index < actual.length; index++) worst = Math.max(worst, Math.abs((actual[index] as number) - (expected[index] as number)));
  expect(worst).toBeLessThan(1e-4);
}

// Sizes chosen to hit both the eight-at-a-time loops and the remainder loops (counts not multiples of 8).
const shapes = [{ rows: 3, inputs: 7, outputs: 5 }, { rows: 21, inputs: 1030, outputs: 37 }];

describe('dense-layer kernels', () => {
  for (const { rows, inputs, outputs } of shapes) {
    const input = sparseMatrix(rows, inputs, 0.5, 1);
    const weights = sparseMatrix(inputs, outputs, 0, 2);
    const bias = sparseMatrix(1, outputs, 0, 3);
    const outputGradient = sparseMatrix(rows, outputs, 0, 4);

    it(`multiplies skipping zeros: ${rows}×${inputs} · ${inputs}×${outputs} + bias`, () => {
      const indices = new Int32Array(rows * inputs);
      const counts = new Int32Array(rows);
      listNonzeros(input, rows, inputs, indices, counts);
      const output = new Float32Array(rows * outputs);
      multiplyAddBias(input, rows, inputs, weights, bias, outputs, output, indices, counts);
      const expected = reference(input, weights, rows, inputs, outputs).map((value, index) => value + (bias[index % outputs] as number));
      expectClose(output, expected);
    });

    it(`accumulates weight and bias gradients: ${inputs}×${outputs}`, () => {
      const transposed = new Float32Array(inputs * rows);
      transpose(input, rows, inputs, transposed);
      const indices = new Int32Array(inputs * rows);
      const counts = new Int32Array(inputs);
      listNonzeros(transposed, inputs, rows, indices, counts);
      const weightGradient = new Float32Array(inputs * outputs).fill(1);
      accumulateWeightGradient(transposed, rows, inputs, outputGradient, outputs, weightGradient, indices, counts);
      expectClose(weightGradient, reference(transposed, outputGradient, inputs, rows, outputs).map((value) => value + 1));
      const biasGradient = new Float32Array(outputs);
      accumulateBiasGradient(outputGradient, rows, outputs, biasGradient);
      expectClose(biasGradient, Array.from({ length: outputs }, (_, n) => Array.from({ length: rows }, (_, row) => outputGradient[row * outputs + n] as number).reduce((sum, value) => sum + value, 0)));
    });

    it(`backpropagates only to active inputs, scaled: ${rows}×${inputs}`, () => {
      const indices = new Int32Array(rows * inputs);
      const counts = new Int32Array(rows);
      listNonzeros(input, rows, inputs, indices, counts);
      const weightsTransposed = new Float32Array(outputs * inputs);
      transpose(weights, inputs, outputs, weightsTransposed);
      const full = reference(outputGradient, weightsTransposed, rows, outputs, inputs);
      const inputGradient = new Float32Array(rows * inputs).fill(9);
      backpropagateToActiveInputs(outputGradient, rows, outputs, weights, inputs, 2, inputGradient, indices, counts);
      expectClose(inputGradient, full.map((value, index) => (input[index] === 0 ? 0 : 2 * value)));
    });
  }

  it('lists nonzeros per row in ascending order', () => {
    const indices = new Int32Array(6);
    const counts = new Int32Array(2);
    listNonzeros(Float32Array.from([0, 3, 0, 1, 0, 0]), 2, 3, indices, counts);
    expect(Array.from(counts)).toEqual([1, 1]);
    expect(indices[0]).toBe(1);
    expect(indices[3]).toBe(0);
  });
});
