/**
 * PRADA (Juuti et al. 2019, "PRADA: Protecting against DNN Model Stealing Attacks"): for each new
 * query, the distance to the closest earlier query of the same key; benign queries drawn from a
 * natural distribution give roughly normally distributed distances, while an attacker's synthetic
 * queries (perturbations of seeds, template sweeps) give clumps of tiny distances next to large ones.
 * The Shapiro–Wilk W of the key's recent distances falling below δ raises the alarm. Here a query is
 * its hashed word n-gram vector (unit length) and the distance is Euclidean, as in the paper; the
 * earlier queries are the key's last `historySize`, so memory and time stay bounded.
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { sketchOf, VECTOR_DIMENSIONS } from './prompt-sketch.js';
import { RingWindow } from './ring-window.js';
import { figure, noEvidence, ramp } from './scoring.js';
import { shapiroWilk } from './shapiro-wilk.js';
import { dotDense, squaredNorm, type SparseVector } from './sparse-vector.js';

/** Settings of the PRADA detector. */
export interface PradaDetectorOptions {
  /** Earlier queries each new one is compared with; default 200. */
  historySize?: number;
  /** Minimum distances tested (the most recent); default 150. */
  distanceWindow?: number;
  /** Distances needed before testing (PRADA too waits for a minimum); default 40. */
  minimumDistances?: number;
  /** W at or above which the score is 0 and at or below which it is 1; defaults 0.96 and 0.86. */
  alarmAbove?: number;
  alarmBelow?: number;
  maxKeys?: number;
}

/** Cosine similarity from which a query repeats an earlier one exactly: a retry adds no distance. */
const REPEAT_COSINE = 0.9999;

interface KeyDistances {
  history: RingWindow<SparseVector>;
  distances: RingWindow<number>;
  w: number;
  pValue: number;
  repeats: number;
}

/** Scatter buffer for the new query: dense, so each comparison costs the stored query's non-zeros only. */
const scratch = new Float32Array(VECTOR_DIMENSIONS);

/** Scores how far the distribution of a key's nearest-query distances departs from normal. */
export class PradaDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'prada';
  readonly #historySize: number;
  readonly #distanceWindow: number;
  readonly #minimum: number;
  readonly #above: number;
  readonly #below: number;
  readonly #keys: KeyedState<KeyDistances>;

  constructor(options: PradaDetectorOptions = {}) {
    this.#historySize = options.historySize ?? 200;
    this.#distanceWindow = options.distanceWindow ?? 150;
    this.#minimum = options.minimumDistances ?? 40;
    this.#above = options.alarmAbove ?? 0.96;
    this.#below = options.alarmBelow ?? 0.86;
    this.#keys = new KeyedState(options.maxKeys);
    if (!(this.#minimum >= 3 && this.#minimum <= this.#distanceWindow)) throw new RangeError(`PRADA needs 3 ≤ minimumDistances ≤ distanceWindow, got ${this.#minimum} and ${this.#distanceWindow}`);
    if (!(this.#below < this.#above)) throw new RangeError('PRADA needs alarmBelow < alarmAbove');
  }

  observe(keyId: string, features: RequestFeatures): void {
    const vector = sketchOf(features).vector;
    if (squaredNorm(vector) === 0) return;
    const state = this.#keys.touch(keyId, () => ({ history: new RingWindow(this.#historySize), distances: new RingWindow(this.#distanceWindow), w: Number.NaN, pValue: Number.NaN, repeats: 0 }));
    const closest = closestCosine(vector, state.history);
    if (closest >= REPEAT_COSINE) {
      state.repeats++;
      return;
    }
    state.history.push(vector);
    if (closest === Number.NEGATIVE_INFINITY) return;
    state.distances.push(Math.sqrt(Math.max(0, 2 - 2 * closest)));
    if (state.distances.length < this.#minimum) return;
    const distances = new Float64Array(state.distances.length);
    state.distances.forEach((distance, index) => (distances[index] = distance));
    const test = shapiroWilk(distances);
    // All distances equal is as far from normal as it gets (a perfectly regular sweep).
    state.w = test?.w ?? 0;
    state.pValue = test?.pValue ?? 0;
  }

  score(keyId: string): DetectorScore {
    const state = this.#keys.peek(keyId);
    if (state === undefined || state.history.length === 0) return noEvidence();
    const count = state.distances.length;
    if (count < this.#minimum) return { score: 0, reasons: [`${count} nearest-query distances so far; PRADA tests from ${this.#minimum}`] };
    const score = ramp(this.#above - state.w, 0, this.#above - this.#below) * ramp(count, this.#minimum, 2 * this.#minimum);
    const reasons = [`Shapiro–Wilk W = ${figure(state.w)} (p = ${figure(state.pValue)}) for the distances from each of the last ${count} queries to its closest earlier query; natural traffic stays above about ${this.#above}, alarm at ${this.#below} and below`];
    if (state.repeats > 0) reasons.push(`${state.repeats} exact repeats left out`);
    return { score, reasons };
  }
}

/** Largest cosine similarity between `vector` and the history (−∞ when the history is empty). */
function closestCosine(vector: SparseVector, history: RingWindow<SparseVector>): number {
  if (history.length === 0) return Number.NEGATIVE_INFINITY;
  for (let position = 0; position < vector.indices.length; position++) scratch[vector.indices[position] as number] = vector.values[position] as number;
  let best = Number.NEGATIVE_INFINITY;
  history.forEach((earlier) => (best = Math.max(best, dotDense(earlier, scratch, 0))));
  for (const index of vector.indices) scratch[index] = 0;
  return best;
}
