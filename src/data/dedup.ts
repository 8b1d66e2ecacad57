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
    if (original !== undefined) duplicates.set(record.id, original);
    else {
      firstByText.set(key, record.id);
      kept.push({ id: record.id, text: key });
    }
  }
  if (options.mode === 'exact') return duplicates;
  const seeds = Array.from({ length: PERMUTATIONS }, (_, index) => fnv1a32(`minhash-${index}`));
  const buckets = new Map<string, number[]>();
  const signatures: Uint32Array[] = [];
  kept.forEach((record, position) => {
    const signature = minhash(shingles(record.text), seeds);
    signatures.push(signature);
    let match: number | null = null;
    for (let band = 0; band < BANDS; band++) {
      const key = `${band}:${Array.from(signature.subarray(band * ROWS, (band + 1) * ROWS)).join(',')}`;
      const members = buckets.get(key);
      if (members === undefined) {
        buckets.set(key, [position]);
        continue;
      }
      if (match === null) {
        for (const candidate of members) {
          const other = signatures[candidate];
          if (other && estimatedJaccard(signature, other) >= options.threshold && !duplicates.has(kept[candidate]?.id ?? '')) {
            match = candidate;
            break;
          }
        }
      }
      members.push(position);
    }
    const original = match === null ? undefined : kept[match];
    if (original) duplicates.set(record.id, original.id);
  });
  return duplicates;
}

/** Hashes of the text's word 5-shingles, or character 5-shingles when it has few words. */
function shingles(text: string): Uint32Array {
  const words = text.split(' ').filter((word) => word.length > 0);
  const hashes = new Set<number>();
  if (words.length >= SHORT_TEXT_WORDS) {
    for (let start = 0; start + SHINGLE_WORDS <= words.length; start++) hashes.add(fnv1a32(words.slice(start, start + SHINGLE_WORDS).join(' ')));
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
