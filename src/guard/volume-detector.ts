/**
 * The simplest detector: request volume per key over a sliding window. Harvesting a model takes
 * many queries, so volume is a weak but cheap first signal; the sharper detectors build on the same seam.
 */
import type { Detector, DetectorScore, RequestFeatures } from './types.js';

/** Settings of the volume detector. */
export interface VolumeDetectorOptions {
  /** Sliding window length in ms; default one minute. */
  windowMs?: number;
  /** Requests within the window at which the score reaches 1; default 120. */
  saturationRequests?: number;
  now?: () => number;
}

/** Scores a key by how many requests it sent in the last window, linearly up to `saturationRequests`. */
export class VolumeDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'volume';
  readonly #windowMs: number;
  readonly #saturation: number;
  readonly #now: () => number;
  readonly #arrivals = new Map<string, number[]>();

  constructor(options: VolumeDetectorOptions = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#saturation = options.saturationRequests ?? 120;
    this.#now = options.now ?? Date.now;
    if (!(this.#windowMs > 0) || !(this.#saturation >= 1)) throw new RangeError(`volume detector needs windowMs > 0 and saturationRequests >= 1, got ${this.#windowMs} and ${this.#saturation}`);
  }

  observe(keyId: string, features: RequestFeatures): void {
    const arrivals = this.#recent(keyId);
    arrivals.push(features.at);
    // The score saturates, so older arrivals beyond the saturation count change nothing: memory stays bounded per key.
    if (arrivals.length > this.#saturation) arrivals.splice(0, arrivals.length - this.#saturation);
    this.#arrivals.set(keyId, arrivals);
  }

  score(keyId: string): DetectorScore {
    const count = this.#recent(keyId).length;
    const score = Math.min(1, count / this.#saturation);
    const seconds = Math.round(this.#windowMs / 1000);
    const reasons = count === 0 ? [] : [`${count}${count >= this.#saturation ? '+' : ''} requests in the last ${seconds} s (score 1 at ${this.#saturation})`];
    return { score, reasons };
  }

  /** The key's arrivals still inside the window. */
  #recent(keyId: string): number[] {
    const cutoff = this.#now() - this.#windowMs;
    const arrivals = (this.#arrivals.get(keyId) ?? []).filter((at) => at > cutoff);
    if (arrivals.length === 0) this.#arrivals.delete(keyId);
    else this.#arrivals.set(keyId, arrivals);
    return arrivals;
  }
}
