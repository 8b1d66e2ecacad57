/**
 * Where a throttled key's token bucket lives. Alone, a gateway keeps buckets in memory; replicas
 * share one bucket per key in Redis, so a throttled key gets its rate once, not once per replica.
 */
import { TokenBucket } from '../util/token-bucket.js';
import type { PolicyRule } from './policy-config.js';

/** Whether one request of a throttled key may go on, and if not, when to retry. */
export interface ThrottleResult {
  allowed: boolean;
  /** Milliseconds until a token is available; 0 when allowed. */
  retryAfterMs: number;
}

/** Spends tokens from per-key buckets sized by the key's rule; may reject with a StoreError when shared state is down. */
export interface Throttle {
  readonly kind: string;
  take(keyId: string, rule: PolicyRule): Promise<ThrottleResult>;
}

/** Token buckets in this process's memory. */
export class LocalThrottle implements Throttle {
  readonly kind = 'local';
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async take(keyId: string, rule: PolicyRule): Promise<ThrottleResult> {
    const bucket = this.#bucketFor(keyId, rule);
    if (bucket.tryTake(1)) return { allowed: true, retryAfterMs: 0 };
    return { allowed: false, retryAfterMs: bucket.waitTime(1) };
  }

  /** The key's bucket, rebuilt if its rule's size changed. */
  #bucketFor(keyId: string, rule: PolicyRule): TokenBucket {
    const existing = this.#buckets.get(keyId);
    if (existing !== undefined && existing.capacity === rule.throttleBurst && existing.refillPerMs === rule.throttleRequestsPerMinute / 60_000) return existing;
    const bucket = new TokenBucket(rule.throttleBurst, rule.throttleRequestsPerMinute, this.#now);
    this.#buckets.set(keyId, bucket);
    return bucket;
  }
}
