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

  it('waits through a shared pause, sleeping on the injected clock', async () => {
    const { now, advance } = clock();
    const limiter = new RateLimiter({}, now);
    limiter.pauseUntil(now() + 5000);
    const sleeps: number[] = [];
    const acquired = await limiter.acquire(1, async (ms) => { sleeps.push(ms); advance(ms); });
    expect(acquired).toBe(true);
    expect(sleeps).toEqual([5000]);
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
