/**
 * Causal self-attention over a batch of sequences for training, forward and backward, with
 * grouped-query heads (query head h reads key/value head ⌊h / (heads / keyValueHeads)⌋).
 * Rows are batch-major: row b·length + t is position t of sequence b. Queries and keys arrive
 * already rotated; the probabilities are kept for the backward pass.
 *
 * Each (sequence, head) is gathered into contiguous length × headWidth matrices and done as matrix
 * products on the SIMD kernel (matmul.ts): scores = q·kᵀ, out = p·v, and in the backward pass
 * ∂p = ∂out·vᵀ, ∂q = ∂s·k, ∂k = ∂sᵀ·q, ∂v = pᵀ·∂out. The products compute the masked upper
 * triangle too; at these lengths that costs less than looping row by row in plain TypeScript.
 */
import { accumulateTransposedProduct, product, productTransposed } from './matmul.js';

/** The shapes one attention call works on. */
export interface AttentionShape {
  batch: number;
  length: number;
  heads: number;
  keyValueHeads: number;
  headWidth: number;
}

/** Per-head scratch matrices, grown on demand and reused (no allocation per call). */
const scratch = { size: 0, query: new Float32Array(0), key: new Float32Array(0), value: new Float32Array(0), out: new Float32Array(0), scores: new Float32Array(0), probabilityGradient: new Float32Array(0), keyGradient: new Float32Array(0), valueGradient: new Float32Array(0) };

function ensureScratch(length: number, headWidth: number): void {
  const size = length * Math.max(length, headWidth);
  if (scratch.size >= size) return;
  const matrix = (): Float32Array => new Float32Array(size);
  Object.assign(scratch, { size, query: matrix(), key: matrix(), value: matrix(), out: matrix(), scores: matrix(), probabilityGradient: matrix(), keyGradient: matrix(), valueGradient: matrix() });
}

/** Copies `length` rows of `headWidth` values, `stride` apart from `base`, into a contiguous matrix. */
function gather(source: Float32Array, base: number, stride: number, length: number, headWidth: number, target: Float32Array): void {
  for (let t = 0; t < length; t++) for (let d = 0, from = base + t * stride, to = t * headWidth; d < headWidth; d++) target[to + d] = source[from + d] as number;
}

/** Adds (or with `overwrite`, writes) a contiguous length × headWidth matrix back into strided rows. */
function scatter(matrix: Float32Array, target: Float32Array, base: number, stride: number, length: number, headWidth: number, overwrite: boolean): void {
  for (let t = 0; t < length; t++) {
    const row = base + t * stride;
    if (overwrite) for (let d = 0; d < headWidth; d++) target[row + d] = matrix[t * headWidth + d] as number;
    else for (let d = 0; d < headWidth; d++) target[row + d] = (target[row + d] as number) + (matrix[t * headWidth + d] as number);
  }
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
  ensureScratch(length, headWidth);
  for (let b = 0; b < batch; b++) {
    for (let head = 0; head < heads; head++) {
      const headBase = b * length * width + head * headWidth;
      const keyValueBase = b * length * keyValueWidth + Math.floor(head / group) * headWidth;
      gather(query, headBase, width, length, headWidth, scratch.query);
      gather(key, keyValueBase, keyValueWidth, length, headWidth, scratch.key);
      gather(value, keyValueBase, keyValueWidth, length, headWidth, scratch.value);
      const p = probabilities.subarray((b * heads + head) * length * length, (b * heads + head + 1) * length * length);
      productTransposed(scratch.query, scratch.key, p, length, headWidth, length);
      for (let t = 0; t < length; t++) {
        const row = t * length;
        let max = -Infinity;
        for (let s = 0; s <= t; s++) max = Math.max(max, (p[row + s] as number) * scale);
        let sum = 0;
        for (let s = 0; s <= t; s++) { const e = Math.exp((p[row + s] as number) * scale - max); p[row + s] = e; sum += e; }
        for (let s = 0; s <= t; s++) p[row + s] = (p[row + s] as number) / sum;
        p.fill(0, row + t + 1, row + length);
      }
      product(p, scratch.value, scratch.out, length, length, headWidth);
      scatter(scratch.out, out, headBase, width, length, headWidth, true);
    }
  }
}

/**
 * Backward of attentionForward: writes ∂L/∂query and accumulates ∂L/∂key and ∂L/∂value (both must
 * be zeroed by the caller) from ∂L/∂out. (`_scores` is unused; kept for the caller's workspace.)
 */
export function attentionBackward(query: Float32Array, key: Float32Array, value: Float32Array, probabilities: Float32Array, outGradient: Float32Array, queryGradient: Float32Array, keyGradient: Float32Array, valueGradient: Float32Array, _scores: Float32Array, shape: AttentionShape): void {
  const { batch, length, heads, keyValueHeads, headWidth } = shape;
  const width = heads * headWidth;
  const keyValueWidth = keyValueHeads * headWidth;
  const group = heads / keyValueHeads;
  const scale = 1 / Math.sqrt(headWidth);
  ensureScratch(length, headWidth);
  for (let b = 0; b < batch; b++) {
    for (let head = 0; head < heads; head++) {
      const headBase = b * length * width + head * headWidth;
      const keyValueBase = b * length * keyValueWidth + Math.floor(head / group) * headWidth;
      const p = probabilities.subarray((b * heads + head) * length * length, (b * heads + head + 1) * length * length);
      gather(query, headBase, width, length, headWidth, scratch.query);
      gather(key, keyValueBase, keyValueWidth, length, headWidth, scratch.key);
      gather(value, keyValueBase, keyValueWidth, length, headWidth, scratch.value);
      gather(outGradient, headBase, width, length, headWidth, scratch.out);
      // ∂p = ∂out·vᵀ; through softmax, ∂score = p ⊙ (∂p − Σ p·∂p) (zero above the diagonal, where p is), then · 1/√d.
      const scores = scratch.scores;
      productTransposed(scratch.out, scratch.value, scratch.probabilityGradient, length, headWidth, length);
      for (let t = 0; t < length; t++) {
        const row = t * length;
        let weighted = 0;
        for (let s = 0; s <= t; s++) weighted += (p[row + s] as number) * (scratch.probabilityGradient[row + s] as number);
        for (let s = 0; s < length; s++) scores[row + s] = s <= t ? (p[row + s] as number) * ((scratch.probabilityGradient[row + s] as number) - weighted) * scale : 0;
      }
      // ∂q = ∂s·k (written), ∂k += ∂sᵀ·q, ∂v += pᵀ·∂out (accumulated: grouped heads share k and v).
      product(scores, scratch.key, scratch.probabilityGradient, length, length, headWidth);
      scatter(scratch.probabilityGradient, queryGradient, headBase, width, length, headWidth, true);
      scratch.keyGradient.fill(0, 0, length * headWidth);
      scratch.valueGradient.fill(0, 0, length * headWidth);
      accumulateTransposedProduct(scores, scratch.query, scratch.keyGradient, length, length, headWidth);
      accumulateTransposedProduct(p, scratch.out, scratch.valueGradient, length, length, headWidth);
      scatter(scratch.keyGradient, keyGradient, keyValueBase, keyValueWidth, length, headWidth, false);
      scatter(scratch.valueGradient, valueGradient, keyValueBase, keyValueWidth, length, headWidth, false);
    }
  }
}
