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

/** hidden = mean over ids of their embedding rows (an unknown bucket counts as a zero row). */
export function embedMean(weights: NgramWeights, ids: Int32Array, hidden: Float64Array): void {
  const { dim, embeddings, rowOf } = weights;
  hidden.fill(0, 0, dim);
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as number;
    const row = rowOf === null ? id : (rowOf[id] as number);
    if (row < 0) continue;
    for (let d = 0, base = row * dim; d < dim; d++) hidden[d] = (hidden[d] as number) + (embeddings[base + d] as number);
  }
  if (ids.length > 0) for (let d = 0; d < dim; d++) hidden[d] = (hidden[d] as number) / ids.length;
}

/** logits = output · hidden + bias. */
export function computeLogits(weights: NgramWeights, hidden: Float64Array, logits: Float64Array): void {
  const { dim, labelCount, output, bias } = weights;
  for (let k = 0; k < labelCount; k++) {
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

/** Fresh optimiser state for dense training weights. */
export function createOptimiserState(weights: NgramWeights): OptimiserState {
  return { embedding: createRowAccumulators(weights.buckets), output: createRowAccumulators(weights.labelCount) };
}

/** One row-wise Adagrad step given ∂loss/∂logits (`grad`); `gradHidden` is scratch of length dim. Dense weights only. */
export function adagradStep(weights: NgramWeights, state: OptimiserState, ids: Int32Array, hidden: Float64Array, grad: Float64Array, gradHidden: Float64Array, learningRate: number): void {
  const { dim, labelCount, output, bias, embeddings } = weights;
  let hiddenSquared = 1; // the bias input
  for (let d = 0; d < dim; d++) hiddenSquared += (hidden[d] as number) * (hidden[d] as number);
  gradHidden.fill(0, 0, dim);
  for (let k = 0; k < labelCount; k++) {
    const g = grad[k] as number;
    const step = rowStepSize(state.output, k, (g * g * hiddenSquared) / dim, learningRate);
    for (let d = 0, base = k * dim; d < dim; d++) {
      gradHidden[d] = (gradHidden[d] as number) + g * (output[base + d] as number);
      output[base + d] = (output[base + d] as number) - step * g * (hidden[d] as number);
    }
    bias[k] = (bias[k] as number) - step * g;
  }
  if (ids.length === 0) return;
  // Each of the n rows gets gradHidden / n (the bag is a mean).
  let rowSquared = 0;
  for (let d = 0; d < dim; d++) {
    gradHidden[d] = (gradHidden[d] as number) / ids.length;
    rowSquared += (gradHidden[d] as number) * (gradHidden[d] as number);
  }
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as number;
    const step = rowStepSize(state.embedding, id, rowSquared / dim, learningRate);
    for (let d = 0, base = id * dim; d < dim; d++) embeddings[base + d] = (embeddings[base + d] as number) - step * (gradHidden[d] as number);
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
