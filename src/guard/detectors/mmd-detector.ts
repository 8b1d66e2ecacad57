/**
 * A windowed two-sample test: the maximum mean discrepancy between a key's last `windowSize` prompts
 * and benign reference traffic, with an RBF kernel on hashed word n-gram vectors. The alarm starts at
 * the 99th percentile of MMD² over benign windows (so about 1 benign window in 100 reaches it) and the
 * score grows with the excess. The window's statistic is kept up to date incrementally: each request
 * costs one pass over the reference and two over the window, never a full recomputation.
 *
 * Without a reference the detector learns one from the first prompts it sees, a few per key so no
 * single key shapes it; until then it scores 0.
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { rbfFromDot } from './mmd.js';
import { MmdReference } from './mmd-reference.js';
import { newText, sketchOf, VECTOR_DIMENSIONS } from './prompt-sketch.js';
import { remoteViewOf } from './remote-view.js';
import { RingWindow } from './ring-window.js';
import { figure, noEvidence, ramp } from './scoring.js';
import { dotDense, squaredNorm, type SparseVector } from './sparse-vector.js';

/** Settings of the MMD detector. */
export interface MmdDetectorOptions {
  /** Benign prompts to compare with (e.g. a sample of the operator's normal traffic); default: learnt from the first traffic. */
  reference?: readonly string[] | MmdReference;
  /** Prompts per key window; default 50. */
  windowSize?: number;
  /** Without a reference: prompts collected before calibrating, and at most this many per key; defaults 1,000 and 5. */
  learnFromFirst?: number;
  learnPerKey?: number;
  /**
   * The score reaches 1 at q99 + fullAt × (q99 − median) of the benign null; default 60, which for
   * typical traffic is an MMD² of about 0.3 (a window of near-identical prompts): short of that the
   * score keeps grading how far from benign a window is instead of saturating.
   */
  fullAt?: number;
  maxKeys?: number;
}

interface KeyWindow {
  window: RingWindow<{ vector: SparseVector; cross: number }>;
  /** Σ over distinct pairs in the window of k(x_i, x_j). */
  pairSum: number;
  /** Σ over the window of the mean kernel to the reference. */
  crossSum: number;
}

const scratch = new Float32Array(VECTOR_DIMENSIONS);

/** Scores how far a key's recent prompts are, as a sample, from benign reference traffic. */
export class MmdDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'mmd';
  readonly #windowSize: number;
  readonly #fullAt: number;
  readonly #learnFromFirst: number;
  readonly #learnPerKey: number;
  readonly #keys: KeyedState<KeyWindow>;
  #reference: MmdReference | null;
  /** While learning: the collected prompts and how many each key gave. */
  #learning: { texts: string[]; perKey: Map<string, number> } | null = null;

  constructor(options: MmdDetectorOptions = {}) {
    this.#windowSize = options.windowSize ?? 50;
    this.#fullAt = options.fullAt ?? 60;
    this.#learnFromFirst = options.learnFromFirst ?? 1000;
    this.#learnPerKey = options.learnPerKey ?? 5;
    this.#keys = new KeyedState(options.maxKeys);
    const reference = options.reference;
    this.#reference = reference === undefined ? null : reference instanceof MmdReference ? reference : MmdReference.fromTexts(reference, { windowSize: this.#windowSize });
    if (this.#reference === null) this.#learning = { texts: [], perKey: new Map() };
    if (this.#reference !== null && this.#reference.windowSize !== this.#windowSize) throw new RangeError(`the MMD reference was calibrated for windows of ${this.#reference.windowSize}, not ${this.#windowSize}`);
    if (!(this.#windowSize >= 10)) throw new RangeError(`MMD detector needs windowSize ≥ 10, got ${this.#windowSize}`);
  }

  observe(keyId: string, features: RequestFeatures): void {
    const reference = this.#reference ?? this.#learn(keyId, features);
    if (reference === null) return;
    const vector = sketchOf(features).vector;
    if (squaredNorm(vector) === 0) return;
    const state = this.#keys.touch(keyId, () => ({ window: new RingWindow(this.#windowSize), pairSum: 0, crossSum: 0 }));
    if (state.window.length === this.#windowSize) {
      const oldest = state.window.at(0);
      if (oldest !== undefined) {
        state.pairSum -= kernelSum(oldest.vector, state.window, reference.sigmaSquared, 1);
        state.crossSum -= oldest.cross;
      }
    }
    const startsAt = state.window.length === this.#windowSize ? 1 : 0;
    state.pairSum += kernelSum(vector, state.window, reference.sigmaSquared, startsAt);
    const cross = reference.crossMean(vector);
    state.crossSum += cross;
    state.window.push({ vector, cross });
  }

  score(keyId: string): DetectorScore {
    const state = this.#keys.peek(keyId);
    const reference = this.#reference;
    if (state === undefined || reference === null || state.window.length < 2) return noEvidence();
    const m = state.window.length;
    const mmd = (2 * state.pairSum) / (m * (m - 1)) + reference.withinMean - (2 * state.crossSum) / m;
    const spread = Math.max(1e-9, reference.null99 - reference.nullMedian);
    const score = ramp(mmd, reference.null99, reference.null99 + this.#fullAt * spread) * ramp(m, 10, this.#windowSize);
    return { score, reasons: [`MMD² = ${figure(mmd)} between the last ${m} prompts and benign reference traffic (benign windows: median ${figure(reference.nullMedian)}, 99th percentile ${figure(reference.null99)})`] };
  }

  /** Collects reference prompts until there are enough, then calibrates; returns the reference once ready. */
  #learn(keyId: string, features: RequestFeatures): MmdReference | null {
    const learning = this.#learning;
    if (learning === null) return this.#reference;
    const given = learning.perKey.get(keyId) ?? 0;
    // Another replica's request comes without its text: the reference is learnt from this replica's own traffic.
    if (given < this.#learnPerKey && remoteViewOf(features) === undefined) {
      learning.perKey.set(keyId, given + 1);
      learning.texts.push(newText(features).slice(0, 2000));
    }
    if (learning.texts.length < this.#learnFromFirst) return null;
    this.#reference = MmdReference.fromTexts(learning.texts, { windowSize: this.#windowSize });
    this.#learning = null;
    return this.#reference;
  }
}

/** Σ k(vector, w) over the window's entries from index `from` (skipping the oldest when it is about to leave). */
function kernelSum(vector: SparseVector, window: RingWindow<{ vector: SparseVector }>, sigmaSquared: number, from: number): number {
  for (let position = 0; position < vector.indices.length; position++) scratch[vector.indices[position] as number] = vector.values[position] as number;
  let sum = 0;
  for (let index = from; index < window.length; index++) {
    const other = window.at(index);
    if (other !== undefined) sum += rbfFromDot(dotDense(other.vector, scratch, 0), sigmaSquared);
  }
  for (const index of vector.indices) scratch[index] = 0;
  return sum;
}
