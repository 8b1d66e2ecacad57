/**
 * The language-model student's one typed config (nanoGPT style): a decoder-only Llama-family
 * transformer — tied token embeddings, RMSNorm, rotary position embeddings (interleaved pairs, as
 * llama.cpp's `llama` architecture expects), causal self-attention with optional grouped-query
 * heads, and a SwiGLU MLP.
 */
import { LanguageModelConfigError } from './errors.js';

/** The shape of one model. */
export interface LanguageModelConfig {
  /** Tokens in the vocabulary (rows of the tied embedding). */
  vocabularySize: number;
  /** Width of the residual stream. */
  width: number;
  /** Transformer blocks. */
  layers: number;
  /** Query heads; `width` must divide by it. */
  heads: number;
  /** Key/value heads (grouped-query attention); `heads` must divide by it. Equal to `heads` for plain multi-head. */
  keyValueHeads: number;
  /** Hidden width of the SwiGLU MLP. */
  hiddenWidth: number;
  /** Longest sequence (prompt + answer) in tokens. */
  context: number;
  /** Base of the rotary frequencies. */
  ropeTheta: number;
  /** ε inside RMSNorm's square root. */
  normEpsilon: number;
}

/** A small default (~0.9M parameters at a 1024-token vocabulary). */
export const DEFAULT_CONFIG: Readonly<LanguageModelConfig> = Object.freeze({
  vocabularySize: 1024,
  width: 128,
  layers: 4,
  heads: 4,
  keyValueHeads: 4,
  hiddenWidth: 352,
  context: 256,
  ropeTheta: 10000,
  normEpsilon: 1e-5,
});

/** Width of one attention head. */
export const headWidth = (config: LanguageModelConfig): number => config.width / config.heads;

/** Fills defaults and checks that the shapes fit together. */
export function languageModelConfig(overrides: Partial<LanguageModelConfig> = {}): LanguageModelConfig {
  const config = { ...DEFAULT_CONFIG, ...overrides };
  for (const [name, value] of Object.entries(config)) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw new LanguageModelConfigError(`language-model config: ${name} must be a positive number, got ${String(value)}`);
  }
  if (config.width % config.heads !== 0) throw new LanguageModelConfigError(`language-model config: width ${config.width} does not divide into ${config.heads} heads`);
  if (headWidth(config) % 2 !== 0) throw new LanguageModelConfigError(`language-model config: head width ${headWidth(config)} must be even for rotary embeddings`);
  if (config.heads % config.keyValueHeads !== 0) throw new LanguageModelConfigError(`language-model config: ${config.heads} heads do not divide into ${config.keyValueHeads} key/value heads`);
  return config;
}

/** Number of parameters of a model of this shape (the tied embedding counted once). */
export function parameterCountOf(config: LanguageModelConfig): number {
  const keyValueWidth = config.keyValueHeads * headWidth(config);
  const attention = 2 * config.width * config.width + 2 * config.width * keyValueWidth;
  const mlp = 3 * config.width * config.hiddenWidth;
  return config.vocabularySize * config.width + config.layers * (attention + mlp + 2 * config.width) + config.width;
}
