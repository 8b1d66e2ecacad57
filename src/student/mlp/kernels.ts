/**
 * Hand-written Float32Array kernels for a dense layer, batch-major (row b = one example) with
 * weights stored input-major (row k = the weights leaving input unit k, `outputs` wide).
 *
 * Why input-major and why index lists: pixel inputs are about half zeros and ReLU activations
 * (after dropout) more than half, so every product visits only the nonzero inputs listed by
 * `listNonzeros`, and the backward pass computes input gradients only where the unit was active.
 * The inner loops take eight inputs at once so each output element is loaded and stored once per
 * eight multiply-adds (measured in V8: ~1.4× faster than four at once, ~2× faster than one).
 * Tiling the weights for cache measured slower here (the weights of even a 1200-wide layer sit in
 * L3), so there is none. Measured against tfjs in bench/mlp-engine.ts.
 */

/**
 * Writes, for each row of a rows × columns matrix, the columns holding a nonzero value into
 * `indices` (row r's list starts at r·columns) and their number into `counts[r]`.
 */
export function listNonzeros(matrix: Float32Array, rows: number, columns: number, indices: Int32Array, counts: Int32Array): void {
  for (let row = 0; row < rows; row++) {
    const base = row * columns;
    let count = 0;
    for (let column = 0; column < columns; column++) if (matrix[base + column] !== 0) indices[base + count++] = column;
    counts[row] = count;
  }
}

/** Writes the columns × rows transpose of a rows × columns matrix into `transposed`. */
export function transpose(matrix: Float32Array, rows: number, columns: number, transposed: Float32Array): void {
  for (let row = 0; row < rows; row++) {
    for (let column = 0, base = row * columns; column < columns; column++) transposed[column * rows + row] = matrix[base + column] as number;
  }
}

/**
 * output (rows × outputs) = input (rows × inputs) · weights (inputs × outputs) + bias, visiting only
 * the nonzero inputs listed in `indices` / `counts` (from listNonzeros on `input`).
 */
export function multiplyAddBias(input: Float32Array, rows: number, inputs: number, weights: Float32Array, bias: Float32Array, outputs: number, output: Float32Array, indices: Int32Array, counts: Int32Array): void {
  for (let row = 0; row < rows; row++) {
    const inputBase = row * inputs;
    const end = inputBase + (counts[row] as number);
    const outputBase = row * outputs;
    output.set(bias, outputBase);
    let position = inputBase;
    // Eight inputs at a time: one load and store of each output per eight multiply-adds.
    while (position + 7 < end) {
      const k0 = indices[position] as number, k1 = indices[position + 1] as number, k2 = indices[position + 2] as number, k3 = indices[position + 3] as number;
      const k4 = indices[position + 4] as number, k5 = indices[position + 5] as number, k6 = indices[position + 6] as number, k7 = indices[position + 7] as number;
      const x0 = input[inputBase + k0] as number, x1 = input[inputBase + k1] as number, x2 = input[inputBase + k2] as number, x3 = input[inputBase + k3] as number;
      const x4 = input[inputBase + k4] as number, x5 = input[inputBase + k5] as number, x6 = input[inputBase + k6] as number, x7 = input[inputBase + k7] as number;
      const w0 = k0 * outputs, w1 = k1 * outputs, w2 = k2 * outputs, w3 = k3 * outputs, w4 = k4 * outputs, w5 = k5 * outputs, w6 = k6 * outputs, w7 = k7 * outputs;
      for (let n = 0; n < outputs; n++) {
        output[outputBase + n] = (output[outputBase + n] as number)
          + x0 * (weights[w0 + n] as number) + x1 * (weights[w1 + n] as number) + x2 * (weights[w2 + n] as number) + x3 * (weights[w3 + n] as number)
          + x4 * (weights[w4 + n] as number) + x5 * (weights[w5 + n] as number) + x6 * (weights[w6 + n] as number) + x7 * (weights[w7 + n] as number);
      }
      position += 8;
    }
    for (; position < end; position++) {
      const k = indices[position] as number;
      const x = input[inputBase + k] as number;
      const w = k * outputs;
      for (let n = 0; n < outputs; n++) output[outputBase + n] = (output[outputBase + n] as number) + x * (weights[w + n] as number);
    }
  }
}

/** values = max(values, 0) over the first `length` entries. */
export function reluInPlace(values: Float32Array, length: number): void {
  for (let index = 0; index < length; index++) if ((values[index] as number) < 0) values[index] = 0;
}

/**
 * weightGradient (inputs × outputs) += inputᵀ · outputGradient, from the transposed input
 * (inputs × rows) and its nonzero lists per input unit (listNonzeros on the transpose).
 */
export function accumulateWeightGradient(inputTransposed: Float32Array, rows: number, inputs: number, outputGradient: Float32Array, outputs: number, weightGradient: Float32Array, indices: Int32Array, counts: Int32Array): void {
  for (let k = 0; k < inputs; k++) {
    const start = k * rows;
    const end = start + (counts[k] as number);
    const gradientBase = k * outputs;
    let position = start;
    // Eight examples at a time: one load and store of each gradient per eight multiply-adds.
    while (position + 7 < end) {
      const b0 = indices[position] as number, b1 = indices[position + 1] as number, b2 = indices[position + 2] as number, b3 = indices[position + 3] as number;
      const b4 = indices[position + 4] as number, b5 = indices[position + 5] as number, b6 = indices[position + 6] as number, b7 = indices[position + 7] as number;
      const x0 = inputTransposed[start + b0] as number, x1 = inputTransposed[start + b1] as number, x2 = inputTransposed[start + b2] as number, x3 = inputTransposed[start + b3] as number;
      const x4 = inputTransposed[start + b4] as number, x5 = inputTransposed[start + b5] as number, x6 = inputTransposed[start + b6] as number, x7 = inputTransposed[start + b7] as number;
      const g0 = b0 * outputs, g1 = b1 * outputs, g2 = b2 * outputs, g3 = b3 * outputs, g4 = b4 * outputs, g5 = b5 * outputs, g6 = b6 * outputs, g7 = b7 * outputs;
      for (let n = 0; n < outputs; n++) {
        weightGradient[gradientBase + n] = (weightGradient[gradientBase + n] as number)
          + x0 * (outputGradient[g0 + n] as number) + x1 * (outputGradient[g1 + n] as number) + x2 * (outputGradient[g2 + n] as number) + x3 * (outputGradient[g3 + n] as number)
          + x4 * (outputGradient[g4 + n] as number) + x5 * (outputGradient[g5 + n] as number) + x6 * (outputGradient[g6 + n] as number) + x7 * (outputGradient[g7 + n] as number);
      }
      position += 8;
    }
    for (; position < end; position++) {
      const b = indices[position] as number;
      const x = inputTransposed[start + b] as number;
      const g = b * outputs;
      for (let n = 0; n < outputs; n++) weightGradient[gradientBase + n] = (weightGradient[gradientBase + n] as number) + x * (outputGradient[g + n] as number);
    }
  }
}

/** biasGradient (outputs) += the column sums of outputGradient (rows × outputs). */
export function accumulateBiasGradient(outputGradient: Float32Array, rows: number, outputs: number, biasGradient: Float32Array): void {
  for (let row = 0; row < rows; row++) {
    for (let n = 0, base = row * outputs; n < outputs; n++) biasGradient[n] = (biasGradient[n] as number) + (outputGradient[base + n] as number);
  }
}

/**
 * inputGradient (rows × inputs) = (outputGradient · weightsᵀ) · scale where the layer's input was
 * nonzero, 0 elsewhere: the gradient through ReLU (and inverted dropout, whose kept units are
 * multiplied by `scale`), computed only for the active units listed in `indices` / `counts`.
 */
export function backpropagateToActiveInputs(outputGradient: Float32Array, rows: number, outputs: number, weights: Float32Array, inputs: number, scale: number, inputGradient: Float32Array, indices: Int32Array, counts: Int32Array): void {
  inputGradient.fill(0, 0, rows * inputs);
  for (let row = 0; row < rows; row++) {
    const start = row * inputs;
    const end = start + (counts[row] as number);
    const gradientBase = row * outputs;
    let position = start;
    // Eight dot products at a time share each load of the output gradient.
    while (position + 7 < end) {
      const k0 = indices[position] as number, k1 = indices[position + 1] as number, k2 = indices[position + 2] as number, k3 = indices[position + 3] as number;
      const k4 = indices[position + 4] as number, k5 = indices[position + 5] as number, k6 = indices[position + 6] as number, k7 = indices[position + 7] as number;
      const w0 = k0 * outputs, w1 = k1 * outputs, w2 = k2 * outputs, w3 = k3 * outputs, w4 = k4 * outputs, w5 = k5 * outputs, w6 = k6 * outputs, w7 = k7 * outputs;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let n = 0; n < outputs; n++) {
        const g = outputGradient[gradientBase + n] as number;
        s0 += g * (weights[w0 + n] as number);
        s1 += g * (weights[w1 + n] as number);
        s2 += g * (weights[w2 + n] as number);
        s3 += g * (weights[w3 + n] as number);
        s4 += g * (weights[w4 + n] as number);
        s5 += g * (weights[w5 + n] as number);
        s6 += g * (weights[w6 + n] as number);
        s7 += g * (weights[w7 + n] as number);
      }
      inputGradient[start + k0] = s0 * scale;
      inputGradient[start + k1] = s1 * scale;
      inputGradient[start + k2] = s2 * scale;
      inputGradient[start + k3] = s3 * scale;
      inputGradient[start + k4] = s4 * scale;
      inputGradient[start + k5] = s5 * scale;
      inputGradient[start + k6] = s6 * scale;
      inputGradient[start + k7] = s7 * scale;
      position += 8;
    }
    for (; position < end; position++) {
      const k = indices[position] as number;
      let sum = 0;
      for (let n = 0, w = k * outputs; n < outputs; n++) sum += (outputGradient[gradientBase + n] as number) * (weights[w + n] as number);
      inputGradient[start + k] = sum * scale;
    }
  }
}
