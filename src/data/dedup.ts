import { fnv1a32 } from '../util/hash.js';

/** How to find duplicates. */
export interface DedupOptions {
  mode: 'none' | 'exact' | 'near';
  /** Estimated Jaccard similarity at or above which two texts are near-duplicates. */
  threshold: number;
}

const PERMUTATIONS = 128;
const BANDS = 32;
const ROWS = PERMUTATIONS / BANDS;
const SHINGLE_WORDS = 5;
const SHORT_TEXT_WORDS = 10;

/** Lowercase with whitespace collapsed: texts equal under this are exact duplicates. */
export function normaliseText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * Maps each dropped id to the id it duplicates (the earliest in input order is kept).
 * Near mode: MinHash signatures over word 5-shingles (character 5-shingles for short texts), LSH
 * banding to find candidate pairs, then the signature's Jaccard estimate must reach the threshold.
 */
export function findDuplicates(records: readonly { id: string; text: string }[], options: DedupOptions): Map<string, string> {
  const duplicates = new Map<string, string>();
  if (options.mode === 'none') return duplicates;
  const firstByText = new Map<string, string>();
  const kept: Array<{ id: string; text: string }> = [];
  for (const record of records) {
    const key = normaliseText(record.text);
    const original = firstByText.get(key);
    // The same id twice (the same text read twice) is one record, not a duplicate of itself.
    if (original !== undefined) {
      if (original !== record.id) duplicates.set(record.id, original);
    } else {
      firstByText.set(key, record.id);
      kept.push({ id: record.id, text: key });
    }
  }
  if (options.mode === 'exact') return duplicates;
  for (const [dropped, original] of nearDuplicates(kept, options.threshold)) duplicates.set(dropped, original);
  return duplicates;
}

/**
 * Near duplicates among texts that are already exact-distinct. Each text is compared only with the
 * earlier kept texts that share at least one LSH band, and maps to the earliest one whose estimated
 * Jaccard reaches the threshold, so the result does not depend on bucket order.
 */
function nearDuplicates(kept: readonly { id: string; text: string }[], threshold: number): Map<string, string> {
  const found = new Map<string, string>();
  const seeds = Array.from({ length: PERMUTATIONS }, (_, index) => fnv1a32(`minhash-${index}`));
  // One map per band keyed by a 32-bit hash of the band's rows: a collision only adds a candidate,
  // which the signature comparison then rejects, and numeric keys are much cheaper than strings.
  const bands = Array.from({ length: BANDS }, () => new Map<number, number[]>());
  const signatures: Uint32Array[] = [];
  kept.forEach((record, position) => {
    const signature = minhash(shingles(record.text), seeds);
    signatures.push(signature);
    const keys = bands.map((_, band) => bandKey(signature, band));
    const candidates = new Set<number>();
    bands.forEach((buckets, band) => {
      for (const member of buckets.get(keys[band] ?? 0) ?? []) candidates.add(member);
    });
    const original = kept[earliestMatch(signature, candidates, signatures, threshold) ?? -1];
    if (original !== undefined) {
      found.set(record.id, original.id);
      // A dropped text stays out of the buckets: only kept texts can be originals, which stops a
      // chain (a ~ b ~ c) from drifting away from what was kept.
      return;
    }
    bands.forEach((buckets, band) => {
      const key = keys[band] ?? 0;
      const members = buckets.get(key);
      if (members === undefined) buckets.set(key, [position]);
      else members.push(position);
    });
  });
  return found;
}

function earliestMatch(signature: Uint32Array, candidates: ReadonlySet<number>, signatures: readonly Uint32Array[], threshold: number): number | null {
  let best: number | null = null;
  for (const candidate of candidates) {
    if (best !== null && candidate > best) continue;
    const other = signatures[candidate];
    if (other !== undefined && estimatedJaccard(signature, other) >= threshold) best = candidate;
  }
  return best;
}

function bandKey(signature: Uint32Array, band: number): number {
  let hash = 0x811c9dc5;
  for (let row = band * ROWS; row < (band + 1) * ROWS; row++) hash = Math.imul(hash ^ (signature[row] ?? 0), 0x01000193) >>> 0;
  return hash;
}

/** Hashes of the text's word 5-shingles, or character 5-shingles when it has few words. */
function shingles(text: string): Uint32Array {
  const words = text.split(' ').filter((word) => word.length > 0);
  const hashes = new Set<number>();
  if (words.length >= SHORT_TEXT_WORDS) {
    // Hash each word once and combine five word hashes per shingle, rather than hashing joined strings.
    const wordHashes = words.map((word) => fnv1a32(word));
    for (let start = 0; start + SHINGLE_WORDS <= wordHashes.length; start++) {
      let hash = 0x811c9dc5;
      for (let offset = 0; offset < SHINGLE_WORDS; offset++) hash = Math.imul(hash ^ (wordHashes[start + offset] ?? 0), 0x01000193) >>> 0;
      hashes.add(hash);
    }
  } else {
    for (let start = 0; start + SHINGLE_WORDS <= text.length; start++) hashes.add(fnv1a32(text.slice(start, start + SHINGLE_WORDS)));
    if (hashes.size === 0) hashes.add(fnv1a32(text));
  }
  return Uint32Array.from(hashes);
}

/** One minimum per seeded hash function (a multiply-xorshift remix of the shingle hash). */
function minhash(shingleHashes: Uint32Array, seeds: readonly number[]): Uint32Array {
  const signature = new Uint32Array(seeds.length).fill(0xffffffff);
  for (const hash of shingleHashes) {
    for (let index = 0; index < seeds.length; index++) {
      let value = Math.imul(hash ^ (seeds[index] ?? 0), 0x9e3779b1);
      value ^= value >>> 15;
      value = Math.imul(value, 0x85ebca77) >>> 0;
      if (value < (signature[index] ?? 0)) signature[index] = value;
    }
  }
  return signature;
}

function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let index = 0; index < a.length; index++) if (a[index] === b[index]) same++;
  return same / a.length;
}
