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

  /** One request every 10 ms for a second; `refused(index)` says which the server refuses, the others are answered. */
  function oneSecond(rate: AdaptiveRate, advance: (ms: number) => void, refused: (index: number) => boolean): void {
    for (let index = 0; index < 100; index++) {
      rate.recordStart();
      if (refused(index)) rate.recordThrottled();
      else rate.recordAnswered();
      advance(10);
    }
  }

  it('when most requests are refused (far over a limit), halves the rate, then cuts to the accepted rate plus headroom; once per window', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({ tolerance: 0.15 }, now);
    oneSecond(rate, advance, (index) => index % 10 !== 0);
    // Nothing is cut during the first window: it is still being measured.
    expect(rate.perSecond).toBeNull();
    rate.recordThrottled();
    // In the window (the first request is exactly one window old) 99 were sent, 9 answered: at most halved, to 49.5/s.
    expect(rate.perSecond).toBeCloseTo(99 / 2, 6);
    for (let index = 0; index < 20; index++) rate.recordThrottled();
    expect(rate.perSecond).toBeCloseTo(99 / 2, 6);
    // Next window: sending 49.5/s, of which 10/s accepted (a server limit): down to 10 × 1.15 would be more than half, so it goes there.
    for (let index = 0; index < 50; index++) {
      while (rate.waitTime() > 0) advance(rate.waitTime());
      rate.recordStart();
      if (index % 5 === 0) rate.recordAnswered();
      else rate.recordThrottled();
    }
    advance(1000 - (now() % 1000));
    rate.recordStart();
    rate.recordThrottled();
    expect(rate.perSecond).toBeLessThan(49.5 * 0.6);
    expect(rate.perSecond).toBeGreaterThanOrEqual(49.5 / 2);
  });

  it('when a modest share is refused, cuts by a factor that grows with the share (1 - share / 2)', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({ tolerance: 0.15 }, now);
    oneSecond(rate, advance, (index) => index % 10 < 2);
    rate.recordThrottled();
    // 99 sent per second; 20 of the last 100 outcomes refused: 99 × 0.9 (above 80 accepted × 1.15 it would not go).
    expect(rate.perSecond).toBeCloseTo(99 * 0.9, 6);
  });

  it('does not slow down for a small share of refusals (random 429s), however many windows they last', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({}, now);
    for (let second = 0; second < 10; second++) oneSecond(rate, advance, (index) => index % 10 === 3);
    expect(rate.perSecond).toBeNull();
  });

  it('paces requests to the learnt rate and raises it additively with each answer', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({ increasePerSecond: 0.1 }, now);
    oneSecond(rate, advance, (index) => index % 10 < 2);
    rate.recordThrottled();
    const cut = 99 * 0.9;
    // The token in hand spent, the next start is 1/cut s away.
    expect(rate.waitTime()).toBe(0);
    rate.recordStart();
    expect(rate.waitTime()).toBe(Math.ceil(1000 / cut));
    // The step is 10 % of the cut rate per second of answers: a second's worth of answers adds about 8.9/s.
    for (let index = 0; index < Math.round(cut); index++) rate.recordAnswered();
    expect(rate.perSecond).toBeGreaterThan(cut + 0.09 * cut);
    expect(rate.perSecond).toBeLessThan(cut + 0.1 * cut);
  });

  it('doubles the additive step for each window without a cut, so a deep cut is recovered from in seconds', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({ increasePerSecond: 0.1 }, now);
    oneSecond(rate, advance, (index) => index % 10 < 2);
    rate.recordThrottled();
    const cut = rate.perSecond as number;
    const step = 0.1 * cut;
    rate.recordAnswered();
    expect(rate.perSecond).toBeCloseTo(cut + step / cut, 9);
    advance(1000);
    const before = rate.perSecond as number;
    rate.recordAnswered();
    expect(rate.perSecond).toBeCloseTo(before + (2 * step) / before, 9);
    advance(2000);
    const later = rate.perSecond as number;
    rate.recordAnswered();
    expect(rate.perSecond).toBeCloseTo(later + (8 * step) / later, 9);
  });

  it('respects the configured ceiling and floor', () => {
    /** 10 requests over a second, all refused, then the cut. */
    const cutFromTen = (options: { ceilingPerSecond?: number; floorPerSecond?: number }): AdaptiveRate => {
      const { now, advance } = clock();
      const rate = new AdaptiveRate(options, now);
      for (let index = 0; index < 10; index++) {
        rate.recordStart();
        rate.recordThrottled();
        advance(100);
      }
      rate.recordThrottled();
      return rate;
    };
    expect(cutFromTen({}).perSecond).toBe(5);
    expect(cutFromTen({ floorPerSecond: 8 }).perSecond).toBe(8);
    const capped = cutFromTen({ ceilingPerSecond: 4 });
    expect(capped.perSecond).toBe(4);
    for (let index = 0; index < 10_000; index++) capped.recordAnswered();
    expect(capped.perSecond).toBe(4);
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

  it('with half the requests refused at random, undoes its cut once it sees cutting does not help, instead of slowing to nothing', () => {
    const { now, advance } = clock();
    const rate = new AdaptiveRate({}, now);
    const random = seededRandom(5);
    const seconds = simulate(rate, advance, 30, 100, () => random() >= 0.5);
    const settled = seconds.slice(5);
    const sent = settled.reduce((sum, second) => sum + second.accepted + second.refused, 0) / settled.length;
    expect(sent).toBeGreaterThanOrEqual(90);
  });
});
