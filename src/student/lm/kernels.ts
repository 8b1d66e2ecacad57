/**
 * Hand-written Float32Array kernels for the transformer, row-major throughout: a batch × sequence
 * of rows is one matrix, and a weight matrix is stored input-major (row k = the weights leaving
 * input k), so every product walks memory in order (the i-k-j loop order).
 *
 * The inner loops take eight inputs (or eight rows) at once so each output element is loaded and
 * stored once per eight multiply-adds, the shape the MLP's kernels measured fastest in V8.
 * No kernel allocates.
 */

/** out (rows × columns) = a (rows × inner) · weights (inner × columns). */
export function multiply(a: Float32Array, weights: Float32Array, out: Float32Array, rows: number, inner: number, columns: number): void {
  for (let row = 0; row < rows; row++) {
    const aBase = row * inner;
    const outBase = row * columns;
    out.fill(0, outBase, outBase + columns);
    let k = 0;
    for (; k + 7 < inner; k += 8) {
      const x0 = a[aBase + k] as number, x1 = a[aBase + k + 1] as number, x2 = a[aBase + k + 2] as number, x3 = a[aBase + k + 3] as number;
      const x4 = a[aBase + k + 4] as number, x5 = a[aBase + k + 5] as number, x6 = a[aBase + k + 6] as number, x7 = a[aBase + k + 7] as number;
      const w0 = k * columns, w1 = w0 + columns, w2 = w1 + columns, w3 = w2 + columns, w4 = w3 + columns, w5 = w4 + columns, w6 = w5 + columns, w7 = w6 + columns;
      for (let j = 0; j < columns; j++) {
        out[outBase + j] = (out[outBase + j] as number)
          + x0 * (weights[w0 + j] as number) + x1 * (weights[w1 + j] as number) + x2 * (weights[w2 + j] as number) + x3 * (weights[w3 + j] as number)
          + x4 * (weights[w4 + j] as number) + x5 * (weights[w5 + j] as number) + x6 * (weights[w6 + j] as number) + x7 * (weights[w7 + j] as number);
      }
    }
    for (; k < inner; k++) {
      const x = a[aBase + k] as number;
      const w = k * columns;
      for (let j = 0; j < columns; j++) out[outBase + j] = (out[outBase + j] as number) + x * (weights[w + j] as number);
    }
  }
}

/** out (rows × columns) = a (rows × inner) · bᵀ where b is columns × inner: dot products of rows. */
export function multiplyTransposed(a: Float32Array, b: Float32Array, out: Float32Array, rows: number, inner: number, columns: number): void {
  for (let row = 0; row < rows; row++) {
    const aBase = row * inner;
    const outBase = row * columns;
    let column = 0;
    // Four dot products at a time share each load of a's row.
    for (; column + 3 < columns; column += 4) {
      const b0 = column * inner, b1 = b0 + inner, b2 = b1 + inner, b3 = b2 + inner;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < inner; k++) {
        const x = a[aBase + k] as number;
        s0 += x * (b[b0 + k] as number);
        s1 += x * (b[b1 + k] as number);
        s2 += x * (b[b2 + k] as number);
        s3 += x * (b[b3 + k] as number);
      }
      out[outBase + column] = s0;
      out[outBase + column + 1] = s1;
      out[outBase + column + 2] = s2;
      out[outBase + column + 3] = s3;
    }
    for (; column < columns; column++) {
      let sum = 0;
      for (let k = 0, base = column * inner; k < inner; k++) sum += (a[aBase + k] as number) * (b[base + k] as number);
      out[outBase + column] = sum;
    }
  }
}

/** gradient (inner × columns) += aᵀ · outGradient, for a (rows × inner) and outGradient (rows × columns). */
export function accumulateTransposedProduct(a: Float32Array, outGradient: Float32Array, gradient: Float32Array, rows: number, inner: number, columns: number): void {
  let row = 0;
  // Eight rows at a time: each gradient element is loaded and stored once per eight multiply-adds.
  for (; row + 7 < rows; row += 8) {
    const a0 = row * inner, a1 = a0 + inner, a2 = a1 + inner, a3 = a2 + inner, a4 = a3 + inner, a5 = a4 + inner, a6 = a5 + inner, a7 = a6 + inner;
    const g0 = row * columns, g1 = g0 + columns, g2 = g1 + columns, g3 = g2 + columns, g4 = g3 + columns, g5 = g4 + columns, g6 = g5 + columns, g7 = g6 + columns;
    for (let k = 0; k < inner; k++) {
      const x0 = a[a0 + k] as number, x1 = a[a1 + k] as number, x2 = a[a2 + k] as number, x3 = a[a3 + k] as number;
      const x4 = a[a4 + k] as number, x5 = a[a5 + k] as number, x6 = a[a6 + k] as number, x7 = a[a7 + k] as number;
      const base = k * columns;
      for (let j = 0; j < columns; j++) {
        gradient[base + j] = (gradient[base + j] as number)
          + x0 * (outGradient[g0 + j] as number) + x1 * (outGradient[g1 + j] as number) + x2 * (outGradient[g2 + j] as number) + x3 * (outGradient[g3 + j] as number)
          + x4 * (outGradient[g4 + j] as number) + x5 * (outGradient[g5 + j] as number) + x6 * (outGradient[g6 + j] as number) + x7 * (outGradient[g7 + j] as number);
      }
    }
  }
  for (; row < rows; row++) {
    const aBase = row * inner;
    const gBase = row * columns;
    for (let k = 0; k < inner; k++) {
      const x = a[aBase + k] as number;
      if (x === 0) continue;
      const base = k * columns;
      for (let j = 0; j < columns; j++) gradient[base + j] = (gradient[base + j] as number) + x * (outGradient[gBase + j] as number);
    }
  }
}

/** out = rmsnorm(x) · gain per row of width `width`; writes each row's 1/rms into `inverseRms`. */
export function rmsNorm(x: Float32Array, gain: Float32Array, out: Float32Array, inverseRms: Float32Array, rows: number, width: number, epsilon: number): void {
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    let squares = 0;
    for (let j = 0; j < width; j++) squares += (x[base + j] as number) ** 2;
    const inverse = 1 / Math.sqrt(squares / width + epsilon);
    inverseRms[row] = inverse;
    for (let j = 0; j < width; j++) out[base + j] = (x[base + j] as number) * inverse * (gain[j] as number);
  }
}

/**
 * Backward of rmsNorm: inputGradient += ∂L/∂x and gainGradient += ∂L/∂gain, given outGradient.
 *   ∂L/∂x = r·(g⊙dy) − x·r³/width·Σ(g⊙dy⊙x)
 */
export function rmsNormBackward(x: Float32Array, gain: Float32Array, inverseRms: Float32Array, outGradient: Float32Array, inputGradient: Float32Array, gainGradient: Float32Array, rows: number, width: number): void {
  for (let row = 0; row < rows; row++) {
    const base = row * width;
    const inverse = inverseRms[row] as number;
    let dot = 0;
    for (let j = 0; j < width; j++) {
      const dy = outGradient[base + j] as number;
      dot += dy * (gain[j] as number) * (x[base + j] as number);
      gainGradient[j] = (gainGradient[j] as number) + dy * (x[base + j] as number) * inverse;
    }
    const correction = (dot * inverse * inverse * inverse) / width;
    for (let j = 0; j < width; j++) {
      inputGradient[base + j] = (inputGradient[base + j] as number) + inverse * (gain[j] as number) * (outGradient[base + j] as number) - (x[base + j] as number) * correction;
    }
  }
}

/** The rotary angles' cosines and sines, context × headWidth/2 each. */
export interface RotaryTable { cosines: Float32Array; sines: Float32Array; half: number }

/** Precomputes rotary cos/sin for positions 0..context−1 (frequency θ^(−2i/headWidth)). */
export function rotaryTable(context: number, headWidth: number, theta: number): RotaryTable {
  const half = headWidth / 2;
  const cosines = new Float32Array(context * half);
  const sines = new Float32Array(context * half);
  for (let position = 0; position < context; position++) {
    for (let i = 0; i < half; i++) {
      const angle = position * theta ** ((-2 * i) / headWidth);
      cosines[position * half + i] = Math.cos(angle);
      sines[position * half + i] = Math.sin(angle);
    }
  }
  return { cosines, sines, half };
}

/**
 * Rotates each head of one row in place: pairs (2i, 2i+1) by angle position·θᵢ (direction −1 undoes
 * it, which is also the backward pass). `heads` heads of width 2·half start at `offset`.
 */
export function rotate(values: Float32Array, offset: number, heads: number, position: number, table: RotaryTable, direction: 1 | -1): void {
  const { cosines, sines, half } = table;
  const angleBase = position * half;
  for (let head = 0; head < heads; head++) {
    const base = offset + head * 2 * half;
    for (let i = 0; i < half; i++) {
      const cos = cosines[angleBase + i] as number;
      const sin = (sines[angleBase + i] as number) * direction;
      const even = values[base + 2 * i] as number;
      const odd = values[base + 2 * i + 1] as number;
      values[base + 2 * i] = even * cos - odd * sin;
      values[base + 2 * i + 1] = even * sin + odd * cos;
    }
  }
}

/** hidden = silu(gate) ⊙ up over `length` entries. */
export function swiglu(gate: Float32Array, up: Float32Array, hidden: Float32Array, length: number): void {
  for (let index = 0; index < length; index++) {
    const g = gate[index] as number;
    hidden[index] = (g / (1 + Math.exp(-g))) * (up[index] as number);
  }
}

/** Backward of swiglu: writes ∂L/∂gate and ∂L/∂up (overwriting) from ∂L/∂hidden. */
export function swigluBackward(gate: Float32Array, up: Float32Array, hiddenGradient: Float32Array, gateGradient: Float32Array, upGradient: Float32Array, length: number): void {
  for (let index = 0; index < length; index++) {
    const g = gate[index] as number;
    const sigmoid = 1 / (1 + Math.exp(-g));
    const dh = hiddenGradient[index] as number;
    upGradient[index] = dh * g * sigmoid;
    gateGradient[index] = dh * (up[index] as number) * sigmoid * (1 + g * (1 - sigmoid));
  }
}

/** target += source over `length` entries. */
export function addInPlace(target: Float32Array, source: Float32Array, length: number): void {
  for (let index = 0; index < length; index++) target[index] = (target[index] as number) + (source[index] as number);
}
