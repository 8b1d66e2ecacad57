/**
 * The transformer run one token at a time with a key/value cache: the decoder's StepModel.
 * Same arithmetic as transformer.ts (the tests check the two agree), with every buffer allocated
 * once per cache so a generation step allocates nothing. No Node built-ins: runs in browsers.
 */
import { headWidth } from './config.js';
import { ContextLengthError } from './errors.js';
import { addInPlace, rmsNorm, rotaryTable, rotate, swiglu, type RotaryTable } from './kernels.js';
import { residentMatrices, type ResidentMatrix } from './resident-matrices.js';
import type { StepModel } from './step-model.js';
import type { LanguageModelWeights } from './weights.js';

/** Keys and values of every past position, and scratch for one step. */
export interface KeyValueCache {
  keys: Float32Array[];
  values: Float32Array[];
  /** Positions filled so far. */
  length: number;
  residual: Float32Array; normed: Float32Array; inverseRms: Float32Array; query: Float32Array; key: Float32Array; value: Float32Array;
  attention: Float32Array; projected: Float32Array; gate: Float32Array; up: Float32Array; hidden: Float32Array; scores: Float32Array; logits: Float32Array;
}

/** The transpose of a rows × columns matrix. */
function transposed(matrix: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let row = 0; row < rows; row++) for (let column = 0; column < columns; column++) out[column * rows + row] = matrix[row * columns + column] as number;
  return out;
}

/**
 * A StepModel over trained weights (read once: later changes to them are not seen). The matrices
 * are kept in a WebAssembly SIMD kernel's memory unless `wasm` is false or the runtime lacks it.
 */
export function transformerStepModel(weights: LanguageModelWeights, options: { wasm?: boolean } = {}): StepModel<KeyValueCache> {
  const { config } = weights;
  const { width, hiddenWidth, heads, keyValueHeads, context, normEpsilon } = config;
  const size = headWidth(config);
  const keyValueWidth = keyValueHeads * size;
  const group = heads / keyValueHeads;
  const scale = 1 / Math.sqrt(size);
  const rotary: RotaryTable = rotaryTable(context, size, config.ropeTheta);
  const store = residentMatrices(Math.max(width, hiddenWidth, config.vocabularySize), options.wasm ?? true);
  const resident = weights.blocks.map((block) => ({
    query: store.add(block.query, width, width), key: store.add(block.key, width, keyValueWidth), value: store.add(block.value, width, keyValueWidth),
    output: store.add(block.output, width, width), gate: store.add(block.gate, width, hiddenWidth), up: store.add(block.up, width, hiddenWidth), down: store.add(block.down, hiddenWidth, width),
  }));
  // Tied output: logits = x̂ · Eᵀ.
  const unembedding: ResidentMatrix = store.add(transposed(weights.embedding, config.vocabularySize, width), width, config.vocabularySize);

  const newCache = (): KeyValueCache => ({
    keys: weights.blocks.map(() => new Float32Array(context * keyValueWidth)),
    values: weights.blocks.map(() => new Float32Array(context * keyValueWidth)),
    length: 0,
    residual: new Float32Array(width), normed: new Float32Array(width), inverseRms: new Float32Array(1), query: new Float32Array(width),
    key: new Float32Array(keyValueWidth), value: new Float32Array(keyValueWidth), attention: new Float32Array(width), projected: new Float32Array(width),
    gate: new Float32Array(hiddenWidth), up: new Float32Array(hiddenWidth), hidden: new Float32Array(hiddenWidth), scores: new Float32Array(context),
    logits: new Float32Array(config.vocabularySize),
  });

  /** Attention of the current query over positions 0..position of one layer's cache. */
  const attend = (cache: KeyValueCache, keys: Float32Array, values: Float32Array, position: number): void => {
    const { query, attention, scores } = cache;
    attention.fill(0);
    for (let head = 0; head < heads; head++) {
      const queryBase = head * size;
      const keyOffset = Math.floor(head / group) * size;
      let max = -Infinity;
      for (let s = 0; s <= position; s++) {
        let dot = 0;
        for (let d = 0, keyBase = s * keyValueWidth + keyOffset; d < size; d++) dot += (query[queryBase + d] as number) * (keys[keyBase + d] as number);
        scores[s] = dot * scale;
        if (dot * scale > max) max = dot * scale;
      }
      let sum = 0;
      for (let s = 0; s <= position; s++) { const e = Math.exp((scores[s] as number) - max); scores[s] = e; sum += e; }
      for (let s = 0; s <= position; s++) {
        const p = (scores[s] as number) / sum;
        for (let d = 0, valueBase = s * keyValueWidth + keyOffset; d < size; d++) attention[queryBase + d] = (attention[queryBase + d] as number) + p * (values[valueBase + d] as number);
      }
    }
  };

  const forwardStep = (token: number, position: number, cache: KeyValueCache): Float32Array => {
    if (position >= context) throw new ContextLengthError(`position ${position} is past the model's context of ${context} tokens`);
    if (position !== cache.length) throw new RangeError(`forwardStep expects position ${cache.length}, got ${position}`);
    if (!(token >= 0 && token < config.vocabularySize)) throw new RangeError(`token ${token} is outside the vocabulary of ${config.vocabularySize}`);
    const { residual, normed, inverseRms } = cache;
    residual.set(weights.embedding.subarray(token * width, (token + 1) * width));
    weights.blocks.forEach((block, index) => {
      const keys = cache.keys[index] as Float32Array;
      const values = cache.values[index] as Float32Array;
      const matrices = resident[index] as (typeof resident)[number];
      rmsNorm(residual, block.attentionNorm, normed, inverseRms, 1, width, normEpsilon);
      store.multiplyVector(normed, matrices.query, cache.query);
      store.multiplyVector(normed, matrices.key, cache.key);
      store.multiplyVector(normed, matrices.value, cache.value);
      rotate(cache.query, 0, heads, position, rotary, 1);
      rotate(cache.key, 0, keyValueHeads, position, rotary, 1);
      keys.set(cache.key, position * keyValueWidth);
      values.set(cache.value, position * keyValueWidth);
      attend(cache, keys, values, position);
      store.multiplyVector(cache.attention, matrices.output, cache.projected);
      addInPlace(residual, cache.projected, width);
      rmsNorm(residual, block.mlpNorm, normed, inverseRms, 1, width, normEpsilon);
      store.multiplyVector(normed, matrices.gate, cache.gate);
      store.multiplyVector(normed, matrices.up, cache.up);
      swiglu(cache.gate, cache.up, cache.hidden, hiddenWidth);
      store.multiplyVector(cache.hidden, matrices.down, cache.projected);
      addInPlace(residual, cache.projected, width);
    });
    cache.length = position + 1;
    rmsNorm(residual, weights.finalNorm, normed, inverseRms, 1, width, normEpsilon);
    store.multiplyVector(normed, unembedding, cache.logits);
    return cache.logits;
  };

  return { vocabularySize: config.vocabularySize, context, newCache, forwardStep };
}
