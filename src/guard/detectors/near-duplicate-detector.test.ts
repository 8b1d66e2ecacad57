import { describe, expect, it } from 'vitest';
import { NearDuplicateDetector } from './near-duplicate-detector.js';
import { personPrompts, requests, sweepPrompts, verdictAfter } from './test-traffic.js';

/** Variants of a seed: another opening, a closing, a dropped word. */
function paraphrases(seed: string): string[] {
  const words = seed.split(' ');
  return [seed, `Could you tell me: ${seed}`, `${seed} Please be specific.`, `Quick question: ${words.slice(1).join(' ')}`, `${words.slice(0, -1).join(' ')}, explained briefly?`];
}

describe('NearDuplicateDetector', () => {
  it('scores a person low, and does not count exact retries', async () => {
    const prompts = personPrompts(1, 200).flatMap((prompt, index) => (index % 10 === 0 ? [prompt, prompt] : [prompt]));
    const verdict = await verdictAfter(new NearDuplicateDetector(), 'person', requests(prompts, 0, 60_000));
    expect(verdict.score).toBe(0);
    expect(verdict.reasons.join(' ')).toMatch(/exact or almost exact repeats \(not counted/);
  });

  it('scores a paraphrase sweep over many seeds high', async () => {
    const prompts = sweepPrompts(2, 60).flatMap(paraphrases);
    const verdict = await verdictAfter(new NearDuplicateDetector(), 'sweep', requests(prompts, 0, 2000));
    expect(verdict.score).toBe(1);
    expect(verdict.reasons[0]).toMatch(/^\d+ of the last 200 prompts \(\d+%\) are near copies \(similarity 0\.4–0\.95\) of earlier ones, around \d+ distinct seed prompts$/);
  });

  it('scores one prompt refined over and over low: one seed is not a sweep', async () => {
    let prompt = 'Explain how a suspension bridge carries its load to the towers and anchors';
    const prompts = Array.from({ length: 80 }, (_, index) => (prompt = index % 2 === 0 ? `${prompt} simply` : prompt.replace(/ simply$/, ' clearly')));
    const verdict = await verdictAfter(new NearDuplicateDetector(), 'refiner', requests(prompts, 0, 30_000));
    expect(verdict.score).toBe(0);
  });
});
