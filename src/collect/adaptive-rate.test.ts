import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/random.js';
import { TokenBucket } from '../util/token-bucket.js';
import { AdaptiveRate } from './adaptive-rate.js';

/** A manual clock. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => { time += ms; } };
}

/**
 * A client that would send `wantPerSecond` requests per second (evenly, one ms at a time) through
 * the rate, against a server that `decides` each request on arrival; all on the injected clock.
 * Returns what was accepted and refused per second, and the learnt rate at each second's end.
 */
function simulate(rate: AdaptiveRate, advance: (ms: number) => void, seconds: number, wantPerSecond: number, decides: () => boolean) {
  const perSecond: Array<{ accepted: number; refused: number; rate: number | null }> = [];
  let due = 0;
  for (let second = 0; second < seconds; second++) {
    let accepted = 0;
    let refused = 0;
    for (let ms = 0; ms < 1000; ms++) {
      due += wantPerSecond / 1000;
      while (due >= 1 && rate.waitTime() === 0) {
        due -= 1;
        rate.recordStart();
        if (decides()) {
          accepted++;
          rate.recordAnswered();
        } else {
          refused++;
          rate.recordThrottled();
        }
      }
      // What could not start waits, but a client does not bank more than one second's worth.
      due = Math.min(due, wantPerSecond);
      advance(1);
    }
    perSecond.push({ accepted, refused, rate: rate.perSecond });
  }
  return perSecond;
}

describe('AdaptiveRate', () => {
  it('sets no limit of its own until the first 429', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({}, now);
    for (let index = 0; index < 1000; index++) {
      expect(rate.waitTime()).toBe(0);
      rate.recordStart();
      rate.recordAnswered();
      advance(1);
    }
    expect(rate.perSecond).toBeNull();
  });

  /** One request every 10 ms for a second: `refusedEvery` = k refuses each k-th, the others are answered. */
  function oneSecond(rate: AdaptiveRate, advance: (ms: number) => void, refused: (index: number) => boolean): void {
    for (let index = 0; index < 100; index++) {
      rate.recordStart();
      if (refused(index)) rate.recordThrottled();
      else rate.recordAnswered();
      advance(10);
    }
  }

  it('cuts multiplicatively from the sending rate when many requests are refused, once per window', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({ decreaseFactor: 0.5 }, now);
    // 9 in 10 refused (far over a limit); nothing is cut during the first window, which is still being measured.
    oneSecond(rate, advance, (index) => index % 10 !== 0);
    expect(rate.perSecond).toBeNull();
    rate.recordThrottled();
    // 99 starts fall in the window (the first is exactly one window old): 0.5 × 99/s.
    expect(rate.perSecond).toBeCloseTo(49.5, 6);
    for (let index = 0; index < 20; index++) rate.recordThrottled();
    expect(rate.perSecond).toBeCloseTo(49.5, 6);
    advance(1000);
    rate.recordStart();
    rate.recordThrottled();
    // A window later, it cuts again, from the (lower) rate it actually sent at.
    expect(rate.perSecond).toBeLessThan(49.5 / 2);
  });

  it('does not slow down for a small share of refusals (random 429s), however many windows they last', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({}, now);
    for (let second = 0; second < 10; second++) oneSecond(rate, advance, (index) => index % 10 === 3);
    expect(rate.perSecond).toBeNull();
  });

  it('never cuts below the rate the server was accepting, plus the tolerance as headroom', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({ decreaseFactor: 0.5, tolerance: 0.15 }, now);
    oneSecond(rate, advance, (index) => index % 10 < 3);
    rate.recordThrottled();
    // About 70 of 100 answered in the window: not cut to 0.5 × 100, but to 70 × 1.15.
    expect(rate.perSecond).toBeGreaterThanOrEqual(69 * 1.15);
    expect(rate.perSecond).toBeLessThanOrEqual(71 * 1.15);
  });

  it('paces requests to the learnt rate and raises it additively with each answer', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({ decreaseFactor: 0.5, increasePerSecond: 0.1 }, now);
    oneSecond(rate, advance, () => true);
    rate.recordThrottled();
    expect(rate.perSecond).toBeCloseTo(49.5, 6);
    // Once the token in hand is spent, the next start is 1/49.5 s away.
    expect(rate.waitTime()).toBe(0);
    rate.recordStart();
    expect(rate.waitTime()).toBe(Math.ceil(1000 / 49.5));
    // The step is 10 % of the cut rate per second of answers: a second's worth of answers (~50) adds about 4.95/s.
    for (let index = 0; index < 50; index++) rate.recordAnswered();
    expect(rate.perSecond).toBeGreaterThan(49.5 + 4.5);
    expect(rate.perSecond).toBeLessThan(49.5 + 5);
  });

  it('respects the configured ceiling and floor', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({ ceilingPerSecond: 5, floorPerSecond: 2, decreaseFactor: 0.01 }, now);
    for (let index = 0; index < 10; index++) {
      rate.recordStart();
      rate.recordThrottled();
      advance(100);
    }
    rate.recordThrottled();
    expect(rate.perSecond).toBe(2);
    for (let index = 0; index < 10_000; index++) rate.recordAnswered();
    expect(rate.perSecond).toBe(5);
  });

  it('against a hidden limit of 20/s with 100/s wanted, settles just above it: the server stays saturated', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({}, now);
    const server = new TokenBucket(2, 20 * 60, now);
    const seconds = simulate(rate, advance, 30, 100, () => server.tryTake(1));
    const settled = seconds.slice(10);
    const accepted = settled.reduce((sum, second) => sum + second.accepted, 0) / settled.length;
    const refused = settled.reduce((sum, second) => sum + second.refused, 0) / settled.length;
    expect(accepted).toBeGreaterThanOrEqual(0.9 * 20);
    // Far fewer refusals than the 80/s of sending blind.
    expect(refused).toBeLessThan(0.25 * 20);
    for (const second of settled) expect(second.rate).toBeLessThan(30);
  });

  it('with 10 % random 429s, keeps sending at nearly the full rate instead of halving it again and again', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({}, now);
    const random = seededRandom(3);
    const seconds = simulate(rate, advance, 30, 100, () => random() >= 0.1);
    const settled = seconds.slice(5);
    const sent = settled.reduce((sum, second) => sum + second.accepted + second.refused, 0) / settled.length;
    expect(sent).toBeGreaterThanOrEqual(85);
  });
});
