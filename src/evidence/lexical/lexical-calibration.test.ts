/**
 * The lexical watermark's statistics on real English (nlp-corpus), fixed seeds: the permutation
 * p-values of unmarked texts are (conservatively) uniform, and marked ~200-word texts are detected.
 * Figures for more lengths: `node --import tsx bench/lexical-watermark-figures.ts`.
 */
import { describe, expect, it } from 'vitest';
import { englishTexts, measureLexical, measurementKey } from './lexical-measure.js';

describe('lexical watermark calibration on nlp-corpus sentences', () => {
  it('false alarms at 0.01 stay at or under ~0.015 over 1,000+ scored unmarked texts, and marked 200-word texts are detected at p < 1e-3', async () => {
    const texts = await englishTexts(1500, 200, 0);
    const figures = measureLexical(texts, measurementKey('calibration-test'));
    process.stdout.write(`lexical calibration (1500 texts of ~200 words, seed 0): ${JSON.stringify(figures)}\n`);
    expect(figures.scoredTexts).toBeGreaterThanOrEqual(1000);
    expect(figures.falseAlarmAt01).toBeLessThanOrEqual(0.015);
    expect(figures.falseAlarmAt05).toBeLessThanOrEqual(0.065);
    // Ties make the permutation p conservative, never liberal: at most about half the texts fall at p ≤ 0.5.
    expect(figures.falseAlarmAt50).toBeLessThanOrEqual(0.55);
    expect(figures.detectedBelow1e3).toBeGreaterThanOrEqual(0.5);
  }, 120_000);
});
