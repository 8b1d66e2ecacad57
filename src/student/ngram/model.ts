/**
 * The n-gram classifier's weights and math: embedding bag (mean of rows of E) → linear layer → logits,
 * and one sparse row-wise Adagrad step (the hidden gradient is spread over the n rows used, / n, as fastText).
 */
import type { Random } from '../../util/random.js';
import { createRowAccumulators, rowStepSize, type RowAccumulators } from '../../train/row-adagrad.js';

/** Weights of one model. While training E is dense (row = bucket); after, only touched rows are kept. */
export interface NgramWeights {
  buckets: number;
  dim: number;
  labelCount: number;
  /** rows × dim. */
  embeddings: Float32Array;
  /** bucket → row of `embeddings`, −1 for a bucket no training text used; null when dense. */
  rowOf: Int32Array | null;
  /** labelCount × dim. */
  output: Float32Array;
  bias: Float32Array;
}

/** Dense weights for training: touched rows uniform in ±1/dim (fastText), the rest and the output 0. */
export function createTrainingWeights(buckets: number, dim: number, labelCount: number, touched: Uint8Array, random: Random): NgramWeights {
  const embeddings = new Float32Array(buckets * dim);
  const range = 1 / dim;
  for (let bucket = 0; bucket < buckets; bucket++) {
    // Untouched rows stay exactly 0, so the saved (sparse) model predicts like the trained one.
    if (touched[bucket] === 0) continue;
    for (let d = 0, base = bucket * dim; d < dim; d++) embeddings[base + d] = (random.next() * 2 - 1) * range;
  }
  return { buckets, dim, labelCount, embeddings, rowOf: null, output: new Float32Array(labelCount * dim), bias: new Float32Array(labelCount) };
}

/** Weights of a model that has not been fitted: no rows, zero output, so every prediction is uniform. */
export function untrainedWeights(buckets: number, dim: number, labelCount: number): NgramWeights {
  return { buckets, dim, labelCount, embeddings: new Float32Array(0), rowOf: new Int32Array(buckets).fill(-1), output: new Float32Array(labelCount * dim), bias: new Float32Array(labelCount) };
}

/**
 * hidden = mean over ids of their embedding rows (an unknown bucket counts as a zero row).
 * One pass over the ids, each row read whole and contiguous (a row is one or a few cache lines, and the
 * table is far bigger than the cache: a pass per block of dimensions fetched every row again); each
 * hidden[d] is still summed over the rows in order from 0, so the result is bit-identical to the plain loop.
 * dim 16 (the default) keeps the sums in locals.
 */
export function embedMean(weights: NgramWeights, ids: Int32Array, hidden: Float64Array): void {
  const { dim, embeddings, rowOf } = weights;
  const count = ids.length;
  if (dim === 16) {
    embedMean16(embeddings, rowOf, ids, hidden);
  } else {
    hidden.fill(0, 0, dim);
    for (let index = 0; index < count; index++) {
      const id = ids[index] as number;
      const row = rowOf === null ? id : (rowOf[id] as number);
      if (row < 0) continue;
      for (let d = 0, base = row * dim; d < dim; d++) hidden[d] = (hidden[d] as number) + (embeddings[base + d] as number);
    }
  }
  if (count > 0) for (let k = 0; k < dim; k++) hidden[k] = (hidden[k] as number) / count;
}

/** embedMean's sums for dim 16, in sixteen locals. */
function embedMean16(embeddings: Float32Array, rowOf: Int32Array | null, ids: Int32Array, hidden: Float64Array): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
  const count = ids.length;
  for (let index = 0; index < count; index++) {
    const id = ids[index] as number;
    const row = rowOf === null ? id : (rowOf[id] as number);
    if (row < 0) continue;
    const b = row << 4;
    a0 += embeddings[b] as number; a1 += embeddings[b + 1] as number; a2 += embeddings[b + 2] as number; a3 += embeddings[b + 3] as number;
    a4 += embeddings[b + 4] as number; a5 += embeddings[b + 5] as number; a6 += embeddings[b + 6] as number; a7 += embeddings[b + 7] as number;
    a8 += embeddings[b + 8] as number; a9 += embeddings[b + 9] as number; a10 += embeddings[b + 10] as number; a11 += embeddings[b + 11] as number;
    a12 += embeddings[b + 12] as number; a13 += embeddings[b + 13] as number; a14 += embeddings[b + 14] as number; a15 += embeddings[b + 15] as number;
  }
  hidden[0] = a0; hidden[1] = a1; hidden[2] = a2; hidden[3] = a3; hidden[4] = a4; hidden[5] = a5; hidden[6] = a6; hidden[7] = a7;
  hidden[8] = a8; hidden[9] = a9; hidden[10] = a10; hidden[11] = a11; hidden[12] = a12; hidden[13] = a13; hidden[14] = a14; hidden[15] = a15;
}

/**
 * embedMean of an example given as distinct ids with counts (`total` ids in all): hidden = Σ count · row / total.
 * Dense weights only (Hogwild training); equal to embedMean up to rounding.
 */
export function embedMeanBag(weights: NgramWeights, unique: Int32Array, counts: Int32Array, total: number, hidden: Float64Array): void {
  const { dim, embeddings } = weights;
  const count = unique.length;
  if (dim === 16) {
    let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
    for (let index = 0; index < count; index++) {
      const b = (unique[index] as number) << 4, c = counts[index] as number;
      a0 += c * (embeddings[b] as number); a1 += c * (embeddings[b + 1] as number); a2 += c * (embeddings[b + 2] as number); a3 += c * (embeddings[b + 3] as number);
      a4 += c * (embeddings[b + 4] as number); a5 += c * (embeddings[b + 5] as number); a6 += c * (embeddings[b + 6] as number); a7 += c * (embeddings[b + 7] as number);
      a8 += c * (embeddings[b + 8] as number); a9 += c * (embeddings[b + 9] as number); a10 += c * (embeddings[b + 10] as number); a11 += c * (embeddings[b + 11] as number);
      a12 += c * (embeddings[b + 12] as number); a13 += c * (embeddings[b + 13] as number); a14 += c * (embeddings[b + 14] as number); a15 += c * (embeddings[b + 15] as number);
    }
    hidden[0] = a0; hidden[1] = a1; hidden[2] = a2; hidden[3] = a3; hidden[4] = a4; hidden[5] = a5; hidden[6] = a6; hidden[7] = a7;
    hidden[8] = a8; hidden[9] = a9; hidden[10] = a10; hidden[11] = a11; hidden[12] = a12; hidden[13] = a13; hidden[14] = a14; hidden[15] = a15;
  } else {
    hidden.fill(0, 0, dim);
    for (let index = 0; index < count; index++) {
      const c = counts[index] as number;
      for (let d = 0, base = (unique[index] as number) * dim; d < dim; d++) hidden[d] = (hidden[d] as number) + c * (embeddings[base + d] as number);
    }
  }
  if (total > 0) for (let k = 0; k < dim; k++) hidden[k] = (hidden[k] as number) / total;
}

/** logits = output · hidden + bias; four labels at a time (independent sums, each in the plain order). */
export function computeLogits(weights: NgramWeights, hidden: Float64Array, logits: Float64Array): void {
  const { dim, labelCount, output, bias } = weights;
  let k = 0;
  for (; k + 4 <= labelCount; k += 4) {
    let s0 = bias[k] as number, s1 = bias[k + 1] as number, s2 = bias[k + 2] as number, s3 = bias[k + 3] as number;
    const b0 = k * dim, b1 = b0 + dim, b2 = b1 + dim, b3 = b2 + dim;
    for (let d = 0; d < dim; d++) {
      const h = hidden[d] as number;
      s0 += (output[b0 + d] as number) * h; s1 += (output[b1 + d] as number) * h; s2 += (output[b2 + d] as number) * h; s3 += (output[b3 + d] as number) * h;
    }
    logits[k] = s0; logits[k + 1] = s1; logits[k + 2] = s2; logits[k + 3] = s3;
  }
  for (; k < labelCount; k++) {
    let sum = bias[k] as number;
    for (let d = 0, base = k * dim; d < dim; d++) sum += (output[base + d] as number) * (hidden[d] as number);
    logits[k] = sum;
  }
}

/** Forward pass: ids → hidden → logits. */
export function forward(weights: NgramWeights, ids: Int32Array, hidden: Float64Array, logits: Float64Array): void {
  embedMean(weights, ids, hidden);
  computeLogits(weights, hidden, logits);
}

/** Optimiser state: one Adagrad accumulator per embedding row and per output row. */
export interface OptimiserState { embedding: RowAccumulators; output: RowAccumulators }

/** Fresh optimiser state for dense training weights (one accumulator per row of E). */
export function createOptimiserState(weights: NgramWeights): OptimiserState {
  return { embedding: createRowAccumulators(weights.embeddings.length / weights.dim), output: createRowAccumulators(weights.labelCount) };
}

/** Per-thread scratch of `adagradStep`: the hidden gradient and the step sizes of the rows it updates. */
export interface StepScratch { gradHidden: Float64Array; outputSteps: Float64Array; rowSteps: Float64Array }

/** Scratch for weights of `dim` and `labelCount` (rowSteps grows with the longest example). */
export function createStepScratch(dim: number, labelCount: number): StepScratch {
  return { gradHidden: new Float64Array(dim), outputSteps: new Float64Array(labelCount), rowSteps: new Float64Array(256) };
}

/**
 * One row-wise Adagrad step given ∂loss/∂logits (`grad`). Dense weights only. The step sizes are taken
 * first (the accumulators in the same order as a row-by-row loop, repeated ids included), then the rows
 * are updated four dimensions at a time: every weight sees the same operations in the same order as
 * the plain loops, so threads: 1 stays bit-identical (single-thread-golden.test.ts), about twice as fast.
 */
export function adagradStep(weights: NgramWeights, state: OptimiserState, ids: Int32Array, hidden: Float64Array, grad: Float64Array, scratch: StepScratch, learningRate: number): void {
  outputStep(weights, state, hidden, grad, scratch, learningRate);
  const count = ids.length;
  if (count === 0) return;
  const rowSquared = spreadHiddenGradient(scratch.gradHidden, weights.dim, count);
  if (scratch.rowSteps.length < count) scratch.rowSteps = new Float64Array(count * 2);
  const rowSteps = scratch.rowSteps;
  for (let index = 0; index < count; index++) rowSteps[index] = rowStepSize(state.embedding, ids[index] as number, rowSquared / weights.dim, learningRate);
  updateRows(weights.embeddings, weights.dim, ids, rowSteps, scratch.gradHidden);
}

/**
 * adagradStep over an example given as its distinct ids with their counts (`total` ids in all), for
 * Hogwild training (hogwild-shard.ts), where results need not repeat bit for bit: a row used c times
 * has its accumulator advanced c times (the same step sizes as c separate updates) and is written once
 * with their sum, so a text that repeats its ids (source code: about 60 % of them) reads and writes
 * each row once. Equal to adagradStep up to float32 rounding.
 */
export function adagradStepBag(weights: NgramWeights, state: OptimiserState, unique: Int32Array, counts: Int32Array, total: number, hidden: Float64Array, grad: Float64Array, scratch: StepScratch, learningRate: number): void {
  outputStep(weights, state, hidden, grad, scratch, learningRate);
  if (total === 0) return;
  const { dim } = weights;
  const meanSquared = spreadHiddenGradient(scratch.gradHidden, dim, total) / dim;
  const count = unique.length;
  if (scratch.rowSteps.length < count) scratch.rowSteps = new Float64Array(count * 2);
  const rowSteps = scratch.rowSteps;
  for (let index = 0; index < count; index++) {
    const row = unique[index] as number;
    let step = 0;
    for (let use = counts[index] as number; use > 0; use--) step += rowStepSize(state.embedding, row, meanSquared, learningRate);
    rowSteps[index] = step;
  }
  updateRows(weights.embeddings, dim, unique, rowSteps, scratch.gradHidden);
}

/** gradHidden /= count (each of the bag's rows gets its share of the mean); returns the squared norm after. */
function spreadHiddenGradient(gradHidden: Float64Array, dim: number, count: number): number {
  let rowSquared = 0;
  for (let d = 0; d < dim; d++) {
    gradHidden[d] = (gradHidden[d] as number) / count;
    rowSquared += (gradHidden[d] as number) * (gradHidden[d] as number);
  }
  return rowSquared;
}

/** The output layer's part of a step: output and bias updated, gradHidden = outputᵀ · grad (weights before the step). */
function outputStep(weights: NgramWeights, state: OptimiserState, hidden: Float64Array, grad: Float64Array, scratch: StepScratch, learningRate: number): void {
  const { dim, labelCount, bias } = weights;
  const { gradHidden, outputSteps } = scratch;
  let hiddenSquared = 1; // the bias input
  for (let d = 0; d < dim; d++) hiddenSquared += (hidden[d] as number) * (hidden[d] as number);
  for (let k = 0; k < labelCount; k++) {
    const g = grad[k] as number;
    outputSteps[k] = rowStepSize(state.output, k, (g * g * hiddenSquared) / dim, learningRate);
  }
  updateOutput(weights, hidden, grad, outputSteps, gradHidden);
  for (let k = 0; k < labelCount; k++) bias[k] = (bias[k] as number) - (outputSteps[k] as number) * (grad[k] as number);
}

/** gradHidden = outputᵀ · grad (with the weights before this step), and output −= step_k · g_k · hidden. */
function updateOutput(weights: NgramWeights, hidden: Float64Array, grad: Float64Array, steps: Float64Array, gradHidden: Float64Array): void {
  const { dim, labelCount, output } = weights;
  let d = 0;
  for (; d + 4 <= dim; d += 4) {
    const h0 = hidden[d] as number, h1 = hidden[d + 1] as number, h2 = hidden[d + 2] as number, h3 = hidden[d + 3] as number;
    let q0 = 0, q1 = 0, q2 = 0, q3 = 0;
    for (let k = 0; k < labelCount; k++) {
      const g = grad[k] as number, step = steps[k] as number, base = k * dim + d;
      const w0 = output[base] as number, w1 = output[base + 1] as number, w2 = output[base + 2] as number, w3 = output[base + 3] as number;
      q0 += g * w0; q1 += g * w1; q2 += g * w2; q3 += g * w3;
      output[base] = w0 - step * g * h0; output[base + 1] = w1 - step * g * h1; output[base + 2] = w2 - step * g * h2; output[base + 3] = w3 - step * g * h3;
    }
    gradHidden[d] = q0; gradHidden[d + 1] = q1; gradHidden[d + 2] = q2; gradHidden[d + 3] = q3;
  }
  for (; d < dim; d++) {
    const h = hidden[d] as number;
    let q = 0;
    for (let k = 0; k < labelCount; k++) {
      const g = grad[k] as number, base = k * dim + d, w = output[base] as number;
      q += g * w;
      output[base] = w - (steps[k] as number) * g * h;
    }
    gradHidden[d] = q;
  }
}

/**
 * embeddings[row] −= steps[i] · gradient for each ids[i] = row, in order: one pass over the ids, each row
 * written whole (as embedMean reads it), so every weight still sees its updates in the order of the ids.
 */
function updateRows(embeddings: Float32Array, dim: number, ids: Int32Array, steps: Float64Array, gradient: Float64Array): void {
  const count = ids.length;
  if (dim === 16) {
    const g0 = gradient[0] as number, g1 = gradient[1] as number, g2 = gradient[2] as number, g3 = gradient[3] as number;
    const g4 = gradient[4] as number, g5 = gradient[5] as number, g6 = gradient[6] as number, g7 = gradient[7] as number;
    const g8 = gradient[8] as number, g9 = gradient[9] as number, g10 = gradient[10] as number, g11 = gradient[11] as number;
    const g12 = gradient[12] as number, g13 = gradient[13] as number, g14 = gradient[14] as number, g15 = gradient[15] as number;
    for (let index = 0; index < count; index++) {
      const b = (ids[index] as number) << 4, step = steps[index] as number;
      embeddings[b] = (embeddings[b] as number) - step * g0; embeddings[b + 1] = (embeddings[b + 1] as number) - step * g1;
      embeddings[b + 2] = (embeddings[b + 2] as number) - step * g2; embeddings[b + 3] = (embeddings[b + 3] as number) - step * g3;
      embeddings[b + 4] = (embeddings[b + 4] as number) - step * g4; embeddings[b + 5] = (embeddings[b + 5] as number) - step * g5;
      embeddings[b + 6] = (embeddings[b + 6] as number) - step * g6; embeddings[b + 7] = (embeddings[b + 7] as number) - step * g7;
      embeddings[b + 8] = (embeddings[b + 8] as number) - step * g8; embeddings[b + 9] = (embeddings[b + 9] as number) - step * g9;
      embeddings[b + 10] = (embeddings[b + 10] as number) - step * g10; embeddings[b + 11] = (embeddings[b + 11] as number) - step * g11;
      embeddings[b + 12] = (embeddings[b + 12] as number) - step * g12; embeddings[b + 13] = (embeddings[b + 13] as number) - step * g13;
      embeddings[b + 14] = (embeddings[b + 14] as number) - step * g14; embeddings[b + 15] = (embeddings[b + 15] as number) - step * g15;
    }
    return;
  }
  for (let index = 0; index < count; index++) {
    const base = (ids[index] as number) * dim, step = steps[index] as number;
    for (let d = 0; d < dim; d++) embeddings[base + d] = (embeddings[base + d] as number) - step * (gradient[d] as number);
  }
}

/** Copies every tensor of `source` into `target` (same shapes): keeps or restores the best epoch. */
export function copyWeights(source: NgramWeights, target: NgramWeights): void {
  target.embeddings.set(source.embeddings);
  target.output.set(source.output);
  target.bias.set(source.bias);
}

/** An empty copy with the same shapes, for snapshots. */
export function emptyLike(weights: NgramWeights): NgramWeights {
  return { ...weights, embeddings: new Float32Array(weights.embeddings.length), output: new Float32Array(weights.output.length), bias: new Float32Array(weights.bias.length) };
}

/** Keeps only the rows of touched buckets (ascending), mapping buckets to rows: the form used to predict and save. */
export function compactWeights(dense: NgramWeights, touched: Uint8Array): NgramWeights {
  const rowOf = new Int32Array(dense.buckets).fill(-1);
  let rows = 0;
  for (let bucket = 0; bucket < dense.buckets; bucket++) if (touched[bucket] !== 0) rowOf[bucket] = rows++;
  const embeddings = new Float32Array(rows * dense.dim);
  for (let bucket = 0; bucket < dense.buckets; bucket++) {
    const row = rowOf[bucket] as number;
    if (row >= 0) embeddings.set(dense.embeddings.subarray(bucket * dense.dim, (bucket + 1) * dense.dim), row * dense.dim);
  }
  return { ...dense, embeddings, rowOf };
}

/** Number of embedding rows held. */
export function rowCount(weights: NgramWeights): number {
  return weights.embeddings.length / weights.dim;
}

/**
 * Training weights with the touched rows packed by how often the training set uses them (most used
 * first), plus one zero row at the end for buckets no training text uses: the hot rows sit together in
 * the cache instead of scattered over the whole bucket table. Storage order changes no arithmetic (every
 * row sees the same operations in the same order), so training gives bit-identical weights.
 */
export interface PackedRows {
  /** Dense over the packed rows (rowOf null); row `rows` is the zero row. */
  weights: NgramWeights;
  /** bucket → packed row (the zero row for an untouched bucket). */
  rowOfBucket: Int32Array;
  /** packed row → bucket, for the touched rows. */
  bucketOfRow: Int32Array;
}

/** Packs `dense` (bucket-indexed training weights) by `uses` per bucket (descending; ties by bucket). */
export function packRows(dense: NgramWeights, touched: Uint8Array, uses: Int32Array): PackedRows {
  const { buckets, dim } = dense;
  const touchedList: number[] = [];
  for (let bucket = 0; bucket < buckets; bucket++) if (touched[bucket] !== 0) touchedList.push(bucket);
  touchedList.sort((a, b) => (uses[b] as number) - (uses[a] as number) || a - b);
  const bucketOfRow = Int32Array.from(touchedList);
  const rows = bucketOfRow.length;
  const rowOfBucket = new Int32Array(buckets).fill(rows);
  const embeddings = new Float32Array((rows + 1) * dim);
  for (let row = 0; row < rows; row++) {
    const bucket = bucketOfRow[row] as number;
    rowOfBucket[bucket] = row;
    embeddings.set(dense.embeddings.subarray(bucket * dim, (bucket + 1) * dim), row * dim);
  }
  return { weights: { ...dense, embeddings, rowOf: null, output: dense.output.slice(), bias: dense.bias.slice() }, rowOfBucket, bucketOfRow };
}

/** The compact (prediction) form of packed training weights: exactly compactWeights of the bucket-indexed weights. */
export function unpackRows(packed: NgramWeights, bucketOfRow: Int32Array, buckets: number): NgramWeights {
  const { dim } = packed;
  const rowOf = new Int32Array(buckets).fill(-1);
  const sorted = Int32Array.from(bucketOfRow).sort();
  sorted.forEach((bucket, row) => { rowOf[bucket] = row; });
  const embeddings = new Float32Array(sorted.length * dim);
  bucketOfRow.forEach((bucket, packedRow) => {
    embeddings.set(packed.embeddings.subarray(packedRow * dim, (packedRow + 1) * dim), (rowOf[bucket] as number) * dim);
  });
  return { ...packed, buckets, embeddings, rowOf };
}
