/**
 * The bag-MLP's dense part: embedding-bag mean (the n-gram student's rows) → ReLU layers → logits,
 * one example at a time. Per-example steps keep the embedding update sparse (only the example's rows
 * move, by row-wise Adagrad as in the n-gram student); the small dense layers take Adam steps.
 */
import { adamSettings, adamStep, createAdamState, type AdamSettings, type AdamState } from '../mlp/adam.js';
import type { Random } from '../../util/random.js';
import { createRowAccumulators, rowStepSize, type RowAccumulators } from '../../train/row-adagrad.js';
import { embedMean, type NgramWeights } from '../ngram/model.js';

/** One dense layer, output-major: weights[o·inputs + i] joins input i to output o. */
export interface DenseLayer { inputs: number; outputs: number; weights: Float32Array; bias: Float32Array }

/**
 * All weights: the embedding table (an n-gram table without its output layer), the dense layers (the
 * last one giving logits) and, with `wide`, one row of logits per bucket summed over the text's features
 * (a linear model over feature counts beside the deep part, as Wide & Deep / TF's DNNLinearCombinedClassifier).
 * The wide rows share the bag's bucket → row map.
 */
export interface BagMlpWeights { bag: NgramWeights; layers: DenseLayer[]; wide: Float32Array | null }

/** Activations of one example (input side first) and their gradients, reused for every example. */
export interface Scratch { activations: Float64Array[]; gradients: Float64Array[]; dropScale: number }

/** He-uniform dense layers of the given widths, seeded. */
export function createLayers(sizes: readonly number[], random: Random): DenseLayer[] {
  const layers: DenseLayer[] = [];
  for (let index = 1; index < sizes.length; index++) {
    const inputs = sizes[index - 1] as number;
    const outputs = sizes[index] as number;
    const limit = Math.sqrt(6 / inputs);
    const weights = new Float32Array(inputs * outputs);
    for (let k = 0; k < weights.length; k++) weights[k] = (random.next() * 2 - 1) * limit;
    layers.push({ inputs, outputs, weights, bias: new Float32Array(outputs) });
  }
  return layers;
}

/** Buffers for one example through layers of `sizes` (input width first). */
export function createScratch(sizes: readonly number[]): Scratch {
  return { activations: sizes.map((size) => new Float64Array(size)), gradients: sizes.map((size) => new Float64Array(size)), dropScale: 1 };
}

/** Forward pass; with `dropout` > 0 and a random source, hidden units are dropped (inverted dropout). Returns the logits buffer. */
export function forward(weights: BagMlpWeights, ids: Int32Array, scratch: Scratch, dropout = 0, random: Random | null = null): Float64Array {
  embedMean(weights.bag, ids, scratch.activations[0] as Float64Array);
  const last = weights.layers.length - 1;
  const keep = 1 - dropout;
  scratch.dropScale = random !== null && dropout > 0 ? 1 / keep : 1;
  weights.layers.forEach((layer, index) => {
    const input = scratch.activations[index] as Float64Array;
    const output = scratch.activations[index + 1] as Float64Array;
    for (let o = 0; o < layer.outputs; o++) {
      let sum = layer.bias[o] as number;
      for (let i = 0, base = o * layer.inputs; i < layer.inputs; i++) sum += (layer.weights[base + i] as number) * (input[i] as number);
      if (index < last) {
        sum = sum > 0 ? sum : 0;
        if (scratch.dropScale !== 1) sum = (random as Random).next() < keep ? sum * scratch.dropScale : 0;
      }
      output[o] = sum;
    }
  });
  const logits = scratch.activations[weights.layers.length] as Float64Array;
  if (weights.wide !== null) addWide(weights.bag, weights.wide, ids, logits);
  return logits;
}

/** logits += Σ over the text's features of their wide rows (a feature seen twice counts twice). */
function addWide(bag: NgramWeights, wide: Float32Array, ids: Int32Array, logits: Float64Array): void {
  const labelCount = logits.length;
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as number;
    const row = bag.rowOf === null ? id : (bag.rowOf[id] as number);
    if (row < 0) continue;
    for (let k = 0, base = row * labelCount; k < labelCount; k++) logits[k] = (logits[k] as number) + (wide[base + k] as number);
  }
}

/** Optimiser state: Adam over the dense tensors (with their gradient buffers) and Adagrad per embedding row. */
export interface BagMlpOptimiser { adam: AdamState; settings: AdamSettings; gradients: Float32Array[]; rows: RowAccumulators; embeddingRate: number; wideRows: RowAccumulators; wideCounts: Int32Array; wideRate: number }

/** Fresh optimiser state for `weights`. */
export function createOptimiser(weights: BagMlpWeights, learningRate: number, embeddingRate: number, wideRate = 0): BagMlpOptimiser {
  const parameters = denseTensors(weights);
  return {
    adam: createAdamState(parameters), settings: adamSettings(learningRate), gradients: parameters.map((tensor) => new Float32Array(tensor.length)),
    rows: createRowAccumulators(weights.bag.buckets), embeddingRate, wideRows: createRowAccumulators(weights.wide === null ? 0 : weights.bag.buckets), wideCounts: new Int32Array(weights.wide === null ? 0 : weights.bag.buckets), wideRate,
  };
}

/** The dense tensors in a fixed order (weights, bias per layer): what Adam steps and the file stores. */
export function denseTensors(weights: BagMlpWeights): Float32Array[] {
  return weights.layers.flatMap((layer) => [layer.weights, layer.bias]);
}

/** Back-propagates ∂loss/∂logits (`logitGradient`) from the last forward pass and takes one step. */
export function step(weights: BagMlpWeights, ids: Int32Array, scratch: Scratch, logitGradient: Float64Array, optimiser: BagMlpOptimiser): void {
  const { layers } = weights;
  (scratch.gradients[layers.length] as Float64Array).set(logitGradient.subarray(0, (layers[layers.length - 1] as DenseLayer).outputs));
  for (let index = layers.length - 1; index >= 0; index--) {
    const layer = layers[index] as DenseLayer;
    const input = scratch.activations[index] as Float64Array;
    const outputGradient = scratch.gradients[index + 1] as Float64Array;
    const inputGradient = scratch.gradients[index] as Float64Array;
    const weightGradient = optimiser.gradients[2 * index] as Float32Array;
    const biasGradient = optimiser.gradients[2 * index + 1] as Float32Array;
    inputGradient.fill(0);
    for (let o = 0; o < layer.outputs; o++) {
      const g = outputGradient[o] as number;
      biasGradient[o] = g;
      for (let i = 0, base = o * layer.inputs; i < layer.inputs; i++) {
        weightGradient[base + i] = g * (input[i] as number);
        inputGradient[i] = (inputGradient[i] as number) + g * (layer.weights[base + i] as number);
      }
    }
    // Through ReLU and dropout of the layer below: a unit that is 0 passed no gradient; a kept one was scaled.
    if (index > 0) for (let i = 0; i < layer.inputs; i++) inputGradient[i] = (input[i] as number) > 0 ? (inputGradient[i] as number) * scratch.dropScale : 0;
  }
  adamStep(denseTensors(weights), optimiser.gradients, optimiser.adam, optimiser.settings);
  stepEmbeddingRows(weights.bag, ids, scratch.gradients[0] as Float64Array, optimiser);
  if (weights.wide !== null) stepWideRows(weights.wide, ids, logitGradient, optimiser);
}

/**
 * The wide part is a sum, so a row's gradient is the logit gradient times how often its feature occurs
 * in the text; each distinct row takes one row-wise Adagrad step on that (its count is tallied in
 * `wideCounts`, all zero again on return).
 */
function stepWideRows(wide: Float32Array, ids: Int32Array, logitGradient: Float64Array, optimiser: BagMlpOptimiser): void {
  const labelCount = wide.length / optimiser.wideRows.length;
  const counts = optimiser.wideCounts;
  let squared = 0;
  for (let k = 0; k < labelCount; k++) squared += (logitGradient[k] as number) * (logitGradient[k] as number);
  for (let index = 0; index < ids.length; index++) counts[ids[index] as number] = (counts[ids[index] as number] as number) + 1;
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as number;
    const count = counts[id] as number;
    if (count === 0) continue; // a repeat of a row already stepped
    counts[id] = 0;
    const step = count * rowStepSize(optimiser.wideRows, id, (count * count * squared) / labelCount, optimiser.wideRate);
    for (let k = 0, base = id * labelCount; k < labelCount; k++) wide[base + k] = (wide[base + k] as number) - step * (logitGradient[k] as number);
  }
}

/** Each of the bag's n rows gets 1/n of the mean's gradient, stepped by its own Adagrad rate. */
function stepEmbeddingRows(bag: NgramWeights, ids: Int32Array, meanGradient: Float64Array, optimiser: BagMlpOptimiser): void {
  if (ids.length === 0) return;
  const { dim, embeddings } = bag;
  let rowSquared = 0;
  for (let d = 0; d < dim; d++) {
    meanGradient[d] = (meanGradient[d] as number) / ids.length;
    rowSquared += (meanGradient[d] as number) * (meanGradient[d] as number);
  }
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as number;
    const rate = rowStepSize(optimiser.rows, id, rowSquared / dim, optimiser.embeddingRate);
    for (let d = 0, base = id * dim; d < dim; d++) embeddings[base + d] = (embeddings[base + d] as number) - rate * (meanGradient[d] as number);
  }
}

/** Copies every tensor of `source` into `target` (same shapes): keeps or restores the best epoch. */
export function copyInto(source: BagMlpWeights, target: BagMlpWeights): void {
  target.bag.embeddings.set(source.bag.embeddings);
  if (source.wide !== null) target.wide?.set(source.wide);
  source.layers.forEach((layer, index) => {
    (target.layers[index] as DenseLayer).weights.set(layer.weights);
    (target.layers[index] as DenseLayer).bias.set(layer.bias);
  });
}

/** A deep copy (for the best-epoch snapshot). */
export function cloneWeights(weights: BagMlpWeights): BagMlpWeights {
  return {
    bag: { ...weights.bag, embeddings: weights.bag.embeddings.slice() },
    wide: weights.wide === null ? null : weights.wide.slice(),
    layers: weights.layers.map((layer) => ({ ...layer, weights: layer.weights.slice(), bias: layer.bias.slice() })),
  };
}
