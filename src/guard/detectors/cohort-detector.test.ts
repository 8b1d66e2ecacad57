import { describe, expect, it } from 'vitest';
import { CohortDetector } from './cohort-detector.js';
import { personPrompts, request, templatePrompts } from './test-traffic.js';

/** Interleaves keys' prompts in rounds, a minute apart. */
function interleave(detector: CohortDetector, promptsByKey: ReadonlyMap<string, readonly string[]>): void {
  const rounds = Math.max(...[...promptsByKey.values()].map((prompts) => prompts.length));
  for (let round = 0; round < rounds; round++) {
    for (const [key, prompts] of promptsByKey) {
      const prompt = prompts[round];
      if (prompt !== undefined) detector.observe(key, request(round * 60_000, prompt));
    }
  }
}

describe('CohortDetector', () => {
  it('scores every key of a cohort that splits one template sweep', () => {
    const detector = new CohortDetector();
    const cohort = new Map(Array.from({ length: 15 }, (_, index) => [`cohort-${index}`, templatePrompts(index, 25)] as const));
    interleave(detector, cohort);
    const verdict = detector.score('cohort-3');
    expect(verdict.score).toBe(1);
    expect(verdict.reasons[0]).toMatch(/^\d+ of the key's last 25 prompts \(\d+%\) have near copies sent by 3\+ other keys within 24 h, 14 other keys in all$/);
  });

  it('scores independent people 0, even when many send the same popular prompt word for word', () => {
    const detector = new CohortDetector();
    const popular = 'Write me a short poem about the sea and the moon tonight please';
    const people = new Map(Array.from({ length: 15 }, (_, index) => [`person-${index}`, personPrompts(index, 25).map((prompt, round) => (round % 5 === 0 ? popular : `${prompt} ${prompt}`))] as const));
    interleave(detector, people);
    for (const key of people.keys()) expect(detector.score(key).score).toBe(0);
  });

  it('ignores short prompts, which everyone shares', () => {
    const detector = new CohortDetector();
    interleave(detector, new Map(Array.from({ length: 10 }, (_, index) => [`k-${index}`, Array.from({ length: 20 }, (_, round) => `thanks, what about ${round}?`)] as const)));
    expect(detector.score('k-1')).toEqual({ score: 0, reasons: [] });
  });
});
