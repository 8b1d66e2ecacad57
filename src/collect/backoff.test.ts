import { describe, expect, it } from 'vitest';
import { seededRandom } from '../util/random.js';
import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it('grows from 0.5 s doubling to an 8 s cap (upper edge of the jitter)', () => {
    const top = (): number => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelayMs(attempt, top))).toEqual([499, 999, 1999, 3999, 7999, 7999, 7999]);
  });

  it('uses full jitter: anywhere from 0 up to the ceiling', () => {
    expect(backoffDelayMs(3, () => 0)).toBe(0);
    expect(backoffDelayMs(3, () => 0.5)).toBe(1000);
    const random = seededRandom(7);
    const delays = Array.from({ length: 200 }, () => backoffDelayMs(4, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(4000);
    expect(new Set(delays).size).toBeGreaterThan(150);
  });

  it("honours the server's retry-after, clamped to a sane maximum", () => {
    expect(backoffDelayMs(1, () => 0.9, 1234)).toBe(1234);
    expect(backoffDelayMs(5, () => 0.9, 0)).toBe(0);
    expect(backoffDelayMs(1, () => 0.9, 3_600_000)).toBe(60_000);
    expect(backoffDelayMs(1, () => 0.5, Number.NaN)).toBe(250);
  });
});
