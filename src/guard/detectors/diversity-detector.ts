/**
 * Coverage of the input space. A person asks about the few things they care about, so their prompts
 * share vocabulary; a harvester sweeps a topic space to cover it, so its prompts are mutually
 * unrelated and keep bringing new words. Two sketches of a key's recent prompts, both incremental:
 * the mean pairwise cosine similarity of their hashed content-word vectors (from a running sum, so no
 * pairwise loop) and the number of distinct content words per prompt.
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { sketchOf, VECTOR_DIMENSIONS } from './prompt-sketch.js';
import { RingWindow } from './ring-window.js';
import { figure, noEvidence, ramp } from './scoring.js';
import { addInto, dotDense, squaredNorm, type SparseVector } from './sparse-vector.js';

/** Settings of the diversity detector. */
export interface DiversityDetectorOptions {
  /** Recent prompts considered; default 200. */
  windowSize?: number;
  /** Prompts needed before the score can reach 1; default 150. Fewer scale it down from 50. */
  minimumPrompts?: number;
  /**
   * Mean pairwise similarity at or above which prompts look like one person's interests (score 0), and
   * at or below which they look like a sweep (score 1); defaults 0.05 and 0.012.
   */
  focusedSimilarity?: number;
  sweepSimilarity?: number;
  maxKeys?: number;
}

interface KeyCoverage {
  vectors: RingWindow<{ topic: SparseVector; words: Uint32Array }>;
  /** Running sum of the window's vectors; rebuilt every window's worth of pushes so float error cannot build up. */
  sum: Float32Array;
  sumSquaredNorm: number;
  normTotal: number;
  pushesSinceRebuild: number;
  wordCounts: Map<number, number>;
  /** Σ over the window of each prompt's distinct content words. */
  wordTotal: number;
}

/** Scores how widely a key's recent prompts spread over topics. */
export class DiversityDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'diversity';
  readonly #windowSize: number;
  readonly #minimum: number;
  readonly #focused: number;
  readonly #sweep: number;
  readonly #keys: KeyedState<KeyCoverage>;

  constructor(options: DiversityDetectorOptions = {}) {
    this.#windowSize = options.windowSize ?? 200;
    this.#minimum = options.minimumPrompts ?? 150;
    this.#focused = options.focusedSimilarity ?? 0.05;
    this.#sweep = options.sweepSimilarity ?? 0.012;
    this.#keys = new KeyedState(options.maxKeys);
    if (!(this.#minimum > 50 && this.#minimum <= this.#windowSize)) throw new RangeError(`diversity detector needs 50 < minimumPrompts ≤ windowSize, got ${this.#minimum} and ${this.#windowSize}`);
    if (!(this.#sweep > 0 && this.#sweep < this.#focused)) throw new RangeError('diversity detector needs 0 < sweepSimilarity < focusedSimilarity');
  }

  observe(keyId: string, features: RequestFeatures): void {
    const sketch = sketchOf(features);
    const state = this.#keys.touch(keyId, () => ({ vectors: new RingWindow(this.#windowSize), sum: new Float32Array(VECTOR_DIMENSIONS), sumSquaredNorm: 0, normTotal: 0, pushesSinceRebuild: 0, wordCounts: new Map(), wordTotal: 0 }));
    const entry = { topic: sketch.topicVector, words: sketch.contentWords };
    const evicted = state.vectors.push(entry);
    this.#add(state, entry.topic, 1);
    for (const word of entry.words) state.wordCounts.set(word, (state.wordCounts.get(word) ?? 0) + 1);
    state.wordTotal += entry.words.length;
    if (evicted !== undefined) {
      this.#add(state, evicted.topic, -1);
      state.wordTotal -= evicted.words.length;
      for (const word of evicted.words) {
        const count = (state.wordCounts.get(word) ?? 1) - 1;
        if (count === 0) state.wordCounts.delete(word);
        else state.wordCounts.set(word, count);
      }
    }
    if (++state.pushesSinceRebuild >= this.#windowSize) this.#rebuild(state);
  }

  score(keyId: string): DetectorScore {
    const state = this.#keys.peek(keyId);
    if (state === undefined || state.vectors.length === 0) return noEvidence();
    const count = state.vectors.length;
    const similarity = count >= 2 ? Math.max(0, (state.sumSquaredNorm - state.normTotal) / (count * (count - 1))) : Number.NaN;
    const distinctWords = state.wordCounts.size;
    // Similarity on a log scale: 0.05 → 0.025 is as much of a step as 0.02 → 0.01.
    const spread = ramp(-Math.log(similarity), -Math.log(this.#focused), -Math.log(this.#sweep));
    const evidence = ramp(count, 50, this.#minimum);
    const reasons = count < 2 ? [] : [`the last ${count} prompts have a mean pairwise topic similarity of ${figure(similarity)} (one person's interests: about ${this.#focused} or more; a sweep: ${this.#sweep} or less) and use ${distinctWords} distinct content words out of ${state.wordTotal} (type/token ${figure(distinctWords / Math.max(1, state.wordTotal))})`];
    return { score: spread * evidence, reasons };
  }

  /** Adds (or with sign −1 removes) a vector from the running sum, updating its squared norm. */
  #add(state: KeyCoverage, vector: SparseVector, sign: 1 | -1): void {
    const norm = squaredNorm(vector);
    if (norm === 0) return;
    // |S ± x|² = |S|² ± 2 S·x + |x|²
    state.sumSquaredNorm += sign * 2 * dotDense(vector, state.sum, 0) + norm;
    addInto(state.sum, 0, vector, sign);
    state.normTotal += sign * norm;
  }

  /** Recomputes the running sum from the window. */
  #rebuild(state: KeyCoverage): void {
    state.sum.fill(0);
    state.sumSquaredNorm = 0;
    state.normTotal = 0;
    for (const entry of state.vectors) this.#add(state, entry.topic, 1);
    state.pushesSinceRebuild = 0;
  }
}
