/**
 * Picks the next token from logits: greedy (temperature 0), or temperature sampling restricted by
 * top-k and top-p (nucleus), drawing from a seeded source so a seed gives the same text everywhere.
 * Tokens a constraint forbids are never picked. Ties go to the smaller token id.
 */
import type { Random } from '../../util/random.js';

/** How to sample. */
export interface SamplingSettings {
  /** 0 picks the most likely token. */
  temperature: number;
  /** Keep only the k most likely tokens (0: all). */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1: all). */
  topP: number;
}

/** Reusable buffers for one vocabulary size. */
export interface SamplerScratch { order: Int32Array; probabilities: Float64Array }

/** Buffers for a vocabulary of `size` tokens. */
export function createSamplerScratch(size: number): SamplerScratch {
  return { order: new Int32Array(size), probabilities: new Float64Array(size) };
}

/** The allowed token with the highest logit (smallest id on ties); -1 when none is allowed. */
export function argmax(logits: Float32Array, allowed: Uint8Array | undefined): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let token = 0; token < logits.length; token++) {
    if (allowed !== undefined && allowed[token] === 0) continue;
    const value = logits[token] as number;
    if (best < 0 || value > bestValue) { best = token; bestValue = value; }
  }
  return best;
}

/** Samples one token from `logits` under `settings`; `allowed` (1 = allowed) masks tokens out. */
export function sampleToken(logits: Float32Array, allowed: Uint8Array | undefined, settings: SamplingSettings, random: Random, scratch: SamplerScratch): number {
  if (settings.temperature <= 0) return argmax(logits, allowed);
  const { order, probabilities } = scratch;
  let count = 0;
  for (let token = 0; token < logits.length; token++) if (allowed === undefined || allowed[token] === 1) order[count++] = token;
  if (count === 0) return -1;
  const candidates = order.subarray(0, count);
  candidates.sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
  const kept = settings.topK > 0 ? Math.min(settings.topK, count) : count;
  const max = (logits[candidates[0] as number] as number) / settings.temperature;
  let sum = 0;
  for (let index = 0; index < kept; index++) {
    const p = Math.exp((logits[candidates[index] as number] as number) / settings.temperature - max);
    probabilities[index] = p;
    sum += p;
  }
  let nucleus = kept;
  if (settings.topP < 1) {
    let cumulative = 0;
    for (let index = 0; index < kept; index++) {
      cumulative += (probabilities[index] as number) / sum;
      if (cumulative >= settings.topP) { nucleus = index + 1; break; }
    }
  }
  let mass = 0;
  for (let index = 0; index < nucleus; index++) mass += probabilities[index] as number;
  let threshold = random.next() * mass;
  for (let index = 0; index < nucleus; index++) {
    threshold -= probabilities[index] as number;
    if (threshold < 0) return candidates[index] as number;
  }
  return candidates[nucleus - 1] as number;
}
