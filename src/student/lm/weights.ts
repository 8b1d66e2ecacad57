/**
 * The model's weights: one tied token embedding (vocabulary × width), per block two RMSNorm gains
 * and seven matrices stored input-major (width × outputs, so x·W walks rows in order), and a final
 * norm gain. Gradients and optimiser moments use the same shape.
 */
import { createRandom } from '../../util/random.js';
import { headWidth, type LanguageModelConfig } from './config.js';

/** One transformer block's weights. */
export interface BlockWeights {
  attentionNorm: Float32Array;
  query: Float32Array;
  key: Float32Array;
  value: Float32Array;
  output: Float32Array;
  mlpNorm: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

/** Every weight of one model. */
export interface LanguageModelWeights {
  config: LanguageModelConfig;
  embedding: Float32Array;
  blocks: BlockWeights[];
  finalNorm: Float32Array;
}

/** Names of a block's tensors, in storage order. */
export const BLOCK_TENSORS = ['attentionNorm', 'query', 'key', 'value', 'output', 'mlpNorm', 'gate', 'up', 'down'] as const;

/** Rows × columns of each named tensor of a block (norms are 1 × width). */
export function blockShapes(config: LanguageModelConfig): Record<(typeof BLOCK_TENSORS)[number], [number, number]> {
  const { width, hiddenWidth } = config;
  const keyValueWidth = config.keyValueHeads * headWidth(config);
  return {
    attentionNorm: [1, width], query: [width, width], key: [width, keyValueWidth], value: [width, keyValueWidth], output: [width, width],
    mlpNorm: [1, width], gate: [width, hiddenWidth], up: [width, hiddenWidth], down: [hiddenWidth, width],
  };
}

/** All-zero weights of this shape (also the shape of gradients and moments). */
export function zeroWeights(config: LanguageModelConfig): LanguageModelWeights {
  const shapes = blockShapes(config);
  const block = (): BlockWeights => Object.fromEntries(BLOCK_TENSORS.map((name) => [name, new Float32Array(shapes[name][0] * shapes[name][1])])) as unknown as BlockWeights;
  return {
    config,
    embedding: new Float32Array(config.vocabularySize * config.width),
    blocks: Array.from({ length: config.layers }, block),
    finalNorm: new Float32Array(config.width),
  };
}

/** Every tensor with its name, in storage order (embedding, blocks, final norm). */
export function namedTensors(weights: LanguageModelWeights): Array<[string, Float32Array]> {
  const named: Array<[string, Float32Array]> = [['embedding', weights.embedding]];
  weights.blocks.forEach((block, index) => { for (const name of BLOCK_TENSORS) named.push([`blocks.${index}.${name}`, block[name]]); });
  named.push(['finalNorm', weights.finalNorm]);
  return named;
}

/** True for norm gains (no weight decay, initialised to 1). */
export const isNormGain = (name: string): boolean => name.endsWith('Norm');

/** A standard normal sample from a uniform source (Box–Muller). */
function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/**
 * GPT-2-style initialisation, deterministic for a seed: N(0, 0.02) everywhere, the two projections
 * back into the residual stream (attention output, MLP down) scaled by 1/√(2·layers), gains at 1.
 */
export function initialWeights(config: LanguageModelConfig, seed: number): LanguageModelWeights {
  const weights = zeroWeights(config);
  const random = createRandom(seed);
  const residualScale = 1 / Math.sqrt(2 * config.layers);
  for (const [name, tensor] of namedTensors(weights)) {
    if (isNormGain(name)) { tensor.fill(1); continue; }
    const deviation = name.endsWith('.output') || name.endsWith('.down') ? 0.02 * residualScale : 0.02;
    for (let index = 0; index < tensor.length; index++) tensor[index] = deviation * gaussian(random.next);
  }
  return weights;
}

/** A deep copy of `weights`. */
export function cloneWeights(weights: LanguageModelWeights): LanguageModelWeights {
  const copy = zeroWeights(weights.config);
  const targets = namedTensors(copy);
  namedTensors(weights).forEach(([, tensor], index) => (targets[index] as [string, Float32Array])[1].set(tensor));
  return copy;
}
