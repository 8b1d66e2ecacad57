/**
 * KGW watermark (Kirchenbauer et al. 2023): in each context a keyed fraction γ of the vocabulary is
 * "green" and the sampler adds δ to green logits, so watermarked text over-uses green tokens; anyone
 * holding the key counts green tokens and gets an exact p-value from the binomial tail (Fernandez et
 * al. 2023), where the original paper's z-score is only an approximation that fails for short texts.
 */
import { binomialUpperTail } from './statistics.js';
import { createContextSeeder, MINIMUM_SCORED_TUPLES, scoredPositions, tokenHash, type ContextSeed, type DetectionOptions, type DetectionResult } from './context-prf.js';
import type { WatermarkKey } from './watermark-key.js';

const TWO_TO_32 = 0x1_0000_0000;

/** Whether `token` is green in the context `seed` for green fraction `gamma`. */
export function isGreen(seed: ContextSeed, token: number, gamma: number): boolean {
  return tokenHash(seed, token) < gamma * TWO_TO_32;
}

/** A logits processor: adds δ to the green logits of the next token, given the tokens so far (in place). */
export type KgwProcessor = (logits: Float32Array, previousTokens: readonly number[]) => void;

/** The KGW logits processor for `key`; positions with fewer than h previous tokens are left unmarked (detection skips them too). */
export function kgwProcessor(key: WatermarkKey): KgwProcessor {
  const seeder = createContextSeeder(key);
  const threshold = key.gamma * TWO_TO_32;
  return (logits, previousTokens) => {
    if (previousTokens.length < key.contextWidth) return;
    const seed = seeder(previousTokens, previousTokens.length);
    for (let token = 0; token < logits.length; token++) {
      if (tokenHash(seed, token) < threshold) logits[token] = logits[token]! + key.delta;
    }
  };
}

/** What KGW detection found. */
export interface KgwDetection extends DetectionResult {
  /** Scored tuples whose token was green. */
  green: number;
  /** (green − γN) / √(Nγ(1 − γ)), for comparison with the paper; the p-value is exact and is what to use. */
  z: number;
}

/** Scores a token sequence against a KGW key: exact binomial p-value of the green count among distinct tuples. */
export function detectKgw(key: WatermarkKey, tokens: readonly number[], options: DetectionOptions = {}): KgwDetection {
  const seeder = createContextSeeder(key);
  const positions = scoredPositions(tokens, key.contextWidth, options);
  let green = 0;
  for (const position of positions) if (isGreen(seeder(tokens, position), tokens[position]!, key.gamma)) green++;
  const scored = positions.length;
  const { p, log10P } = scored === 0 ? { p: 1, log10P: 0 } : binomialUpperTail(green, scored, key.gamma);
  const z = scored === 0 ? 0 : (green - key.gamma * scored) / Math.sqrt(scored * key.gamma * (1 - key.gamma));
  return { scored, green, pValue: p, log10P, z, enoughEvidence: scored >= MINIMUM_SCORED_TUPLES };
}
