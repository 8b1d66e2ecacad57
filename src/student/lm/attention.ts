/**
 * Causal self-attention over a batch of sequences for training, forward and backward, with
 * grouped-query heads (query head h reads key/value head ⌊h / (heads / keyValueHeads)⌋).
 * Rows are batch-major: row b·length + t is position t of sequence b. Queries and keys arrive
 * already rotated; the probabilities are kept for the backward pass.
 */

/**
 * scores[scoreBase + s] = scale · (vector · rows[s]) for s < count, where `vector` sits at
 * vectorBase and row s at rowsBase + s·stride (width entries each). Four rows at a time share
 * each load of the vector.
 */
function scoreRow(vector: Float32Array, vectorBase: number, rows: Float32Array, rowsBase: number, stride: number, width: number, count: number, scale: number, scores: Float32Array, scoreBase: number): void {
  let s = 0;
  for (; s + 3 < count; s += 4) {
    const r0 = rowsBase + s * stride, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let d = 0; d < width; d++) {
      const x = vector[vectorBase + d] as number;
      s0 += x * (rows[r0 + d] as number);
      s1 += x * (rows[r1 + d] as number);
      s2 += x * (rows[r2 + d] as number);
      s3 += x * (rows[r3 + d] as number);
    }
    scores[scoreBase + s] = s0 * scale;
    scores[scoreBase + s + 1] = s1 * scale;
    scores[scoreBase + s + 2] = s2 * scale;
    scores[scoreBase + s + 3] = s3 * scale;
  }
  for (; s < count; s++) {
    let dot = 0;
    for (let d = 0, r = rowsBase + s * stride; d < width; d++) dot += (vector[vectorBase + d] as number) * (rows[r + d] as number);
    scores[scoreBase + s] = dot * scale;
  }
}

/** out[outBase + d] += Σ_s weights[weightBase + s] · rows[s][d], four rows at a time. */
function accumulateRows(weights: Float32Array, weightBase: number, rows: Float32Array, rowsBase: number, stride: number, width: number, count: number, out: Float32Array, outBase: number): void {
  let s = 0;
  for (; s + 3 < count; s += 4) {
    const r0 = rowsBase + s * stride, r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
    const w0 = weights[weightBase + s] as number, w1 = weights[weightBase + s + 1] as number, w2 = weights[weightBase + s + 2] as number, w3 = weights[weightBase + s + 3] as number;
    for (let d = 0; d < width; d++) {
      out[outBase + d] = (out[outBase + d] as number) + w0 * (rows[r0 + d] as number) + w1 * (rows[r1 + d] as number) + w2 * (rows[r2 + d] as number) + w3 * (rows[r3 + d] as number);
    }
  }
  for (; s < count; s++) {
    const w = weights[weightBase + s] as number;
    for (let d = 0, r = rowsBase + s * stride; d < width; d++) out[outBase + d] = (out[outBase + d] as number) + w * (rows[r + d] as number);
  }
}

/** The shapes one attention call works on. */
export interface AttentionShape {
  batch: number;
  length: number;
  heads: number;
  keyValueHeads: number;
  headWidth: number;
}

/**
 * out (rows × heads·headWidth) = softmax(q·kᵀ/√headWidth, causal) · v per head; the probabilities
 * are written to `probabilities` (batch × heads × length × length, zero above the diagonal).
 */
export function attentionForward(query: Float32Array, key: Float32Array, value: Float32Array, out: Float32Array, probabilities: Float32Array, shape: AttentionShape): void {
  const { batch, length, heads, keyValueHeads, headWidth } = shape;
  const width = heads * headWidth;
  const keyValueWidth = keyValueHeads * headWidth;
  const group = heads / keyValueHeads;
  const scale = 1 / Math.sqrt(headWidth);
  probabilities.fill(0, 0, batch * heads * length * length);
  for (let b = 0; b < batch; b++) {
    for (let head = 0; head < heads; head++) {
      const keyOffset = Math.floor(head / group) * headWidth;
      for (let t = 0; t < length; t++) {
        const queryBase = (b * length + t) * width + head * headWidth;
        const probabilityBase = ((b * heads + head) * length + t) * length;
        scoreRow(query, queryBase, key, (b * length) * keyValueWidth + keyOffset, keyValueWidth, headWidth, t + 1, scale, probabilities, probabilityBase);
        let max = -Infinity;
        for (let s = 0; s <= t; s++) max = Math.max(max, probabilities[probabilityBase + s] as number);
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          const e = Math.exp((probabilities[probabilityBase + s] as number) - max);
          probabilities[probabilityBase + s] = e;
          sum += e;
        }
        for (let s = 0; s <= t; s++) probabilities[probabilityBase + s] = (probabilities[probabilityBase + s] as number) / sum;
        out.fill(0, queryBase, queryBase + headWidth);
        accumulateRows(probabilities, probabilityBase, value, (b * length) * keyValueWidth + keyOffset, keyValueWidth, headWidth, t + 1, out, queryBase);
      }
    }
  }
}

/**
 * Backward of attentionForward: writes ∂L/∂query and accumulates ∂L/∂key and ∂L/∂value (both must
 * be zeroed by the caller) from ∂L/∂out. `scratch` holds at least length² + 2·length entries: the
 * score gradients of one head, then two gathered columns, so every inner loop is a four-row pass.
 */
export function attentionBackward(query: Float32Array, key: Float32Array, value: Float32Array, probabilities: Float32Array, outGradient: Float32Array, queryGradient: Float32Array, keyGradient: Float32Array, valueGradient: Float32Array, scratch: Float32Array, shape: AttentionShape): void {
  const { batch, length, heads, keyValueHeads, headWidth } = shape;
  const width = heads * headWidth;
  const keyValueWidth = keyValueHeads * headWidth;
  const group = heads / keyValueHeads;
  const scale = 1 / Math.sqrt(headWidth);
  const scoreColumn = length * length;
  const probabilityColumn = scoreColumn + length;
  for (let b = 0; b < batch; b++) {
    for (let head = 0; head < heads; head++) {
      const keyValueBase = b * length * keyValueWidth + Math.floor(head / group) * headWidth;
      const headBase = b * length * width + head * headWidth;
      const probabilityHead = (b * heads + head) * length * length;
      for (let t = 0; t < length; t++) {
        const queryBase = headBase + t * width;
        const row = t * length;
        // ∂L/∂p[s] = dout·v[s]; through softmax, ∂L/∂score[s] = p[s]·(∂L/∂p[s] − Σ p·∂L/∂p); through q·k/√d.
        scoreRow(outGradient, queryBase, value, keyValueBase, keyValueWidth, headWidth, t + 1, 1, scratch, row);
        let weighted = 0;
        for (let s = 0; s <= t; s++) weighted += (probabilities[probabilityHead + row + s] as number) * (scratch[row + s] as number);
        for (let s = 0; s <= t; s++) scratch[row + s] = (probabilities[probabilityHead + row + s] as number) * ((scratch[row + s] as number) - weighted) * scale;
        queryGradient.fill(0, queryBase, queryBase + headWidth);
        accumulateRows(scratch, row, key, keyValueBase, keyValueWidth, headWidth, t + 1, queryGradient, queryBase);
      }
      // Key s gathers Σ_{t ≥ s} ∂score[t][s]·q[t]; value s gathers Σ_{t ≥ s} p[t][s]·dout[t].
      for (let s = 0; s < length; s++) {
        const count = length - s;
        for (let t = s; t < length; t++) {
          scratch[scoreColumn + t - s] = scratch[t * length + s] as number;
          scratch[probabilityColumn + t - s] = probabilities[probabilityHead + t * length + s] as number;
        }
        const keyBase = keyValueBase + s * keyValueWidth;
        accumulateRows(scratch, scoreColumn, query, headBase + s * width, width, headWidth, count, keyGradient, keyBase);
        accumulateRows(scratch, probabilityColumn, outGradient, headBase + s * width, width, headWidth, count, valueGradient, keyBase);
      }
    }
  }
}
