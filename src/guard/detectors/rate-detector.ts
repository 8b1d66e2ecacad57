/**
 * Volume and pace beyond the per-minute count: harvesting enough outputs to train on takes thousands
 * of requests a day, for hours, at a steady rhythm, while people come in bursts and sleep. Four
 * signals, the strongest wins: requests in the last day, requests in the last hour, hours active in
 * the last day, and a steady rhythm, which counts only at an hourly volume no person keeps up (a
 * developer's batch job of a few hundred requests is steady too, and is not a harvest).
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { RingWindow } from './ring-window.js';
import { figure, noEvidence, ramp } from './scoring.js';
import { TimeBuckets } from './time-buckets.js';

/** Settings of the rate detector. */
export interface RateDetectorOptions {
  /** Requests in one day at which the daily signal reaches 1; default 1,500. It starts at 40% of this. */
  dailySaturation?: number;
  /** Requests in one hour at which the hourly signal reaches 1; default 1,500 (one every 2.4 s). It starts at 40% of this. */
  hourlySaturation?: number;
  /** Gaps between requests kept for the regularity signal; default 100. */
  gapWindow?: number;
  now?: () => number;
  maxKeys?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Gaps longer than this are breaks between sessions, not the rhythm within one. */
const SESSION_BREAK_MS = HOUR;

interface KeyPace {
  minutes: TimeBuckets;
  hours: TimeBuckets;
  gaps: RingWindow<number>;
  gapSum: number;
  gapSquares: number;
  lastAt: number | null;
}

/** Scores a key's volume and pace: daily and hourly volume, hours active per day, and a machine-like rhythm. */
export class RateDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'rate';
  readonly #dailySaturation: number;
  readonly #hourlySaturation: number;
  readonly #gapWindow: number;
  readonly #now: () => number;
  readonly #keys: KeyedState<KeyPace>;

  constructor(options: RateDetectorOptions = {}) {
    this.#dailySaturation = options.dailySaturation ?? 1500;
    this.#hourlySaturation = options.hourlySaturation ?? 1500;
    this.#gapWindow = options.gapWindow ?? 100;
    this.#now = options.now ?? Date.now;
    this.#keys = new KeyedState(options.maxKeys);
    if (!(this.#dailySaturation >= 5) || !(this.#hourlySaturation >= 5) || !(this.#gapWindow >= 10)) throw new RangeError(`rate detector needs dailySaturation ≥ 5, hourlySaturation ≥ 5 and gapWindow ≥ 10, got ${this.#dailySaturation}, ${this.#hourlySaturation} and ${this.#gapWindow}`);
  }

  observe(keyId: string, features: RequestFeatures): void {
    const pace = this.#keys.touch(keyId, () => ({ minutes: new TimeBuckets(MINUTE, 60), hours: new TimeBuckets(HOUR, 24), gaps: new RingWindow<number>(this.#gapWindow), gapSum: 0, gapSquares: 0, lastAt: null }));
    pace.minutes.add(features.at);
    pace.hours.add(features.at);
    if (pace.lastAt !== null) {
      const gap = Math.min(SESSION_BREAK_MS, Math.max(0, features.at - pace.lastAt));
      const evicted = pace.gaps.push(gap);
      pace.gapSum += gap - (evicted ?? 0);
      pace.gapSquares += gap * gap - (evicted ?? 0) ** 2;
    }
    pace.lastAt = Math.max(pace.lastAt ?? features.at, features.at);
  }

  score(keyId: string): DetectorScore {
    const pace = this.#keys.peek(keyId);
    if (pace === undefined || pace.lastAt === null) return noEvidence();
    const now = this.#now();
    const lastDay = pace.hours.total(now);
    const lastHour = pace.minutes.total(now);
    const activeHours = pace.hours.busyBuckets(now);
    const daily = ramp(lastDay, 0.4 * this.#dailySaturation, this.#dailySaturation);
    const hourly = ramp(lastHour, 0.4 * this.#hourlySaturation, this.#hourlySaturation);
    const sustained = ramp(activeHours, 14, 21);
    const { regular, variation, count } = this.#regularity(pace);
    const rhythm = regular * ramp(lastHour, 0.2 * this.#hourlySaturation, 0.4 * this.#hourlySaturation);
    const score = Math.max(daily, hourly, sustained, rhythm);
    const reasons: string[] = [];
    if (lastDay > 0) reasons.push(`${lastDay} requests in the last 24 hours and ${lastHour} in the last hour (signals from ${0.4 * this.#dailySaturation} a day or ${0.4 * this.#hourlySaturation} an hour)`);
    if (activeHours > 1) reasons.push(`active in ${activeHours} of the last 24 hours (people rarely exceed 14)`);
    if (count >= 20) reasons.push(`gaps between requests vary by a coefficient of ${figure(variation)} over ${count} gaps (people are bursty, above 1.2; a steady script is below 1)`);
    return { score, reasons };
  }

  /** Regularity in [0, 1] from the coefficient of variation of recent gaps, once 50 gaps are known. */
  #regularity(pace: KeyPace): { regular: number; variation: number; count: number } {
    const count = pace.gaps.length;
    if (count < 2) return { regular: 0, variation: Number.NaN, count };
    const mean = pace.gapSum / count;
    const variance = Math.max(0, pace.gapSquares / count - mean * mean);
    const variation = mean > 0 ? Math.sqrt(variance) / mean : 0;
    return { regular: count >= 50 ? ramp(1.2 - variation, 0, 0.6) : 0, variation, count };
  }
}
