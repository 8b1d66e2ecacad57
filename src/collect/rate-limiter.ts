import { TokenBucket } from '../util/token-bucket.js';
import { AdaptiveRate, type AdaptiveRateOptions } from './adaptive-rate.js';

/** Limits for one teacher; both optional (no limit when absent). */
export interface RateLimits {
  /** Requests per minute. */
  rpm?: number;
  /** Tokens per minute (input estimate plus max output tokens of each request). */
  tpm?: number;
}

/**
 * Requests-per-minute and tokens-per-minute buckets taken together (the configured ceilings), plus
 * the rate the teacher turns out to accept, learnt from its 429s (adaptive-rate.ts). A 429 slows the
 * shared rate; it no longer pauses every worker: only the call that got it waits its retry-after.
 */
export class RateLimiter {
  readonly #requests: TokenBucket | null;
  readonly #tokens: TokenBucket | null;
  readonly #adaptive: AdaptiveRate;

  /** A limiter for `limits` with an injected clock. */
  constructor(limits: RateLimits, now: () => number = Date.now, adaptive: Omit<AdaptiveRateOptions, 'ceilingPerSecond'> = {}) {
    this.#requests = limits.rpm === undefined ? null : new TokenBucket(limits.rpm, limits.rpm, now);
    this.#tokens = limits.tpm === undefined ? null : new TokenBucket(limits.tpm, limits.tpm, now);
    this.#adaptive = new AdaptiveRate({ ...adaptive, ...(limits.rpm === undefined ? {} : { ceilingPerSecond: limits.rpm / 60 }) }, now);
  }

  /** The learnt rate in requests per second, or null while the teacher has sent no 429. */
  get learntPerSecond(): number | null {
    return this.#adaptive.perSecond;
  }

  /** The teacher refused a call with 429: slow the shared rate down. */
  throttled(): void {
    this.#adaptive.recordThrottled();
  }

  /** The teacher answered a call: let the shared rate grow back. */
  answered(): void {
    this.#adaptive.recordAnswered();
  }

  /** Milliseconds to wait before a request of `tokens` may start, or 0 after taking its share. */
  tryAcquire(tokens: number): number {
    const wait = Math.max(this.#adaptive.waitTime(), this.#requests?.waitTime(1) ?? 0, this.#tokens?.waitTime(tokens) ?? 0);
    if (wait > 0) return wait;
    // Every limit said "now" in this same synchronous turn, so no take can fail.
    this.#requests?.tryTake(1);
    this.#tokens?.tryTake(tokens);
    this.#adaptive.recordStart();
    return 0;
  }

  /** Waits (with the given sleep) until a request of `tokens` may start, then takes its share. */
  async acquire(tokens: number, sleep: (ms: number) => Promise<void>, shouldStop: () => boolean = () => false): Promise<boolean> {
    for (;;) {
      if (shouldStop()) return false;
      const wait = this.tryAcquire(tokens);
      if (wait === 0) return true;
      await sleep(wait);
    }
  }
}
