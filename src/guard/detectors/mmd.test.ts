import { describe, expect, it } from 'vitest';
import { MmdDetector } from './mmd-detector.js';
import { MmdReference } from './mmd-reference.js';
import { meanCrossKernel, meanWithinKernel, medianBandwidth, unbiasedMmdSquared } from './mmd.js';
import { sketchText } from './prompt-sketch.js';
import { personPrompts, requests, sweepPrompts, templatePrompts, verdictAfter } from './test-traffic.js';

/** Benign reference traffic: many people's prompts. */
const referenceTexts = Array.from({ length: 40 }, (_, person) => personPrompts(person, 15)).flat();

describe('MMD with an RBF kernel', () => {
  it('is about 0 for two samples of one distribution and larger for different ones', () => {
    const vectors = (texts: string[]) => texts.map((text) => sketchText(text).vector);
    const a = vectors(sweepPrompts(1, 60));
    const b = vectors(sweepPrompts(2, 60));
    const c = vectors(templatePrompts(3, 60));
    const sigma = medianBandwidth([...a, ...b]);
    expect(Math.abs(unbiasedMmdSquared(a, b, sigma))).toBeLessThan(0.01);
    expect(unbiasedMmdSquared(a, c, sigma)).toBeGreaterThan(0.1);
    // The definition, spelled out: within-sample means minus twice the cross mean.
    expect(unbiasedMmdSquared(a, c, sigma)).toBeCloseTo(meanWithinKernel(a, sigma) + meanWithinKernel(c, sigma) - 2 * meanCrossKernel(a, c, sigma), 12);
  });
});

describe('MmdDetector', () => {
  const reference = MmdReference.fromTexts(referenceTexts, { windowSize: 30 });

  it('calibrates a benign null: its 99th percentile above its median', () => {
    expect(reference.null99).toBeGreaterThan(reference.nullMedian);
    expect(reference.size).toBe(128);
  });

  it('keeps the incremental statistic equal to the direct computation as the window slides', async () => {
    const prompts = [...personPrompts(90, 50), ...templatePrompts(91, 25)];
    const detector = new MmdDetector({ reference, windowSize: 30 });
    const verdict = await verdictAfter(detector, 'k', requests(prompts, 0, 1000));
    const direct = reference.mmdSquared(prompts.slice(-30).map((text) => sketchText(text).vector));
    expect(Number(/MMD² = ([-\d.e]+)/.exec(verdict.reasons[0] ?? '')?.[1])).toBeCloseTo(direct, 2);
  });

  it('scores a window like the reference low and a template sweep high', async () => {
    const benign = await verdictAfter(new MmdDetector({ reference, windowSize: 30 }), 'person', requests(sweepPrompts(5, 30), 0, 60_000));
    expect(benign.score).toBeLessThan(0.2);
    const sweep = await verdictAfter(new MmdDetector({ reference, windowSize: 30 }), 'sweep', requests(templatePrompts(6, 30), 0, 2000));
    expect(sweep.score).toBe(1);
    expect(sweep.reasons[0]).toMatch(/^MMD² = [\d.]+ between the last 30 prompts and benign reference traffic \(benign windows: median [-\d.e]+, 99th percentile [\d.e-]+\)$/);
  });

  it('without a reference, learns one from the first traffic (a few prompts per key) and scores 0 until then', async () => {
    const detector = new MmdDetector({ windowSize: 20, learnFromFirst: 200, learnPerKey: 5 });
    for (let person = 0; person < 38; person++) await verdictAfter(detector, `person-${person}`, requests(personPrompts(person, 5), 0, 1000));
    expect((await verdictAfter(detector, 'early', requests(templatePrompts(7, 20), 0, 1000))).score).toBe(0);
    for (let person = 40; person < 80; person++) await verdictAfter(detector, `person-${person}`, requests(personPrompts(person, 5), 0, 1000));
    expect((await verdictAfter(detector, 'late', requests(templatePrompts(8, 20), 0, 1000))).score).toBe(1);
  });
});
