import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';
import { TokenBucket } from './token-bucket.js';

/** A manual clock. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => { time += ms; } };
}

describe('TokenBucket', () => {
  it('starts full, empties, and refills at its rate per minute', () => {
    const { now, advance } = clock();
    const bucket = new TokenBucket(60, 60, now);
    expect(bucket.tryTake(60)).toBe(true);
    expect(bucket.tryTake(1)).toBe(false);
    expect(bucket.waitTime(1)).toBe(1000);
    advance(999);
    expect(bucket.tryTake(1)).toBe(false);
    advance(1);
    expect(bucket.tryTake(1)).toBe(true);
    advance(10 * 60_000);
    expect(bucket.available()).toBe(60);
  });

  it('lets a request bigger than the bucket through once full, then makes others wait for the debt', () => {
    const { now, advance } = clock();
    const bucket = new TokenBucket(100, 600, now);
    expect(bucket.tryTake(30)).toBe(true);
    expect(bucket.tryTake(250)).toBe(false);
    expect(bucket.waitTime(250)).toBe(3000);
    advance(3000);
    expect(bucket.tryTake(250)).toBe(true);
    expect(bucket.available()).toBe(-150);
    expect(bucket.waitTime(1)).toBe(15_100);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new TokenBucket(0, 10)).toThrow(RangeError);
    expect(() => new TokenBucket(10, -1)).toThrow(RangeError);
  });
});

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
