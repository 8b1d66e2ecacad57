import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';
import { TokenBucket } from '../util/token-bucket.js';

/** A manual clock. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => { time += ms; } };
}

describe('RateLimiter', () => {
  it('applies the stricter of RPM and TPM', () => {
    const { now, advance } = clock();
    const limiter = new RateLimiter({ rpm: 10, tpm: 1000 }, now);
    expect(limiter.tryAcquire(600)).toBe(0);
    expect(limiter.tryAcquire(600)).toBe(12_000);
    advance(12_000);
    expect(limiter.tryAcquire(600)).toBe(0);
    const requestsOnly = new RateLimiter({ rpm: 2 }, now);
    expect([requestsOnly.tryAcquire(1e9), requestsOnly.tryAcquire(1e9), requestsOnly.tryAcquire(1)]).toEqual([0, 0, 30_000]);
  });

  it('on a 429 slows the shared rate without pausing everyone: the next request may start at once', () => {
    const { now, advance } = clock();
    const limiter = new RateLimiter({}, now);
    for (let index = 0; index < 10; index++) {
      expect(limiter.tryAcquire(1)).toBe(0);
      advance(100);
    }
    expect(limiter.learntPerSecond).toBeNull();
    limiter.throttled();
    // 10 requests a second were sent and the only outcome was a refusal: cut by half, to 5/s.
    expect(limiter.learntPerSecond).toBe(5);
    expect(limiter.tryAcquire(1)).toBe(0);
    expect(limiter.tryAcquire(1)).toBe(200);
    limiter.answered();
    expect(limiter.learntPerSecond).toBeGreaterThan(5);
  });

  it('never lets the learnt rate exceed the configured rpm', () => {
    const { now, advance } = clock();
    const limiter = new RateLimiter({ rpm: 600 }, now);
    for (let index = 0; index < 10; index++) {
      limiter.tryAcquire(1);
      advance(100);
    }
    limiter.throttled();
    for (let index = 0; index < 100_000; index++) limiter.answered();
    expect(limiter.learntPerSecond).toBe(10);
  });

  it('gives up waiting when told to stop', async () => {
    const { now } = clock();
    const limiter = new RateLimiter({ rpm: 1 }, now);
    expect(limiter.tryAcquire(1)).toBe(0);
    let stop = false;
    const acquired = await limiter.acquire(1, async () => { stop = true; }, () => stop);
    expect(acquired).toBe(false);
  });
});
