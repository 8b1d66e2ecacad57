import { describe, expect, it } from 'vitest';
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
