/**
 * The one cross-key detector: a harvest spread "slow and low" over many keys keeps every key's volume
 * and history unremarkable, but when the keys fill in the same template their prompts are near copies
 * of one another's. Recent prompts of all keys sit in one bounded LSH index (MinHash bands); a key
 * scores by the share of its prompts that have near copies from several other keys within the horizon.
 * Exact copies are ignored (many people paste the same popular prompt), and so are short prompts
 * ("thanks, can you say more?" is everyone's).
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { SIGNATURE_SIZE as SHARED_SIGNATURE_SIZE, sketchOf } from './prompt-sketch.js';

/** A local copy: module bindings compiled to CommonJS (tsx) are getters, too slow for the inner loop. */
const SIGNATURE_SIZE = SHARED_SIGNATURE_SIZE;
import { RingWindow } from './ring-window.js';
import { noEvidence, percent, ramp } from './scoring.js';

/** Settings of the cohort detector. */
export interface CohortDetectorOptions {
  /** Prompts of all keys held in the index; default 20,000 (about 8 MB, and at most 12 map entries each). */
  indexSize?: number;
  /** Only prompts this recent count as copies; default one day. */
  horizonMs?: number;
  /** Estimated Jaccard similarity (character 5-shingles) from which two prompts are near copies; default 0.5. */
  nearSimilarity?: number;
  /**
   * Other keys that must have sent a near copy for a prompt to count as shared; default 3, so that two
   * people who happen to use the same popular instruction on similar texts do not make a cohort.
   */
  minimumPartners?: number;
  /** Prompts with fewer words are not compared; default 8. */
  minimumWords?: number;
  /** Recent prompts per key whose share is scored; default 100. */
  windowSize?: number;
  maxKeys?: number;
}

/**
 * 12 bands of 3 rows: a pair at similarity 0.5 shares a band with probability 0.80 (0.94 at 0.6), a
 * pair at 0.2 with 0.09. More bands would find more pairs but cost a map entry per band per prompt.
 */
const ROWS = 3;
const BANDS = 12;
/** A bucket is walked newest first for at most this many entries, so one key flooding a template cannot make lookups slow. */
const BUCKET_WALK = 48;
/** At most this many candidates are compared per prompt (newest first). */
const MAX_CANDIDATES = 128;
const PARTNER_CAPACITY = 64;
/** Signature values compared first; a pair at similarity 0.5 agrees on fewer than 3 of 16 with probability 0.2%. */
const PREFILTER = 16;

interface KeyCohort { shared: RingWindow<boolean>; sharedCount: number; partners: Set<string> }

/** Scores the share of a key's prompts that other keys sent near copies of. */
export class CohortDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'cohort';
  readonly #size: number;
  readonly #horizonMs: number;
  readonly #near: number;
  readonly #minimumPartners: number;
  readonly #minimumWords: number;
  readonly #windowSize: number;
  readonly #keys: KeyedState<KeyCohort>;
  // The global index: a ring of entries, each with its key, time, text hash, signature and band keys.
  readonly #entryKeys: Array<string | undefined>;
  readonly #times: Float64Array;
  readonly #hashes: Uint32Array;
  readonly #signatures: Uint32Array;
  readonly #bandKeys: Uint32Array;
  /** Per band: band key → newest slot with it. Older slots with the same key follow through #chain. */
  readonly #heads = Array.from({ length: BANDS }, () => new Map<number, number>());
  /** #chain[slot × BANDS + band] = the next older slot in the same bucket, or −1. */
  readonly #chain: Int32Array;
  /** Insertion number of each slot: a chain link to a slot inserted later has been overwritten. */
  readonly #sequence: Float64Array;
  #inserted = 0;

  constructor(options: CohortDetectorOptions = {}) {
    this.#size = options.indexSize ?? 20_000;
    this.#horizonMs = options.horizonMs ?? 86_400_000;
    this.#near = options.nearSimilarity ?? 0.5;
    this.#minimumPartners = options.minimumPartners ?? 3;
    this.#minimumWords = options.minimumWords ?? 8;
    this.#windowSize = options.windowSize ?? 100;
    this.#keys = new KeyedState(options.maxKeys);
    if (!(Number.isInteger(this.#size) && this.#size >= 1)) throw new RangeError(`cohort detector needs a positive indexSize, got ${this.#size}`);
    this.#entryKeys = new Array<string | undefined>(this.#size);
    this.#times = new Float64Array(this.#size);
    this.#hashes = new Uint32Array(this.#size);
    this.#signatures = new Uint32Array(this.#size * SIGNATURE_SIZE);
    this.#bandKeys = new Uint32Array(this.#size * BANDS);
    this.#chain = new Int32Array(this.#size * BANDS).fill(-1);
    this.#sequence = new Float64Array(this.#size).fill(-1);
  }

  observe(keyId: string, features: RequestFeatures): void {
    const sketch = sketchOf(features);
    if (sketch.words.length < this.#minimumWords) return;
    const bands = bandKeysOf(sketch.signature);
    const partners = this.#partners(keyId, features.at, sketch.exactHash, sketch.signature, bands);
    const state = this.#keys.touch(keyId, () => ({ shared: new RingWindow<boolean>(this.#windowSize), sharedCount: 0, partners: new Set<string>() }));
    const shared = partners.size >= this.#minimumPartners;
    const evicted = state.shared.push(shared);
    state.sharedCount += (shared ? 1 : 0) - (evicted === true ? 1 : 0);
    if (shared) {
      for (const partner of partners) {
        state.partners.delete(partner);
        state.partners.add(partner);
      }
      while (state.partners.size > PARTNER_CAPACITY) state.partners.delete(state.partners.values().next().value as string);
    }
    this.#insert(keyId, features.at, sketch.exactHash, sketch.signature, bands);
  }

  score(keyId: string): DetectorScore {
    const state = this.#keys.peek(keyId);
    if (state === undefined || state.shared.length === 0) return noEvidence();
    const total = state.shared.length;
    const share = state.sharedCount / total;
    const score = ramp(share, 0.2, 0.6) * ramp(total, 5, 20) * ramp(state.partners.size, 3, 10);
    const reasons = state.sharedCount === 0 ? [] : [`${state.sharedCount} of the key's last ${total} prompts (${percent(share)}) have near copies sent by ${this.#minimumPartners}+ other keys within ${Math.round(this.#horizonMs / 3_600_000)} h, ${state.partners.size} other keys in all`];
    return { score, reasons };
  }

  /** Other keys with a recent near copy (not an exact copy) of this prompt. */
  #partners(keyId: string, at: number, hash: number, signature: Uint32Array, bands: Uint32Array): Set<string> {
    const candidates = new Set<number>();
    for (let band = 0; band < BANDS; band++) {
      let slot = this.#heads[band]?.get(bands[band] as number) ?? -1;
      let newer = Number.POSITIVE_INFINITY;
      for (let walked = 0; slot >= 0 && walked < BUCKET_WALK && candidates.size < MAX_CANDIDATES; walked++) {
        const sequence = this.#sequence[slot] as number;
        // A link to a slot that was overwritten since (a newer insertion) or that left this bucket ends the chain.
        if (sequence >= newer || this.#bandKeys[slot * BANDS + band] !== bands[band]) break;
        candidates.add(slot);
        newer = sequence;
        slot = this.#chain[slot * BANDS + band] as number;
      }
    }
    const partners = new Set<string>();
    for (const slot of candidates) {
      const other = this.#entryKeys[slot];
      if (other === undefined || other === keyId || partners.has(other)) continue;
      if (this.#hashes[slot] === hash || at - (this.#times[slot] as number) > this.#horizonMs) continue;
      if (this.#similarity(signature, slot) >= this.#near) partners.add(other);
    }
    return partners;
  }

  /** Estimated Jaccard similarity with the indexed prompt in `slot`; 0 when the first quarter already rules out a near copy. */
  #similarity(signature: Uint32Array, slot: number): number {
    const base = slot * SIGNATURE_SIZE;
    let same = 0;
    for (let index = 0; index < PREFILTER; index++) if (this.#signatures[base + index] === signature[index]) same++;
    if (same < 3) return 0;
    for (let index = PREFILTER; index < SIGNATURE_SIZE; index++) if (this.#signatures[base + index] === signature[index]) same++;
    return same / SIGNATURE_SIZE;
  }

  /** Adds a prompt to the index, overwriting the oldest entry (and dropping bucket heads that pointed at it). */
  #insert(keyId: string, at: number, hash: number, signature: Uint32Array, bands: Uint32Array): void {
    const slot = this.#inserted % this.#size;
    if (this.#entryKeys[slot] !== undefined) {
      for (let band = 0; band < BANDS; band++) {
        const heads = this.#heads[band] as Map<number, number>;
        const key = this.#bandKeys[slot * BANDS + band] as number;
        if (heads.get(key) === slot) heads.delete(key);
      }
    }
    this.#entryKeys[slot] = keyId;
    this.#times[slot] = at;
    this.#hashes[slot] = hash;
    this.#sequence[slot] = this.#inserted++;
    this.#signatures.set(signature, slot * SIGNATURE_SIZE);
    this.#bandKeys.set(bands, slot * BANDS);
    for (let band = 0; band < BANDS; band++) {
      const heads = this.#heads[band] as Map<number, number>;
      const key = bands[band] as number;
      this.#chain[slot * BANDS + band] = heads.get(key) ?? -1;
      heads.set(key, slot);
    }
  }
}

/** One 32-bit key per band of ROWS signature values. */
function bandKeysOf(signature: Uint32Array): Uint32Array {
  const keys = new Uint32Array(BANDS);
  for (let band = 0; band < BANDS; band++) {
    let hash = 0x811c9dc5 ^ band;
    for (let row = band * ROWS; row < (band + 1) * ROWS; row++) hash = Math.imul(hash ^ (signature[row] as number), 0x01000193) >>> 0;
    keys[band] = hash;
  }
  return keys;
}
