/**
 * The Gumbel watermark (Aaronson 2022; Fernandez et al. 2023): the sampler picks argmax_v r_v^(1/p_v),
 * with r_v ∈ (0, 1) from the keyed PRF of the context. For a random key that is an exact sample from p
 * (the Gumbel-max trick), so quality is untouched, yet the chosen tokens have large r. Detection sums
 * S = Σ −ln(1 − r) over distinct tuples; without the key each term is Exp(1), so S ~ Gamma(N, 1) and
 * the p-value is the upper incomplete gamma Q(N, S).
 */
import { regularizedUpperGamma } from './statistics.js';
import { createContextSeeder, MINIMUM_SCORED_TUPLES, scoredPositions, tokenHash, type ContextSeed, type DetectionOptions, type DetectionResult } from './context-prf.js';
import type { WatermarkKey } from './watermark-key.js';

const TWO_TO_32 = 0x1_0000_0000;

/** The PRF value r ∈ (0, 1) of `token` in the context `seed` (the half-step keeps ln r and ln(1 − r) finite). */
export function gumbelUniform(seed: ContextSeed, token: number): number {
  return (tokenHash(seed, token) + 0.5) / TWO_TO_32;
}

/** A sampler: the next token from a probability vector, given the tokens so far. */
export type GumbelSampler = (probabilities: ArrayLike<number>, previousTokens: readonly number[]) => number;

/** Plain multinomial sampling, for positions with fewer than h previous tokens (they are not scored). */
function sampleMultinomial(probabilities: ArrayLike<number>, random: () => number): number {
  let total = 0;
  for (let token = 0; token < probabilities.length; token++) total += probabilities[token]!;
  let target = random() * total;
  for (let token = 0; token < probabilities.length; token++) {
    target -= probabilities[token]!;
    if (target < 0) return token;
  }
  return probabilities.length - 1;
}

/**
 * The Gumbel sampler for `key`: argmax_v ln(r_v) / p_v (the same argmax as r_v^(1/p_v), without
 * underflow). `random` only serves the first h positions. Note the choice is deterministic per context,
 * so a low-entropy model can fall into loops; a decoder should stop on repetition.
 */
export function gumbelSampler(key: WatermarkKey, random: () => number = Math.random): GumbelSampler {
  const seeder = createContextSeeder(key);
  return (probabilities, previousTokens) => {
    if (previousTokens.length < key.contextWidth) return sampleMultinomial(probabilities, random);
    const seed = seeder(previousTokens, previousTokens.length);
    let best = 0;
    let bestScore = -Infinity;
    for (let token = 0; token < probabilities.length; token++) {
      const probability = probabilities[token]!;
      if (!(probability > 0)) continue;
      const score = Math.log(gumbelUniform(seed, token)) / probability;
      if (score > bestScore) {
        bestScore = score;
        best = token;
      }
    }
    return best;
  };
}

/** What Gumbel detection found. */
export interface GumbelDetection extends DetectionResult {
  /** S = Σ −ln(1 − r) over the scored tuples (its expectation without the key is `scored`). */
  score: number;
}

/** Scores a token sequence against a Gumbel key: p = Q(N, S), the Gamma(N, 1) upper tail. */
export function detectGumbel(key: WatermarkKey, tokens: readonly number[], options: DetectionOptions = {}): GumbelDetection {
  const seeder = createContextSeeder(key);
  const positions = scoredPositions(tokens, key.contextWidth, options);
  let score = 0;
  for (const position of positions) score -= Math.log1p(-gumbelUniform(seeder(tokens, position), tokens[position]!));
  const scored = positions.length;
  const { p, log10P } = scored === 0 ? { p: 1, log10P: 0 } : regularizedUpperGamma(scored, score);
  return { scored, score, pValue: p, log10P, enoughEvidence: scored >= MINIMUM_SCORED_TUPLES };
}
