/**
 * Mini-batch training and batched evaluation of the MLP on packed vectors: gather a batch, forward
 * (with dropout while training), the shared distillation loss per example, backward, one Adam step.
 */
import { distillationLoss, softmaxWithTemperature, type DistillationOptions } from '../../train/loss.js';
import { createRandom, shuffleInPlace, type Random } from '../../util/random.js';
import type { MlpSettings } from '../../task/student-kind-settings.js';
import { adamSettings, adamStep, createAdamState, type AdamSettings, type AdamState } from './adam.js';
import type { VectorSet } from './features.js';
import { backwardBatch, createMlpWeights, createWorkspace, forwardBatch, tensorsOf, zerosLike, type MlpWeights, type MlpWorkspace } from './network.js';

/** Everything one training run owns: weights, gradients, buffers, optimiser and random state. */
export interface Trainer {
  weights: MlpWeights;
  gradients: MlpWeights;
  workspace: MlpWorkspace;
  parameters: Float32Array[];
  gradientTensors: Float32Array[];
  adam: AdamState;
  adamSettings: AdamSettings;
  random: Random;
  loss: DistillationOptions;
  mlp: MlpSettings;
  /** Scratch for one example's ∂loss/∂logits (the loss writes float64). */
  logitGradient: Float64Array;
}

/** A trainer with freshly initialised weights; `seed` decides initialisation, shuffling and dropout. */
export function createTrainer(sizes: readonly number[], mlp: MlpSettings, seed: number, loss: DistillationOptions): Trainer {
  const random = createRandom(seed);
  const weights = createMlpWeights(sizes, random);
  const gradients = zerosLike(weights);
  const parameters = tensorsOf(weights);
  return {
    weights, gradients, workspace: createWorkspace(sizes, mlp.batchSize), parameters, gradientTensors: tensorsOf(gradients),
    adam: createAdamState(parameters), adamSettings: adamSettings(mlp.learningRate), random, loss, mlp,
    logitGradient: new Float64Array(sizes[sizes.length - 1] as number),
  };
}

/** Copies examples `order[start…start+rows)` of `set` into the workspace's input rows. */
function gatherBatch(set: VectorSet, order: Int32Array, start: number, rows: number, input: Float32Array): void {
  for (let row = 0; row < rows; row++) {
    const example = order[start + row] as number;
    input.set(set.features.subarray(example * set.inputSize, (example + 1) * set.inputSize), row * set.inputSize);
  }
}

/** Writes the mean loss's gradient w.r.t. the logits of a batch and returns the summed loss. */
function batchLossGradient(trainer: Trainer, set: VectorSet, order: Int32Array, start: number, rows: number): number {
  const labelCount = trainer.logitGradient.length;
  const logits = trainer.workspace.activations[trainer.weights.sizes.length - 1] as Float32Array;
  const gradient = trainer.workspace.gradients[trainer.weights.sizes.length - 1] as Float32Array;
  let total = 0;
  for (let row = 0; row < rows; row++) {
    const example = order[start + row] as number;
    const teacher = set.hasSoft[example] === 1 ? set.soft.subarray(example * labelCount, (example + 1) * labelCount) : null;
    const offset = row * labelCount;
    total += distillationLoss(logits.subarray(offset, offset + labelCount), teacher, set.labels[example] as number, trainer.loss, trainer.logitGradient).loss;
    for (let k = 0; k < labelCount; k++) gradient[offset + k] = (trainer.logitGradient[k] as number) / rows;
  }
  return total;
}

/** One shuffled pass over `set` in mini-batches; returns the mean training loss. */
export function trainEpoch(trainer: Trainer, set: VectorSet, order: Int32Array): number {
  shuffleInPlace(order, trainer.random);
  const { workspace, weights, mlp } = trainer;
  let total = 0;
  for (let start = 0; start < set.count; start += mlp.batchSize) {
    const rows = Math.min(mlp.batchSize, set.count - start);
    gatherBatch(set, order, start, rows, workspace.activations[0] as Float32Array);
    forwardBatch(weights, workspace, rows, mlp.dropout, trainer.random);
    total += batchLossGradient(trainer, set, order, start, rows);
    for (const tensor of trainer.gradientTensors) tensor.fill(0);
    backwardBatch(weights, workspace, rows, trainer.gradients);
    adamStep(trainer.parameters, trainer.gradientTensors, trainer.adam, trainer.adamSettings);
  }
  return total / set.count;
}

/** Index of the largest of `count` values from `offset`. */
export function argmaxAt(values: ArrayLike<number>, offset: number, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if ((values[offset + k] as number) > (values[offset + best] as number)) best = k;
  return best;
}

/**
 * Runs the network without dropout over `count` vectors (count × inputSize) in workspace-sized
 * chunks, handing each chunk's logits (rows × labels) to `visit` with the index of its first row.
 */
export function forEachLogitChunk(weights: MlpWeights, workspace: MlpWorkspace, features: Float32Array, count: number, visit: (logits: Float32Array, first: number, rows: number) => void): void {
  const inputSize = weights.sizes[0] as number;
  const labelCount = weights.sizes[weights.sizes.length - 1] as number;
  for (let first = 0; first < count; first += workspace.capacity) {
    const rows = Math.min(workspace.capacity, count - first);
    (workspace.activations[0] as Float32Array).set(features.subarray(first * inputSize, (first + rows) * inputSize));
    forwardBatch(weights, workspace, rows, 0, null);
    visit((workspace.activations[weights.sizes.length - 1] as Float32Array).subarray(0, rows * labelCount), first, rows);
  }
}

/** Mean distillation loss and agreement with the hard labels over a packed set. */
export function evaluateSet(weights: MlpWeights, workspace: MlpWorkspace, set: VectorSet, loss: DistillationOptions, scratch: Float64Array): { loss: number; agreement: number } {
  const labelCount = scratch.length;
  let total = 0;
  let agree = 0;
  forEachLogitChunk(weights, workspace, set.features, set.count, (logits, first, rows) => {
    for (let row = 0; row < rows; row++) {
      const example = first + row;
      const teacher = set.hasSoft[example] === 1 ? set.soft.subarray(example * labelCount, (example + 1) * labelCount) : null;
      total += distillationLoss(logits.subarray(row * labelCount, (row + 1) * labelCount), teacher, set.labels[example] as number, loss, scratch).loss;
      if (argmaxAt(logits, row * labelCount, labelCount) === set.labels[example]) agree++;
    }
  });
  return { loss: total / set.count, agreement: agree / set.count };
}

/** softmax(logits) for `count` vectors, written into `out` (count × labels). */
export function probabilitiesOf(weights: MlpWeights, workspace: MlpWorkspace, features: Float32Array, count: number, out: Float32Array): void {
  const labelCount = weights.sizes[weights.sizes.length - 1] as number;
  forEachLogitChunk(weights, workspace, features, count, (logits, first, rows) => {
    for (let row = 0; row < rows; row++) {
      softmaxWithTemperature(logits.subarray(row * labelCount, (row + 1) * labelCount), 1, out.subarray((first + row) * labelCount, (first + row + 1) * labelCount));
    }
  });
}
