/**
 * Detecting the lexical watermark with a calibrated null. Each distinct (set, context) tuple
 * at an eligible position is scored once: n tuples, k of them written with the member the key picks.
 * The p-value is a permutation test over K random keys on the same text, (1 + #{k' ≥ k}) / (1 + K):
 * exact whatever the text's word frequencies, because it compares the key with other keys rather
 * than with an assumed rate. The naive binomial p (rate = the mean of 1/|set|) is reported beside it
 * for comparison; it assumes each scored word matches independently at one common rate. Natural word
 * frequencies break that: within a set one member dominates ("big" over "large"), so when a context
 * recurs the same coin is counted again and again, and sets differ in size. De-duplicating tuples
 * removes most of that here — measured on nlp-corpus its false-alarm rate at 0.01 was 0.0037 against
 * the permutation's 0.0028 (bench/lexical-watermark-figures.ts) — but the permutation p needs no such
 * argument, and the binomial has no floor, so it claims p-values the keys compared cannot support.
 *
 * The null keys come from a fast keyed hash (SHA-256 of the tuple once, then a 32-bit mix with each
 * null key's seed), not from K HMACs per tuple (28 µs each here: 1,000 keys would cost seconds per
 * text). Under the null both give each tuple an independent uniform choice, which is all the
 * permutation test needs; the calibration test pins that the resulting p-values are uniform.
 */
import { createHash } from 'node:crypto';
import type { LexicalKey } from './lexical-key.js';
import { LexicalScanner } from './lexical-scanner.js';
import { keyedChoice } from './lexical-watermark.js';
import { defaultSynonymTable, type SynonymTable } from './synonyms.js';

/** Fewer scored tuples than this is "not enough evidence": with sets of 2–4, even a perfect match would be p ≈ 1e-3 at best. */
export const MIN_SCORED_TUPLES = 10;
/** Default number of random keys: the smallest p-value is 1/(1 + K) ≈ 1e-3. */
export const DEFAULT_NULL_KEYS = 1000;

/** What detection found in one text (or several, scored together). */
export interface LexicalDetection {
  /** Distinct (set, previous word) tuples scored. */
  scored: number;
  /** Of those, written with the key's choice. */
  matched: number;
  /** The chance rate, the mean of 1/|set| over the scored tuples. */
  chanceRate: number;
  /** Exact permutation p-value over `nullKeys` random keys; null when not enough evidence. */
  pValue: number | null;
  /** Binomial tail at `chanceRate`, for comparison only (see the module note); null when not enough evidence. */
  naivePValue: number | null;
  nullKeys: number;
  /** "not enough evidence" below MIN_SCORED_TUPLES, else "scored". */
  verdict: 'scored' | 'not enough evidence';
}

/** How to detect. */
export interface LexicalDetectOptions {
  table?: SynonymTable;
  /** Random keys for the permutation null (default 1000). */
  nullKeys?: number;
  /** Seed of the random keys (default 0): fixed, so the same text gives the same p-value. */
  nullSeed?: number;
  /** Minimum scored tuples (default MIN_SCORED_TUPLES). */
  minScored?: number;
}

/** One scored tuple: its set size, the observed member and the tuple's hash words for the null keys. */
interface Tuple {
  size: number;
  observed: number;
  hashHigh: number;
  hashLow: number;
  matched: boolean;
}

/** The distinct eligible tuples of the texts, in order of first appearance. */
function tuplesOf(texts: readonly string[], key: LexicalKey, table: SynonymTable): Tuple[] {
  const seen = new Set<string>();
  const tuples: Tuple[] = [];
  for (const text of texts) {
    const visit = (word: string, setIndex: number, context: string): string => {
      const set = table.sets[setIndex] as readonly string[];
      const id = `${set[0] as string}\u0000${context}`;
      if (seen.has(id)) return word;
      seen.add(id);
      const hash = createHash('sha256').update(id).digest();
      const observed = set.indexOf(word);
      tuples.push({ size: set.length, observed, hashHigh: hash.readUInt32BE(0), hashLow: hash.readUInt32BE(4), matched: keyedChoice(key.secret, set, context) === observed });
      return word;
    };
    new LexicalScanner(table, visit, key.context).process(text);
  }
  return tuples;
}

/** murmur3's 32-bit finaliser: a fast bijective mix. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const nullSeedCache = new Map<string, Uint32Array>();

/** Two 32-bit seeds per null key, from SHA-256 of the seed and the key's index (cached). */
function nullKeySeeds(count: number, seed: number): Uint32Array {
  const cacheKey = `${count}:${seed}`;
  let seeds = nullSeedCache.get(cacheKey);
  if (seeds === undefined) {
    seeds = new Uint32Array(count * 2);
    for (let index = 0; index < count; index += 1) {
      const digest = createHash('sha256').update(`lexical-null-key:${seed}:${index}`).digest();
      seeds[index * 2] = digest.readUInt32BE(0);
      seeds[index * 2 + 1] = digest.readUInt32BE(4);
    }
    nullSeedCache.set(cacheKey, seeds);
  }
  return seeds;
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space. */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let logChoose = 0;
  for (let i = 1; i <= k; i += 1) logChoose += Math.log((n - k + i) / i);
  let term = Math.exp(logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p));
  let total = 0;
  for (let i = k; i <= n; i += 1) {
    total += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.min(1, total);
}

/** Scores texts (together, each tuple once across them) for the key's lexical watermark. */
export function detectLexicalWatermark(texts: string | readonly string[], key: LexicalKey, options: LexicalDetectOptions = {}): LexicalDetection {
  const table = options.table ?? defaultSynonymTable();
  const nullKeys = options.nullKeys ?? DEFAULT_NULL_KEYS;
  const tuples = tuplesOf(typeof texts === 'string' ? [texts] : texts, key, table);
  const scored = tuples.length;
  const matched = tuples.filter((tuple) => tuple.matched).length;
  const chanceRate = scored === 0 ? 0 : tuples.reduce((sum, tuple) => sum + 1 / tuple.size, 0) / scored;
  if (scored < (options.minScored ?? MIN_SCORED_TUPLES)) {
    return { scored, matched, chanceRate, pValue: null, naivePValue: null, nullKeys, verdict: 'not enough evidence' };
  }
  const seeds = nullKeySeeds(nullKeys, options.nullSeed ?? 0);
  let atLeast = 0;
  for (let index = 0; index < nullKeys; index += 1) {
    const high = seeds[index * 2] as number;
    const low = seeds[index * 2 + 1] as number;
    let count = 0;
    for (const tuple of tuples) if (mix32(mix32(tuple.hashHigh ^ high) ^ tuple.hashLow ^ low) % tuple.size === tuple.observed) count += 1;
    if (count >= matched) atLeast += 1;
  }
  return {
    scored, matched, chanceRate, pValue: (1 + atLeast) / (1 + nullKeys), naivePValue: binomialTail(scored, matched, chanceRate), nullKeys, verdict: 'scored',
  };
}
