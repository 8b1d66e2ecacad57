import { TokenBucket } from '../util/token-bucket.js';

/** Limits for one teacher; both optional (no limit when absent). */
export interface RateLimits {
  /** Requests per minute. */
  rpm?: number;
  /** Tokens per minute (input estimate plus max output tokens of each request). */
  tpm?: number;
}

/**
 * Requests-per-minute and tokens-per-minute buckets taken together, plus a shared pause: when the
 * teacher says "retry after N ms" to one call, every worker holds off, not only that one.
 */
export class RateLimiter {
  readonly #requests: TokenBucket | null;
  readonly #tokens: TokenBucket | null;
  readonly #now: () => number;
  #pausedUntil = 0;

  /** A limiter for `limits` with an injected clock. */
  constructor(limits: RateLimits, now: () => number = Date.now) {
    this.#now = now;
    this.#requests = limits.rpm === undefined ? null : new TokenBucket(limits.rpm, limits.rpm, now);
    this.#tokens = limits.tpm === undefined ? null : new TokenBucket(limits.tpm, limits.tpm, now);
  }

  /** Stops every request from starting before `until` (ms on the injected clock). */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }

  /** Milliseconds to wait before a request of `tokens` may start, or 0 after taking its share. */
  tryAcquire(tokens: number): number {
    const paused = this.#pausedUntil - this.#now();
    const wait = Math.max(paused, this.#requests?.waitTime(1) ?? 0, this.#tokens?.waitTime(tokens) ?? 0);
    if (wait > 0) return wait;
    // Both buckets said "now" in this same synchronous turn, so neither take can fail.
    this.#requests?.tryTake(1);
    this.#tokens?.tryTake(tokens);
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
