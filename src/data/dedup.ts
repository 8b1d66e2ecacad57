import { fnv1a32 } from '../util/hash.js';
import { minhashInto } from '../util/minhash.js';
import { normaliseText } from '../util/text.js';

export { normaliseText };

/** How to find duplicates. */
export interface DedupOptions {
  mode: 'none' | 'exact' | 'near';
  /** Estimated Jaccard similarity at or above which two texts are near-duplicates. */
  threshold: number;
}

const PERMUTATIONS = 128;
const SHINGLE_WORDS = 5;
const SHINGLE_CHARS = 5;
/** Below this many words a text has too few word 5-shingles to compare, so it uses character shingles. */
const SHORT_TEXT_WORDS = 10;
/**
 * An LSH bucket keeps at most this many kept texts. Ordinary data never comes close; heavily
 * templated data ("order #123 shipped" × 100k) would otherwise make every text compare with every
 * other, turning seconds into minutes. The price: in such data a near-duplicate whose original only
 * sits in full buckets is kept.
 */
const BUCKET_CAPACITY = 64;
/** Chance that a pair exactly at the threshold shares at least one band (before the Jaccard check). */
const CANDIDATE_RECALL = 0.995;

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
 * Bands × rows for a threshold: the most rows per band (fewest false candidates) that still makes
 * a pair at the threshold a candidate with probability ≥ CANDIDATE_RECALL, i.e. 1 − (1 − t^r)^b.
 */
export function bandLayout(threshold: number): { bands: number; rows: number } {
  let rows = 1;
  for (let candidate = 2; candidate <= PERMUTATIONS / 2; candidate++) {
    const bands = Math.floor(PERMUTATIONS / candidate);
    if (1 - (1 - threshold ** candidate) ** bands >= CANDIDATE_RECALL) rows = candidate;
  }
  return { bands: Math.floor(PERMUTATIONS / rows), rows };
}

/**
 * Near duplicates among texts that are already exact-distinct. Each text is compared with the
 * earlier kept texts that share an LSH band, in input order, and maps to the earliest one whose
 * estimated Jaccard reaches the threshold, so the result does not depend on bucket order.
 */
function nearDuplicates(kept: readonly { id: string; text: string }[], threshold: number): Map<string, string> {
  const found = new Map<string, string>();
  const { bands, rows } = bandLayout(threshold);
  const seeds = Uint32Array.from({ length: PERMUTATIONS }, (_, index) => fnv1a32(`minhash-${index}`));
  // One flat array of signatures: 100k texts are 51 MB either way, but one block is cache-friendly.
  const signatures = new Uint32Array(kept.length * PERMUTATIONS);
  // One map per band keyed by a 32-bit hash of the band's rows: a collision only adds a candidate,
  // which the signature comparison then rejects, and numeric keys are much cheaper than strings.
  const buckets = Array.from({ length: bands }, () => new Map<number, number[]>());
  // checkedBy[p] === position: p was already compared with this text through another band.
  const checkedBy = new Int32Array(kept.length).fill(-1);
  const keys = new Uint32Array(bands);
  kept.forEach((record, position) => {
    minhashInto(shingles(record.text), seeds, signatures, position * PERMUTATIONS);
    for (let band = 0; band < bands; band++) keys[band] = bandKey(signatures, position * PERMUTATIONS + band * rows, rows);
    let best = -1;
    for (let band = 0; band < bands; band++) {
      for (const member of buckets[band]?.get(keys[band] ?? 0) ?? []) {
        // Members are in input order, so nothing later in this bucket can beat the best so far.
        if (best !== -1 && member >= best) break;
        if (checkedBy[member] === position) continue;
        checkedBy[member] = position;
        if (estimatedJaccard(signatures, position, member) >= threshold) {
          best = member;
          break;
        }
      }
    }
    const original = kept[best];
    if (original !== undefined) {
      // A dropped text stays out of the buckets: only kept texts can be originals, which stops a
      // chain (a ~ b ~ c) from drifting away from what was kept.
      found.set(record.id, original.id);
      return;
    }
    for (let band = 0; band < bands; band++) addToBucket(buckets[band], keys[band] ?? 0, position);
  });
  return found;
}

function addToBucket(buckets: Map<number, number[]> | undefined, key: number, position: number): void {
  const members = buckets?.get(key);
  if (members === undefined) buckets?.set(key, [position]);
  else if (members.length < BUCKET_CAPACITY) members.push(position);
}

function bandKey(signatures: Uint32Array, start: number, rows: number): number {
  let hash = 0x811c9dc5;
  for (let row = start; row < start + rows; row++) hash = Math.imul(hash ^ (signatures[row] ?? 0), 0x01000193) >>> 0;
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
    for (let start = 0; start + SHINGLE_CHARS <= text.length; start++) hashes.add(fnv1a32(text.slice(start, start + SHINGLE_CHARS)));
    if (hashes.size === 0) hashes.add(fnv1a32(text));
  }
  return Uint32Array.from(hashes);
}

function estimatedJaccard(signatures: Uint32Array, a: number, b: number): number {
  let same = 0;
  const startA = a * PERMUTATIONS;
  const startB = b * PERMUTATIONS;
  for (let index = 0; index < PERMUTATIONS; index++) if (signatures[startA + index] === signatures[startB + index]) same++;
  return same / PERMUTATIONS;
}
