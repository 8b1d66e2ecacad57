import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../util/random.js';
import { PradaDetector } from './prada-detector.js';
import { personPrompts, requests, templatePrompts, verdictAfter } from './test-traffic.js';

describe('PradaDetector', () => {
  it('waits for enough distances before testing, and says so', async () => {
    const verdict = await verdictAfter(new PradaDetector(), 'k', requests(personPrompts(1, 10), 0, 1000));
    expect(verdict).toEqual({ score: 0, reasons: ['9 nearest-query distances so far; PRADA tests from 40'] });
  });

  it('scores queries drawn from one natural distribution low (distances close to normal)', async () => {
    const verdict = await verdictAfter(new PradaDetector(), 'person', requests(personPrompts(2, 200), 0, 60_000));
    expect(verdict.score).toBe(0);
    expect(verdict.reasons[0]).toMatch(/^Shapiro–Wilk W = 0\.9\d+ \(p = [\d.e-]+\) for the distances from each of the last 150 queries/);
  });

  it('scores seeds with many small perturbations high (clumps of tiny distances next to large ones)', async () => {
    const random = seededRandom(3);
    const seeds = templatePrompts(4, 40).map((prompt, index) => `${personPrompts(index + 10, 1)[0]} ${prompt}`);
    const perturbed = seeds.flatMap((seed) => Array.from({ length: 5 }, () => seed.replace(/\b\w+\b/, (word) => (random() < 0.5 ? word.toUpperCase() + 'x' : `${word}s`))));
    const verdict = await verdictAfter(new PradaDetector(), 'attacker', requests(perturbed, 0, 1000));
    expect(verdict.score).toBeGreaterThan(0.8);
    expect(verdict.reasons[0]).toMatch(/W = 0\.[0-7]\d* \(p = \d(\.\d+)?e-\d+\)/);
  });
});
