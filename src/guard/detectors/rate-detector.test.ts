import { describe, expect, it } from 'vitest';
import { RateDetector } from './rate-detector.js';
import { request, verdictAfter } from './test-traffic.js';

const START = Date.UTC(2024, 0, 1, 9);

describe('RateDetector', () => {
  it('scores a person: a few bursty sessions a day', async () => {
    const clock = { now: START };
    const detector = new RateDetector({ now: () => clock.now });
    const traffic = [0, 1, 2].flatMap((session) => [0, 40, 95, 300, 330].map((seconds) => request(START + session * 4 * 3_600_000 + seconds * 1000, 'question')));
    const verdict = await verdictAfter(detector, 'person', traffic, clock);
    expect(verdict.score).toBe(0);
    expect(verdict.reasons[0]).toMatch(/^15 requests in the last 24 hours/);
  });

  it('scores a script high: thousands of requests a day at a steady pace', async () => {
    const clock = { now: START };
    const detector = new RateDetector({ now: () => clock.now });
    const traffic = Array.from({ length: 2000 }, (_, index) => request(START + index * 2500 + (index % 3) * 200, `prompt ${index}`));
    const verdict = await verdictAfter(detector, 'script', traffic, clock);
    expect(verdict.score).toBe(1);
    expect(verdict.reasons.join(' ')).toMatch(/2000 requests in the last 24 hours/);
    expect(verdict.reasons.join(' ')).toMatch(/coefficient of 0\.\d+ over 100 gaps/);
  });

  it('scores a steady batch of a few hundred requests low: regular, but not a harvest\'s volume', async () => {
    const clock = { now: START };
    const detector = new RateDetector({ now: () => clock.now });
    const verdict = await verdictAfter(detector, 'batch', Array.from({ length: 300 }, (_, index) => request(START + index * 1500, `item ${index}`)), clock);
    expect(verdict.score).toBeLessThan(0.1);
  });

  it('lets the hour pass: an old burst no longer counts', async () => {
    const clock = { now: START };
    const detector = new RateDetector({ now: () => clock.now, hourlySaturation: 100, dailySaturation: 10_000 });
    await verdictAfter(detector, 'k', Array.from({ length: 100 }, (_, index) => request(START + index * 1000, 'x')), clock);
    expect(detector.score('k').score).toBe(1);
    clock.now += 2 * 3_600_000;
    expect(detector.score('k').score).toBe(0);
  });
});
