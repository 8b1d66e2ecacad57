/**
 * Measuring the lexical watermark on real English (nlp-corpus sentences, via the demo's corpus
 * loader): the false-alarm rate of the permutation p-value on unmarked texts, and the detection rate
 * on marked ones. Used by the calibration test and by bench/lexical-watermark-figures.ts.
 */
import { createHash } from 'node:crypto';
import { buildSentenceCorpus } from '../../demo/sentence-corpus.js';
import { detectLexicalWatermark, type LexicalDetection } from './lexical-detect.js';
import type { LexicalKey } from './lexical-key.js';
import { watermarkText } from './lexical-watermark.js';

/** Texts of about `words` words each, consecutive sentences of a seeded sample of the corpus. */
export async function englishTexts(count: number, words: number, seed: number): Promise<string[]> {
  const sentences = await buildSentenceCorpus({ limit: 1_000_000, seed });
  const texts: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const sentence of sentences) {
    if (texts.length >= count) break;
    current.push(sentence.text);
    length += sentence.text.split(/\s+/u).length;
    if (length >= words) {
      texts.push(current.join(' '));
      current = [];
      length = 0;
    }
  }
  return texts;
}

/** A key derived from a label, for reproducible measurements. */
export function measurementKey(label: string): LexicalKey {
  return { scheme: 'lexical', version: 1, secret: createHash('sha256').update(`lexical-measure:${label}`).digest() };
}

/** The figures of one measurement. */
export interface LexicalFigures {
  texts: number;
  /** Texts with enough evidence to score. */
  scoredTexts: number;
  meanScoredTuples: number;
  /** Share of scored unmarked texts with p ≤ 0.01 (permutation, then naive binomial). */
  falseAlarmAt01: number;
  naiveFalseAlarmAt01: number;
  /** Share of scored unmarked texts with p ≤ 0.05 and ≤ 0.5 (uniformity checks). */
  falseAlarmAt05: number;
  falseAlarmAt50: number;
  /** Share of marked texts (all, unscored counted as misses) detected at p < 1e-3. */
  detectedBelow1e3: number;
  meanMarkedScoredTuples: number;
}

/** False alarms of `key` on the unmarked texts, detection of `key`'s mark on the same texts marked. */
export function measureLexical(texts: readonly string[], key: LexicalKey): LexicalFigures {
  const clean = texts.map((text) => detectLexicalWatermark(text, key));
  const marked = texts.map((text) => detectLexicalWatermark(watermarkText(text, key), key));
  const scored = clean.filter((result) => result.pValue !== null);
  const share = (results: readonly LexicalDetection[], test: (result: LexicalDetection) => boolean): number => (results.length === 0 ? 0 : results.filter(test).length / results.length);
  return {
    texts: texts.length,
    scoredTexts: scored.length,
    meanScoredTuples: clean.reduce((sum, result) => sum + result.scored, 0) / texts.length,
    falseAlarmAt01: share(scored, (result) => (result.pValue as number) <= 0.01),
    naiveFalseAlarmAt01: share(scored, (result) => (result.naivePValue as number) <= 0.01),
    falseAlarmAt05: share(scored, (result) => (result.pValue as number) <= 0.05),
    falseAlarmAt50: share(scored, (result) => (result.pValue as number) <= 0.5),
    detectedBelow1e3: share(marked, (result) => result.pValue !== null && result.pValue < 1e-3),
    meanMarkedScoredTuples: marked.reduce((sum, result) => sum + result.scored, 0) / texts.length,
  };
}
