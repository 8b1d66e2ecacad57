/**
 * Systematic near-duplicate sweeps: a harvester probes the neighbourhood of each seed prompt with
 * paraphrases and small edits, so a large share of its prompts are near (not exact) copies of earlier
 * ones, spread over many seeds. A person retrying sends exact copies, and a person refining a prompt
 * produces near copies of one or two seeds; neither makes many seeds with many variants.
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { SIGNATURE_SIZE as SHARED_SIGNATURE_SIZE, sketchOf } from './prompt-sketch.js';

/** A local copy: module bindings compiled to CommonJS (tsx) are getters, too slow for the inner loop. */
const SIGNATURE_SIZE = SHARED_SIGNATURE_SIZE;
import { noEvidence, percent, ramp } from './scoring.js';

/** Settings of the near-duplicate detector. */
export interface NearDuplicateDetectorOptions {
  /** Recent prompts compared with each new one; default 200. */
  windowSize?: number;
  /** Estimated Jaccard similarity (character 5-shingles) from which a prompt is a near copy; default 0.4. */
  nearSimilarity?: number;
  /** From this similarity on, a prompt is a repeat (a retry), not a variant; default 0.95. */
  repeatSimilarity?: number;
  maxKeys?: number;
}

/** Signature values compared before deciding whether a full comparison is worth it. */
const PREFILTER = 16;
const NEW = 0;
const NEAR = 1;
const REPEAT = 2;

/** The key's recent prompts as a flat ring (signatures side by side: the comparison loop stays in cache). */
interface KeyNeighbourhood {
  signatures: Uint32Array;
  clusters: Int32Array;
  kinds: Uint8Array;
  start: number;
  length: number;
  nextCluster: number;
  near: number;
  repeats: number;
  /** Near copies in the window per seed cluster: its size is the number of seeds being swept. */
  nearPerCluster: Map<number, number>;
}

/** Scores the share of a key's recent prompts that are near copies of earlier ones, across many seeds. */
export class NearDuplicateDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'near-duplicate';
  readonly #windowSize: number;
  readonly #near: number;
  readonly #repeat: number;
  readonly #keys: KeyedState<KeyNeighbourhood>;

  constructor(options: NearDuplicateDetectorOptions = {}) {
    this.#windowSize = options.windowSize ?? 200;
    this.#near = options.nearSimilarity ?? 0.4;
    this.#repeat = options.repeatSimilarity ?? 0.95;
    this.#keys = new KeyedState(options.maxKeys);
    if (!(this.#near > 0 && this.#near < this.#repeat && this.#repeat <= 1)) throw new RangeError(`near-duplicate detector needs 0 < nearSimilarity < repeatSimilarity ≤ 1, got ${this.#near} and ${this.#repeat}`);
  }

  observe(keyId: string, features: RequestFeatures): void {
    const signature = sketchOf(features).signature;
    const state = this.#keys.touch(keyId, () => this.#empty());
    const { similarity, slot } = this.#closest(state, signature);
    const kind = similarity >= this.#repeat ? REPEAT : similarity >= this.#near ? NEAR : NEW;
    const cluster = kind === NEW ? state.nextCluster++ : (state.clusters[slot] as number);
    if (state.length === this.#windowSize) this.#forget(state, state.start);
    const position = (state.start + state.length) % this.#windowSize;
    if (state.length < this.#windowSize) state.length++;
    else state.start = (state.start + 1) % this.#windowSize;
    state.signatures.set(signature, position * SIGNATURE_SIZE);
    state.clusters[position] = cluster;
    state.kinds[position] = kind;
    if (kind === NEAR) {
      state.near++;
      state.nearPerCluster.set(cluster, (state.nearPerCluster.get(cluster) ?? 0) + 1);
    } else if (kind === REPEAT) state.repeats++;
  }

  score(keyId: string): DetectorScore {
    const state = this.#keys.peek(keyId);
    if (state === undefined || state.length === 0) return noEvidence();
    const share = state.near / state.length;
    const seeds = state.nearPerCluster.size;
    // A person refining prompts makes a few near copies of a few seeds; a sweep keeps doing it, over many.
    const score = ramp(share, 0.3, 0.65) * ramp(seeds, 3, 12) * ramp(state.length, 30, 100);
    const reasons: string[] = [];
    if (state.near > 0) reasons.push(`${state.near} of the last ${state.length} prompts (${percent(share)}) are near copies (similarity ${this.#near}–${this.#repeat}) of earlier ones, around ${seeds} distinct seed prompt${seeds === 1 ? '' : 's'}`);
    if (state.repeats > 0) reasons.push(`${state.repeats} exact or almost exact repeats (not counted: retries look like this)`);
    return { score, reasons };
  }

  #empty(): KeyNeighbourhood {
    const size = this.#windowSize;
    return { signatures: new Uint32Array(size * SIGNATURE_SIZE), clusters: new Int32Array(size), kinds: new Uint8Array(size), start: 0, length: 0, nextCluster: 0, near: 0, repeats: 0, nearPerCluster: new Map() };
  }

  /** The most similar prompt in the window and its slot (similarity 0 when the window is empty). */
  #closest(state: KeyNeighbourhood, signature: Uint32Array): { similarity: number; slot: number } {
    let best = 0;
    let bestSlot = -1;
    let bestAge = -1;
    const signatures = state.signatures;
    // Slots in storage order (no modulo in the loop); the age only breaks ties.
    for (let slot = 0; slot < state.length; slot++) {
      const base = slot * SIGNATURE_SIZE;
      // Prefilter on the first quarter of the signature: a pair at the near threshold (0.4) agrees on
      // at most 1 of 16 with probability 0.3%, so skipping such pairs loses almost nothing and saves 3/4.
      let same = 0;
      for (let index = 0; index < PREFILTER; index++) if (signatures[base + index] === signature[index]) same++;
      if (same < 2) continue;
      for (let index = PREFILTER; index < SIGNATURE_SIZE; index++) if (signatures[base + index] === signature[index]) same++;
      // Ties go to the newest prompt, which keeps a drifting chain of edits in one cluster.
      const age = (slot - state.start + this.#windowSize) % this.#windowSize;
      if (same > best || (same === best && age > bestAge)) {
        best = same;
        bestSlot = slot;
        bestAge = age;
      }
    }
    return { similarity: best / SIGNATURE_SIZE, slot: bestSlot };
  }

  /** Removes the prompt in `slot` from the counts before it is overwritten. */
  #forget(state: KeyNeighbourhood, slot: number): void {
    const kind = state.kinds[slot];
    if (kind === NEAR) {
      state.near--;
      const cluster = state.clusters[slot] as number;
      const left = (state.nearPerCluster.get(cluster) ?? 1) - 1;
      if (left === 0) state.nearPerCluster.delete(cluster);
      else state.nearPerCluster.set(cluster, left);
    } else if (kind === REPEAT) state.repeats--;
  }
}
