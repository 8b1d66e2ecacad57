/**
 * The keyed PRF both token watermarks share, and the tuple bookkeeping of their detectors. A context
 * (the h token ids before a position) is turned into a 64-bit seed by HMAC-SHA-256 under the key's
 * secret; each vocabulary entry then gets a 32-bit value from a cheap integer mix of (seed, token id),
 * so a decoder step costs one HMAC (cached per context) and one mix per token — no permutation of a
 * 200,000-entry vocabulary. Detection scores each distinct (context, token) tuple once (Fernandez et
 * al. 2023): repeated n-grams are not independent draws and would otherwise make p-values lie.
 */
import { createHmacSha256 } from './sha256.js';
import type { WatermarkKey } from './watermark-key.js';

/** Fewer scored tuples than this and detectors answer "not enough evidence" rather than a verdict. */
export const MINIMUM_SCORED_TUPLES = 25;

/** A context's seed: two 32-bit words of its HMAC. */
export interface ContextSeed {
  low: number;
  high: number;
}

/** Contexts cached per seeder; far more than a decoder visits, bounded so a long detection run cannot grow without end. */
const CACHE_LIMIT = 1 << 16;
/** One byte in every PRF message naming the scheme, so a key reused across schemes gives unrelated values. */
const SCHEME_TAG = { kgw: 1, gumbel: 2 } as const;

/** The seed of the context ending just before `position` in `tokens` (the h tokens tokens[position − h … position − 1]). */
export type ContextSeeder = (tokens: readonly number[], position: number) => ContextSeed;

/** A seeder for `key`'s secret, scheme and context width, with its HMAC results cached per context. */
export function createContextSeeder(key: WatermarkKey): ContextSeeder {
  const hmac = createHmacSha256(key.secret);
  const width = key.contextWidth;
  const cache = new Map<string, ContextSeed>();
  const message = new Uint8Array(1 + 4 * width);
  const view = new DataView(message.buffer);
  message[0] = SCHEME_TAG[key.scheme];
  return (tokens, position) => {
    if (position < width || position > tokens.length) throw new RangeError(`a context needs ${width} tokens before position ${position}`);
    const cacheKey = width === 1 ? String(tokens[position - 1]) : tokens.slice(position - width, position).join(',');
    const cached = cache.get(cacheKey);
    if (cached !== undefined) return cached;
    for (let index = 0; index < width; index++) view.setUint32(1 + 4 * index, tokens[position - width + index]! >>> 0);
    const digest = hmac(message);
    const digestView = new DataView(digest.buffer);
    const seed = { low: digestView.getUint32(0), high: digestView.getUint32(4) };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(cacheKey, seed);
    return seed;
  };
}

/** murmur3's 32-bit finaliser: a bijection with full avalanche. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The 32-bit PRF value of `token` in the context `seed` (uniform and independent across tokens for a random key). */
export function tokenHash(seed: ContextSeed, token: number): number {
  return mix32(mix32((token + seed.low) >>> 0) ^ seed.high);
}

/** What a detector says about a token sequence. */
export interface DetectionResult {
  /** Distinct (context, token) tuples scored. */
  scored: number;
  /** One-sided p-value under "this text was written without the key". */
  pValue: number;
  /** log10 of pValue, finite even where pValue underflows to 0. */
  log10P: number;
  /** Whether at least MINIMUM_SCORED_TUPLES tuples were scored; below that the p-value is no evidence either way. */
  enoughEvidence: boolean;
}

/** Options of both detectors. */
export interface DetectionOptions {
  /** The prompt's tokens: tuples (window + token) that also occur in it are skipped, since the text may just copy them. */
  promptTokens?: readonly number[];
  /** Tuples already scored (shared across calls to de-duplicate over a whole run of texts); filled in as tuples are scored. */
  seen?: Set<string>;
}

/** The (context window + token) tuple at `position` as a set key. */
function tupleKey(tokens: readonly number[], position: number, width: number): string {
  return width === 1 ? `${tokens[position - 1]},${tokens[position]}` : tokens.slice(position - width, position + 1).join(',');
}

/** The positions whose tuple is scored: each distinct tuple once, none that appears in the prompt. */
export function scoredPositions(tokens: readonly number[], width: number, options: DetectionOptions = {}): number[] {
  const prompt = new Set<string>();
  const promptTokens = options.promptTokens ?? [];
  for (let position = width; position < promptTokens.length; position++) prompt.add(tupleKey(promptTokens, position, width));
  const seen = options.seen ?? new Set<string>();
  const positions: number[] = [];
  for (let position = width; position < tokens.length; position++) {
    const key = tupleKey(tokens, position, width);
    if (seen.has(key) || prompt.has(key)) continue;
    seen.add(key);
    positions.push(position);
  }
  return positions;
}
