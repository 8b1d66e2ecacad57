/**
 * One compact sketch per request, shared by every detector: the gateway hands the same features object
 * to each detector in turn, so the sketch is computed once (kept for the few most recent requests) and
 * never stored as text. Detectors keep only hashes, signatures and sparse vectors, which cannot be
 * read back as prompts.
 */
import { minhashInto } from '../../util/minhash.js';
import { normaliseText } from '../../util/text.js';
import { fnv1a32 } from '../../util/hash.js';
import type { RequestFeatures } from '../types.js';
import { remoteViewOf } from './remote-view.js';
import { normalisedVector, type SparseVector } from './sparse-vector.js';
import { STOPWORDS } from './stopwords.js';

/** Hash buckets of the feature vectors (a power of two, so a mask picks the bucket). */
export const VECTOR_DIMENSIONS = 1024;
/** MinHash functions per signature: 64 give a Jaccard estimate within ±0.06 (one standard error) at 0.5. */
export const SIGNATURE_SIZE = 64;
/** Only this much of a prompt is sketched: enough to tell prompts apart, and a 100 kB prompt costs no more than a short one. */
const MAX_CHARS = 1000;
const MAX_WORDS = 200;
/** Character shingles: robust to the word swaps of a paraphrase, unlike the word shingles used for training-data dedup. */
const SHINGLE_CHARS = 5;
/** The signature covers the opening of a prompt: where templates, paraphrases and instructions differ, at a bounded cost. */
const SIGNATURE_CHARS = 300;
const SEEDS = Uint32Array.from({ length: SIGNATURE_SIZE }, (_, index) => fnv1a32(`guard-minhash-${index}`));

/** What detectors see of one prompt. */
export interface PromptSketch {
  /** Lowercased, whitespace-collapsed, at most MAX_CHARS; used transiently (never kept by a detector). */
  readonly text: string;
  /** Hash of `text`: equal hashes mean an exact repeat. */
  readonly exactHash: number;
  /** Words of `text`, lowercased, at most MAX_WORDS. */
  readonly words: readonly string[];
  /** MinHash signature over character 5-shingles. */
  readonly signature: Uint32Array;
  /** Hashed word unigrams and bigrams, L2-normalised: what the prompt says, stopwords included. */
  readonly vector: SparseVector;
  /** Hashed content words only (stopwords removed), L2-normalised: what the prompt is about. */
  readonly topicVector: SparseVector;
  /** Distinct 32-bit hashes of the content words. */
  readonly contentWords: Uint32Array;
  /** Distinct 32-bit hashes of adjacent word pairs. */
  readonly bigrams: Uint32Array;
  /** Hashes of adjacent word pairs in order (pair i joins words i and i + 1), repeats kept. */
  readonly wordPairs: Uint32Array;
  /** FNV-1a of each word of `words`, in order. */
  readonly wordHashes: Uint32Array;
  /** 1 where the word is a content word (longer than one character, not a stopword), else 0. */
  readonly contentMask: Uint8Array;
}

/**
 * What another replica receives instead of a request's text (see sketch-codec.ts): every other field
 * of the sketch is derived from these, so detectors score a shared request exactly as a local one.
 */
export interface SketchSeed {
  readonly exactHash: number;
  readonly signature: Uint32Array;
  readonly wordHashes: Uint32Array;
  readonly contentMask: Uint8Array;
}

/**
 * Sketches of the most recent requests, by features object. A handful suffices (the detectors see one
 * request after another, a few interleaved at most); a cache per object for ever would keep every
 * sketch alive as long as its request is.
 */
const recent = new Map<RequestFeatures, PromptSketch>();
const RECENT_SKETCHES = 32;

/** The text a request adds: its newest message (a follow-up repeats the history in `prompt`). */
export function newText(features: RequestFeatures): string {
  return features.lastMessage ?? features.prompt;
}

/** The sketch of a request's new text, computed once for all detectors. */
export function sketchOf(features: RequestFeatures): PromptSketch {
  const remote = remoteViewOf(features);
  if (remote !== undefined) return remote.sketch;
  const cached = recent.get(features);
  if (cached !== undefined) return cached;
  const sketch = sketchText(newText(features));
  recent.set(features, sketch);
  if (recent.size > RECENT_SKETCHES) recent.delete(recent.keys().next().value as RequestFeatures);
  return sketch;
}

/** The sketch of a text (exported for reference data and tests). */
export function sketchText(raw: string): PromptSketch {
  const text = normaliseText(raw.slice(0, MAX_CHARS * 2)).slice(0, MAX_CHARS);
  const words = (text.match(/[\p{L}\p{N}']+/gu) ?? []).slice(0, MAX_WORDS);
  const wordHashes = new Uint32Array(words.length);
  const contentMask = new Uint8Array(words.length);
  words.forEach((word, index) => {
    wordHashes[index] = fnv1a32(word);
    if (word.length > 1 && !STOPWORDS.has(word)) contentMask[index] = 1;
  });
  return sketchFromSeed({ exactHash: fnv1a32(text), signature: signatureOf(text), wordHashes, contentMask }, text, words);
}

/**
 * The sketch a seed stands for. A seed from another replica comes without its text: `text` is then
 * empty and `words` holds one empty string per word (only their number is used, and a quoted example).
 */
export function sketchFromSeed(seed: SketchSeed, text = '', words: readonly string[] = Array.from({ length: seed.wordHashes.length }, () => '')): PromptSketch {
  const { wordHashes, contentMask } = seed;
  const bigrams = new Uint32Array(Math.max(0, wordHashes.length - 1));
  for (let index = 0; index < bigrams.length; index++) bigrams[index] = pairHash(wordHashes[index] as number, wordHashes[index + 1] as number);
  const content = wordHashes.filter((_, index) => contentMask[index] === 1);
  return {
    text, exactHash: seed.exactHash, words,
    signature: seed.signature,
    vector: hashedVector([wordHashes, bigrams]),
    topicVector: hashedVector([content]),
    contentWords: distinct(content),
    bigrams: distinct(bigrams),
    wordPairs: bigrams,
    wordHashes, contentMask,
  };
}

/** The hash of an adjacent word pair from the two word hashes (no joined strings on the hot path). */
export function pairHash(first: number, second: number): number {
  return Math.imul(Math.imul(0x811c9dc5 ^ first, 0x01000193) ^ second, 0x01000193) >>> 0;
}

/** The distinct values, sorted (typed-array sort and a pass: far cheaper than a Set for tens of values). */
function distinct(values: Uint32Array): Uint32Array {
  const sorted = Uint32Array.from(values).sort();
  let kept = 0;
  for (let index = 0; index < sorted.length; index++) if (index === 0 || sorted[index] !== sorted[kept - 1]) sorted[kept++] = sorted[index] as number;
  return sorted.slice(0, kept);
}

/** MinHash signature of the character shingles of the text's first SIGNATURE_CHARS characters. */
function signatureOf(text: string): Uint32Array {
  const span = text.slice(0, SIGNATURE_CHARS);
  // Repeated shingles are harmless to a minimum, so they are not removed.
  const shingles = new Uint32Array(Math.max(1, span.length - SHINGLE_CHARS + 1));
  if (span.length < SHINGLE_CHARS) shingles[0] = fnv1a32(span);
  for (let start = 0; start + SHINGLE_CHARS <= span.length; start++) {
    // FNV-1a of the five characters, inline: slicing a string per shingle costs more than the hashing.
    let hash = 0x811c9dc5;
    for (let offset = start; offset < start + SHINGLE_CHARS; offset++) hash = Math.imul(hash ^ span.charCodeAt(offset), 0x01000193);
    shingles[start] = hash >>> 0;
  }
  const signature = new Uint32Array(SIGNATURE_SIZE);
  minhashInto(shingles, SEEDS, signature, 0);
  return signature;
}

/** Feature hashing with a sign bit, so colliding features cancel on average instead of piling up. */
function hashedVector(parts: readonly Uint32Array[]): SparseVector {
  // Bucket and sign packed in one integer and sorted: each bucket becomes a run, summed in one pass.
  const codes = new Int32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let filled = 0;
  for (const part of parts) for (const hash of part) codes[filled++] = ((hash & (VECTOR_DIMENSIONS - 1)) << 1) | (hash >>> 31);
  codes.sort();
  const buckets: number[] = [];
  const counts: number[] = [];
  for (const code of codes) {
    const bucket = code >> 1;
    const sign = (code & 1) === 1 ? -1 : 1;
    if (buckets[buckets.length - 1] === bucket) counts[counts.length - 1] = (counts[counts.length - 1] as number) + sign;
    else {
      buckets.push(bucket);
      counts.push(sign);
    }
  }
  return normalisedVector(buckets, counts);
}

/** Estimated Jaccard similarity of two signatures: the share of MinHash functions that agree. */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let index = 0; index < SIGNATURE_SIZE; index++) if (a[index] === b[index]) same++;
  return same / SIGNATURE_SIZE;
}
