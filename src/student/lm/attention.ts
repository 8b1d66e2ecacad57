/**
 * Causal self-attention over a batch of sequences for training, forward and backward, with
 * grouped-query heads (query head h reads key/value head ⌊h / (heads / keyValueHeads)⌋).
 * Rows are batch-major: row b·length + t is position t of sequence b. Queries and keys arrive
 * already rotated; the probabilities are kept for the backward pass.
 */

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
        let max = -Infinity;
        for (let s = 0; s <= t; s++) {
          const keyBase = (b * length + s) * keyValueWidth + keyOffset;
          let dot = 0;
          for (let d = 0; d < headWidth; d++) dot += (query[queryBase + d] as number) * (key[keyBase + d] as number);
          const score = dot * scale;
          probabilities[probabilityBase + s] = score;
          if (score > max) max = score;
        }
        let sum = 0;
        for (let s = 0; s <= t; s++) {
          const e = Math.exp((probabilities[probabilityBase + s] as number) - max);
          probabilities[probabilityBase + s] = e;
          sum += e;
        }
        out.fill(0, queryBase, queryBase + headWidth);
        for (let s = 0; s <= t; s++) {
          const p = (probabilities[probabilityBase + s] as number) / sum;
          probabilities[probabilityBase + s] = p;
          const valueBase = (b * length + s) * keyValueWidth + keyOffset;
          for (let d = 0; d < headWidth; d++) out[queryBase + d] = (out[queryBase + d] as number) + p * (value[valueBase + d] as number);
        }
      }
    }
  }
}

/**
 * Backward of attentionForward: writes ∂L/∂query and accumulates ∂L/∂key and ∂L/∂value (both must
 * be zeroed by the caller) from ∂L/∂out. `scores` is scratch of at least `length` entries.
 */
export function attentionBackward(query: Float32Array, key: Float32Array, value: Float32Array, probabilities: Float32Array, outGradient: Float32Array, queryGradient: Float32Array, keyGradient: Float32Array, valueGradient: Float32Array, scores: Float32Array, shape: AttentionShape): void {
  const { batch, length, heads, keyValueHeads, headWidth } = shape;
  const width = heads * headWidth;
  const keyValueWidth = keyValueHeads * headWidth;
  const group = heads / keyValueHeads;
  const scale = 1 / Math.sqrt(headWidth);
  for (let b = 0; b < batch; b++) {
    for (let head = 0; head < heads; head++) {
      const keyOffset = Math.floor(head / group) * headWidth;
      for (let t = 0; t < length; t++) {
        const queryBase = (b * length + t) * width + head * headWidth;
        const probabilityBase = ((b * heads + head) * length + t) * length;
        // ∂L/∂p[s] = dout·v[s], and ∂L/∂v[s] += p[s]·dout.
        let weighted = 0;
        for (let s = 0; s <= t; s++) {
          const valueBase = (b * length + s) * keyValueWidth + keyOffset;
          const p = probabilities[probabilityBase + s] as number;
          let dot = 0;
          for (let d = 0; d < headWidth; d++) {
            const g = outGradient[queryBase + d] as number;
            dot += g * (value[valueBase + d] as number);
            valueGradient[valueBase + d] = (valueGradient[valueBase + d] as number) + p * g;
          }
          scores[s] = dot;
          weighted += p * dot;
        }
        queryGradient.fill(0, queryBase, queryBase + headWidth);
        // Through softmax: ∂L/∂score[s] = p[s]·(∂L/∂p[s] − Σ p·∂L/∂p), then through q·k/√d.
        for (let s = 0; s <= t; s++) {
          const keyBase = (b * length + s) * keyValueWidth + keyOffset;
          const scoreGradient = (probabilities[probabilityBase + s] as number) * ((scores[s] as number) - weighted) * scale;
          if (scoreGradient === 0) continue;
          for (let d = 0; d < headWidth; d++) {
            queryGradient[queryBase + d] = (queryGradient[queryBase + d] as number) + scoreGradient * (key[keyBase + d] as number);
            keyGradient[keyBase + d] = (keyGradient[keyBase + d] as number) + scoreGradient * (query[queryBase + d] as number);
          }
        }
      }
    }
  }
}
