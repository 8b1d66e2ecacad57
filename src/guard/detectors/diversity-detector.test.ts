import { describe, expect, it } from 'vitest';
import { DiversityDetector } from './diversity-detector.js';
import { personPrompts, requests, sweepPrompts, verdictAfter } from './test-traffic.js';

describe('DiversityDetector', () => {
  it('scores a person with a few interests low', async () => {
    const verdict = await verdictAfter(new DiversityDetector(), 'person', requests(personPrompts(1, 200), 0, 60_000));
    expect(verdict.score).toBe(0);
    expect(verdict.reasons[0]).toMatch(/^the last 200 prompts have a mean pairwise topic similarity of 0\.\d+/);
  });

  it('scores a sweep across the vocabulary high, with the evidence in the reason', async () => {
    const verdict = await verdictAfter(new DiversityDetector(), 'sweep', requests(sweepPrompts(2, 200), 0, 2000));
    expect(verdict.score).toBeGreaterThan(0.8);
    expect(verdict.reasons[0]).toMatch(/distinct content words out of \d+/);
  });

  it('needs evidence: 40 unrelated prompts are not yet a sweep', async () => {
    const verdict = await verdictAfter(new DiversityDetector(), 'few', requests(sweepPrompts(3, 40), 0, 2000));
    expect(verdict.score).toBe(0);
  });

  it('keeps the running sum exact as prompts leave the window', async () => {
    // A window of 60 after 500 prompts equals a fresh detector fed only the last 60.
    const prompts = sweepPrompts(4, 500);
    const rolling = await verdictAfter(new DiversityDetector({ windowSize: 60, minimumPrompts: 60 }), 'k', requests(prompts, 0, 1000));
    const fresh = await verdictAfter(new DiversityDetector({ windowSize: 60, minimumPrompts: 60 }), 'k', requests(prompts.slice(-60), 0, 1000));
    expect(rolling.score).toBeCloseTo(fresh.score, 4);
  });
});
