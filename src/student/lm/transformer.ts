/**
 * The transformer's training pass over a whole batch × sequence as one matrix: `forward` fills a
 * workspace with every activation the backward pass needs and returns the logits; `backward` takes
 * ∂L/∂logits and accumulates into a gradient set shaped like the weights. Buffers are allocated
 * once per workspace and reused for every batch that fits.
 */
import { attentionBackward, attentionForward, type AttentionShape } from './attention.js';
import { headWidth, type LanguageModelConfig } from './config.js';
import { addInPlace, rmsNorm, rmsNormBackward, rotaryTable, rotate, swiglu, swigluBackward, type RotaryTable } from './kernels.js';
import { accumulateTransposedProduct, product as multiply, productTransposed as multiplyTransposed } from './matmul.js';
import type { LanguageModelWeights } from './weights.js';

/** One block's saved activations. */
interface BlockActivations {
  input: Float32Array; normed: Float32Array; inverseRms: Float32Array;
  query: Float32Array; key: Float32Array; value: Float32Array; probabilities: Float32Array; attention: Float32Array;
  middle: Float32Array; mlpNormed: Float32Array; mlpInverseRms: Float32Array; gate: Float32Array; up: Float32Array; hidden: Float32Array;
}

/** Activations and scratch for `batch` sequences of up to `capacity` positions; passes run on `length` of them. */
export interface Workspace {
  batch: number;
  capacity: number;
  /** Positions per sequence in the current passes (≤ capacity); rows = batch · length. */
  length: number;
  rows: number;
  tokens: Int32Array;
  blocks: BlockActivations[];
  residual: Float32Array; finalNormed: Float32Array; finalInverseRms: Float32Array; logits: Float32Array;
  gradients: { residual: Float32Array; normed: Float32Array; query: Float32Array; key: Float32Array; value: Float32Array; attention: Float32Array; gate: Float32Array; up: Float32Array; hidden: Float32Array; scores: Float32Array };
  rotary: RotaryTable;
  shape: AttentionShape;
}

/** Allocates a workspace for `batch` sequences of `length` tokens. */
export function createWorkspace(config: LanguageModelConfig, batch: number, length: number): Workspace {
  const rows = batch * length;
  const { width, hiddenWidth, heads, vocabularySize } = config;
  const keyValueWidth = config.keyValueHeads * headWidth(config);
  const matrix = (columns: number): Float32Array => new Float32Array(rows * columns);
  const blocks = Array.from({ length: config.layers }, (): BlockActivations => ({
    input: matrix(width), normed: matrix(width), inverseRms: new Float32Array(rows),
    query: matrix(width), key: matrix(keyValueWidth), value: matrix(keyValueWidth), probabilities: new Float32Array(batch * heads * length * length), attention: matrix(width),
    middle: matrix(width), mlpNormed: matrix(width), mlpInverseRms: new Float32Array(rows), gate: matrix(hiddenWidth), up: matrix(hiddenWidth), hidden: matrix(hiddenWidth),
  }));
  return {
    batch, capacity: length, rows, length, tokens: new Int32Array(rows), blocks,
    residual: matrix(width), finalNormed: matrix(width), finalInverseRms: new Float32Array(rows), logits: matrix(vocabularySize),
    gradients: { residual: matrix(width), normed: matrix(width), query: matrix(width), key: matrix(keyValueWidth), value: matrix(keyValueWidth), attention: matrix(width), gate: matrix(hiddenWidth), up: matrix(hiddenWidth), hidden: matrix(hiddenWidth), scores: new Float32Array(length * length + 2 * length) },
    rotary: rotaryTable(config.context, headWidth(config), config.ropeTheta),
    shape: { batch, length, heads, keyValueHeads: config.keyValueHeads, headWidth: headWidth(config) },
  };
}

/**
 * Makes the next passes run on `length` positions per sequence (at most the workspace's capacity),
 * so a batch of short sequences is not padded to the longest in the data.
 */
export function setWorkspaceLength(workspace: Workspace, length: number): void {
  if (!(length >= 1 && length <= workspace.capacity)) throw new RangeError(`workspace holds ${workspace.capacity} positions per sequence, not ${length}`);
  workspace.length = length;
  workspace.rows = workspace.batch * length;
  workspace.shape = { ...workspace.shape, length };
}

/** Rotates every row's heads by its position (row mod length). */
function rotateRows(values: Float32Array, rows: number, length: number, rowWidth: number, heads: number, table: RotaryTable, direction: 1 | -1): void {
  for (let row = 0; row < rows; row++) rotate(values, row * rowWidth, heads, row % length, table, direction);
}

/**
 * Runs the model over `tokens` (batch × length, batch-major) and returns the logits
 * (batch·length × vocabulary, a view into the workspace valid until the next call).
 */
export function forward(weights: LanguageModelWeights, tokens: Int32Array, workspace: Workspace): Float32Array {
  const { config } = weights;
  const { rows, length, rotary, shape } = workspace;
  const { width, hiddenWidth, normEpsilon } = config;
  const keyValueWidth = config.keyValueHeads * shape.headWidth;
  workspace.tokens.set(tokens.subarray(0, rows));
  const residual = workspace.residual;
  for (let row = 0; row < rows; row++) residual.set(weights.embedding.subarray((tokens[row] as number) * width, ((tokens[row] as number) + 1) * width), row * width);
  weights.blocks.forEach((block, index) => {
    const saved = workspace.blocks[index] as BlockActivations;
    saved.input.set(residual);
    rmsNorm(residual, block.attentionNorm, saved.normed, saved.inverseRms, rows, width, normEpsilon);
    multiply(saved.normed, block.query, saved.query, rows, width, width);
    multiply(saved.normed, block.key, saved.key, rows, width, keyValueWidth);
    multiply(saved.normed, block.value, saved.value, rows, width, keyValueWidth);
    rotateRows(saved.query, rows, length, width, config.heads, rotary, 1);
    rotateRows(saved.key, rows, length, keyValueWidth, config.keyValueHeads, rotary, 1);
    attentionForward(saved.query, saved.key, saved.value, saved.attention, saved.probabilities, shape);
    multiply(saved.attention, block.output, saved.middle, rows, width, width);
    addInPlace(saved.middle, residual, rows * width);
    rmsNorm(saved.middle, block.mlpNorm, saved.mlpNormed, saved.mlpInverseRms, rows, width, normEpsilon);
    multiply(saved.mlpNormed, block.gate, saved.gate, rows, width, hiddenWidth);
    multiply(saved.mlpNormed, block.up, saved.up, rows, width, hiddenWidth);
    swiglu(saved.gate, saved.up, saved.hidden, rows * hiddenWidth);
    multiply(saved.hidden, block.down, residual, rows, hiddenWidth, width);
    addInPlace(residual, saved.middle, rows * width);
  });
  rmsNorm(residual, weights.finalNorm, workspace.finalNormed, workspace.finalInverseRms, rows, width, normEpsilon);
  multiplyTransposed(workspace.finalNormed, weights.embedding, workspace.logits, rows, width, config.vocabularySize);
  return workspace.logits;
}

/**
 * Backward pass after `forward` on the same workspace: accumulates ∂L/∂weights into `gradients`
 * from `logitsGradient` (rows × vocabulary; may be the workspace's logits buffer, overwritten in place).
 */
export function backward(weights: LanguageModelWeights, workspace: Workspace, logitsGradient: Float32Array, gradients: LanguageModelWeights): void {
  const { config } = weights;
  const { rows, length, rotary, shape } = workspace;
  const { width, hiddenWidth, vocabularySize } = config;
  const keyValueWidth = config.keyValueHeads * shape.headWidth;
  const scratch = workspace.gradients;
  const residualGradient = scratch.residual;
  // Tied output: logits = x̂·Eᵀ, so ∂x̂ = ∂logits·E and ∂E += ∂logitsᵀ·x̂.
  multiply(logitsGradient, weights.embedding, scratch.normed, rows, vocabularySize, width);
  accumulateTransposedProduct(logitsGradient, workspace.finalNormed, gradients.embedding, rows, vocabularySize, width);
  residualGradient.fill(0);
  rmsNormBackward(workspace.residual, weights.finalNorm, workspace.finalInverseRms, scratch.normed, residualGradient, gradients.finalNorm, rows, width);
  for (let index = config.layers - 1; index >= 0; index--) {
    const block = weights.blocks[index] as LanguageModelWeights['blocks'][number];
    const blockGradient = gradients.blocks[index] as LanguageModelWeights['blocks'][number];
    const saved = workspace.blocks[index] as BlockActivations;
    // MLP: residual = middle + down(swiglu(gate, up)).
    multiplyTransposed(residualGradient, block.down, scratch.hidden, rows, width, hiddenWidth);
    accumulateTransposedProduct(saved.hidden, residualGradient, blockGradient.down, rows, hiddenWidth, width);
    swigluBackward(saved.gate, saved.up, scratch.hidden, scratch.gate, scratch.up, rows * hiddenWidth);
    accumulateTransposedProduct(saved.mlpNormed, scratch.gate, blockGradient.gate, rows, width, hiddenWidth);
    accumulateTransposedProduct(saved.mlpNormed, scratch.up, blockGradient.up, rows, width, hiddenWidth);
    multiplyTransposed(scratch.gate, block.gate, scratch.normed, rows, hiddenWidth, width);
    multiplyTransposed(scratch.up, block.up, scratch.attention, rows, hiddenWidth, width);
    addInPlace(scratch.normed, scratch.attention, rows * width);
    rmsNormBackward(saved.middle, block.mlpNorm, saved.mlpInverseRms, scratch.normed, residualGradient, blockGradient.mlpNorm, rows, width);
    // Attention: middle = input + output(attention(rope(q), rope(k), v)).
    multiplyTransposed(residualGradient, block.output, scratch.attention, rows, width, width);
    accumulateTransposedProduct(saved.attention, residualGradient, blockGradient.output, rows, width, width);
    scratch.key.fill(0);
    scratch.value.fill(0);
    attentionBackward(saved.query, saved.key, saved.value, saved.probabilities, scratch.attention, scratch.query, scratch.key, scratch.value, scratch.scores, shape);
    rotateRows(scratch.query, rows, length, width, config.heads, rotary, -1);
    rotateRows(scratch.key, rows, length, keyValueWidth, config.keyValueHeads, rotary, -1);
    accumulateTransposedProduct(saved.normed, scratch.query, blockGradient.query, rows, width, width);
    accumulateTransposedProduct(saved.normed, scratch.key, blockGradient.key, rows, width, keyValueWidth);
    accumulateTransposedProduct(saved.normed, scratch.value, blockGradient.value, rows, width, keyValueWidth);
    multiplyTransposed(scratch.query, block.query, scratch.normed, rows, width, width);
    multiplyTransposed(scratch.key, block.key, scratch.attention, rows, keyValueWidth, width);
    addInPlace(scratch.normed, scratch.attention, rows * width);
    multiplyTransposed(scratch.value, block.value, scratch.attention, rows, keyValueWidth, width);
    addInPlace(scratch.normed, scratch.attention, rows * width);
    rmsNormBackward(saved.input, block.attentionNorm, saved.inverseRms, scratch.normed, residualGradient, blockGradient.attentionNorm, rows, width);
  }
  for (let row = 0; row < rows; row++) {
    const base = (workspace.tokens[row] as number) * width;
    for (let j = 0; j < width; j++) gradients.embedding[base + j] = (gradients.embedding[base + j] as number) + (residualGradient[row * width + j] as number);
  }
}
