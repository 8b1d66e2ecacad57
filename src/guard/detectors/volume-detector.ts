/**
 * The simplest detector: request volume per key over a sliding window. Harvesting a model takes
 * many queries, so volume is a weak but cheap first signal; the sharper detectors build on the same seam.
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { RingWindow } from './ring-window.js';
import { noEvidence } from './scoring.js';

/** Settings of the volume detector. */
export interface VolumeDetectorOptions {
  /** Sliding window length in ms; default one minute. */
  windowMs?: number;
  /** Requests within the window at which the score reaches 1; default 120. */
  saturationRequests?: number;
  now?: () => number;
  maxKeys?: number;
}

/** Scores a key by how many requests it sent in the last window, linearly up to `saturationRequests`. */
export class VolumeDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'volume';
  readonly #windowMs: number;
  readonly #saturation: number;
  readonly #now: () => number;
  // The score saturates, so arrivals beyond the latest `saturation` change nothing: a ring of that size per key.
  readonly #arrivals: KeyedState<RingWindow<number>>;

  constructor(options: VolumeDetectorOptions = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#saturation = options.saturationRequests ?? 120;
    this.#now = options.now ?? Date.now;
    this.#arrivals = new KeyedState(options.maxKeys);
    if (!(this.#windowMs > 0) || !(this.#saturation >= 1)) throw new RangeError(`volume detector needs windowMs > 0 and saturationRequests >= 1, got ${this.#windowMs} and ${this.#saturation}`);
  }

  observe(keyId: string, features: RequestFeatures): void {
    this.#arrivals.touch(keyId, () => new RingWindow<number>(Math.ceil(this.#saturation))).push(features.at);
  }

  score(keyId: string): DetectorScore {
    const arrivals = this.#arrivals.peek(keyId);
    if (arrivals === undefined) return noEvidence();
    const cutoff = this.#now() - this.#windowMs;
    let count = 0;
    arrivals.forEach((at) => (count += at > cutoff ? 1 : 0));
    if (count === 0) {
      // Nothing recent: forget the key, so idle keys cost no memory.
      this.#arrivals.delete(keyId);
      return noEvidence();
    }
    const seconds = Math.round(this.#windowMs / 1000);
    return { score: Math.min(1, count / this.#saturation), reasons: [`${count}${count >= this.#saturation ? '+' : ''} requests in the last ${seconds} s (score 1 at ${this.#saturation})`] };
  }
}
