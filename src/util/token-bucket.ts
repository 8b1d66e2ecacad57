/**
 * A token bucket with an injected clock. Requests larger than the bucket are let through once the
 * bucket is full, leaving it in debt, so a single oversized request waits its fair share instead of
 * waiting forever.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly refillPerMs: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  /** A bucket holding `capacity` tokens that refills at `refillPerMinute`, starting full. */
  constructor(capacity: number, refillPerMinute: number, now: () => number = Date.now) {
    if (!(capacity > 0) || !(refillPerMinute > 0)) throw new RangeError(`token bucket needs a positive capacity and refill rate, got ${capacity} and ${refillPerMinute}`);
    this.capacity = capacity;
    this.refillPerMs = refillPerMinute / 60_000;
    this.#now = now;
    this.#tokens = capacity;
    this.#updatedAt = now();
  }

  /** Tokens available now (negative while in debt after an oversized request). */
  available(): number {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.refillPerMs);
    this.#updatedAt = now;
    return this.#tokens;
  }

  /** Milliseconds until `amount` could be taken (0 = now). */
  waitTime(amount: number): number {
    const needed = Math.min(amount, this.capacity);
    const missing = needed - this.available();
    return missing <= 0 ? 0 : Math.ceil(missing / this.refillPerMs);
  }

  /** Takes `amount` if it can be taken now; returns whether it did. */
  tryTake(amount: number): boolean {
    if (this.waitTime(amount) > 0) return false;
    this.#tokens -= amount;
    return true;
  }
}
