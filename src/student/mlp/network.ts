/**
 * The MLP's weights and its batched forward and backward passes:
 *   input → [dense → ReLU → inverted dropout] × hidden layers → dense → logits.
 * Buffers live in a workspace sized for one batch, so a training step allocates nothing.
 */
import type { Random } from '../../util/random.js';
import { accumulateBiasGradient, accumulateWeightGradient, backpropagateToActiveInputs, listNonzeros, multiplyAddBias, reluInPlace, transpose } from './kernels.js';

/** One dense layer: `weights` is inputs × outputs (input-major, see kernels.ts). */
export interface DenseLayer { inputs: number; outputs: number; weights: Float32Array; bias: Float32Array }

/** A whole network; `sizes` is [input, ...hidden, labels]. */
export interface MlpWeights { sizes: readonly number[]; layers: DenseLayer[] }

/** Per-batch buffers: activations[0] is the input batch, activations[last] the logits. */
export interface MlpWorkspace {
  capacity: number;
  activations: Float32Array[];
  /** gradients[l] is ∂loss/∂activations[l] (index 0 unused: inputs need no gradient). */
  gradients: Float32Array[];
  /** Nonzero lists of each layer's input, per example (from the forward pass, reused backward). */
  nonzeroIndices: Int32Array[];
  nonzeroCounts: Int32Array[];
  /** Scratch for the transposed layer input and its nonzero lists (weight gradients). */
  transposed: Float32Array;
  transposedIndices: Int32Array;
  transposedCounts: Int32Array;
  /** Multiplier of kept hidden units in the last forward pass: 1/(1 − dropout), or 1 without dropout. */
  dropoutScale: number;
}

/** Uniform in ±limit. */
function fillUniform(values: Float32Array, limit: number, random: Random): void {
  for (let index = 0; index < values.length; index++) values[index] = (random.next() * 2 - 1) * limit;
}

/** Fresh weights: He-uniform for ReLU layers, Glorot-uniform for the output layer, zero biases. */
export function createMlpWeights(sizes: readonly number[], random: Random): MlpWeights {
  if (sizes.length < 2 || sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new RangeError(`layer sizes must be positive integers, got [${sizes.join(', ')}]`);
  const layers: DenseLayer[] = [];
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const inputs = sizes[layer] as number;
    const outputs = sizes[layer + 1] as number;
    const weights = new Float32Array(inputs * outputs);
    const isOutput = layer + 2 === sizes.length;
    fillUniform(weights, Math.sqrt(6 / (isOutput ? inputs + outputs : inputs)), random);
    layers.push({ inputs, outputs, weights, bias: new Float32Array(outputs) });
  }
  return { sizes: [...sizes], layers };
}

/** Zeros with the same shapes (gradients, snapshots). */
export function zerosLike(weights: MlpWeights): MlpWeights {
  return { sizes: weights.sizes, layers: weights.layers.map((layer) => ({ ...layer, weights: new Float32Array(layer.weights.length), bias: new Float32Array(layer.bias.length) })) };
}

/** Copies every tensor of `source` into `target` (same shapes). */
export function copyMlpWeights(source: MlpWeights, target: MlpWeights): void {
  source.layers.forEach((layer, index) => {
    const into = target.layers[index] as DenseLayer;
    into.weights.set(layer.weights);
    into.bias.set(layer.bias);
  });
}

/** The weight and bias tensors in order [W0, b0, W1, b1, …] (what the optimiser walks). */
export function tensorsOf(weights: MlpWeights): Float32Array[] {
  return weights.layers.flatMap((layer) => [layer.weights, layer.bias]);
}

/** Number of weights and biases. */
export function countParameters(weights: MlpWeights): number {
  return weights.layers.reduce((sum, layer) => sum + layer.weights.length + layer.bias.length, 0);
}

/** Buffers for batches of up to `capacity` examples. */
export function createWorkspace(sizes: readonly number[], capacity: number): MlpWorkspace {
  const widest = Math.max(...sizes.slice(0, -1));
  return {
    capacity,
    activations: sizes.map((size) => new Float32Array(capacity * size)),
    gradients: sizes.map((size, index) => new Float32Array(index === 0 ? 0 : capacity * size)),
    nonzeroIndices: sizes.slice(0, -1).map((size) => new Int32Array(capacity * size)),
    nonzeroCounts: sizes.slice(0, -1).map(() => new Int32Array(capacity)),
    transposed: new Float32Array(capacity * widest),
    transposedIndices: new Int32Array(capacity * widest),
    transposedCounts: new Int32Array(widest),
    dropoutScale: 1,
  };
}

/**
 * Zeroes each unit with probability `dropout` and scales the rest by 1/(1 − dropout) (inverted
 * dropout). One draw per unit, active or not, so the mask does not depend on which units are active.
 */
function applyDropout(values: Float32Array, length: number, dropout: number, random: Random): void {
  const scale = 1 / (1 - dropout);
  for (let index = 0; index < length; index++) {
    values[index] = random.next() < dropout ? 0 : (values[index] as number) * scale;
  }
}

/**
 * Forward pass of `rows` examples already in activations[0]; logits end in the last activation.
 * With `random` and dropout > 0 hidden units are dropped (training); without, the pass is deterministic.
 */
export function forwardBatch(weights: MlpWeights, workspace: MlpWorkspace, rows: number, dropout: number, random: Random | null): void {
  const training = random !== null && dropout > 0;
  workspace.dropoutScale = training ? 1 / (1 - dropout) : 1;
  weights.layers.forEach((layer, index) => {
    const input = workspace.activations[index] as Float32Array;
    const output = workspace.activations[index + 1] as Float32Array;
    const indices = workspace.nonzeroIndices[index] as Int32Array;
    const counts = workspace.nonzeroCounts[index] as Int32Array;
    listNonzeros(input, rows, layer.inputs, indices, counts);
    multiplyAddBias(input, rows, layer.inputs, layer.weights, layer.bias, layer.outputs, output, indices, counts);
    if (index + 1 === weights.layers.length) return;
    reluInPlace(output, rows * layer.outputs);
    if (training) applyDropout(output, rows * layer.outputs, dropout, random);
  });
}

/**
 * Backward pass after forwardBatch: given ∂loss/∂logits in the last entry of `workspace.gradients`,
 * adds ∂loss/∂weights into `gradients` (zero it first for a fresh step).
 */
export function backwardBatch(weights: MlpWeights, workspace: MlpWorkspace, rows: number, gradients: MlpWeights): void {
  for (let index = weights.layers.length - 1; index >= 0; index--) {
    const layer = weights.layers[index] as DenseLayer;
    const gradientLayer = gradients.layers[index] as DenseLayer;
    const input = workspace.activations[index] as Float32Array;
    const outputGradient = workspace.gradients[index + 1] as Float32Array;
    transpose(input, rows, layer.inputs, workspace.transposed);
    listNonzeros(workspace.transposed, layer.inputs, rows, workspace.transposedIndices, workspace.transposedCounts);
    accumulateWeightGradient(workspace.transposed, rows, layer.inputs, outputGradient, layer.outputs, gradientLayer.weights, workspace.transposedIndices, workspace.transposedCounts);
    accumulateBiasGradient(outputGradient, rows, layer.outputs, gradientLayer.bias);
    if (index === 0) continue;
    backpropagateToActiveInputs(outputGradient, rows, layer.outputs, layer.weights, layer.inputs, workspace.dropoutScale, workspace.gradients[index] as Float32Array, workspace.nonzeroIndices[index] as Int32Array, workspace.nonzeroCounts[index] as Int32Array);
  }
}
