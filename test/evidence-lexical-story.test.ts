/**
 * The pieces of bench/evidence/lexical.ts that decide its figures: the attacker's synonym
 * randomisation removes the owner's mark and nothing else, the prompt router sends the asked share
 * to the watermarked source, and the profile's tuple table counts exactly what the detector scores.
 */
import { describe, expect, it } from 'vitest';
import { detectLexicalWatermark } from '../src/evidence/lexical/lexical-detect.js';
import { englishTexts } from '../src/evidence/lexical/lexical-measure.js';
import { watermarkText } from '../src/evidence/lexical/lexical-watermark.js';
import { defaultSynonymTable } from '../src/evidence/lexical/synonyms.js';
import { randomiseSynonyms, toMarkedSource } from '../bench/evidence/lexical-attacker.js';
import { labelledKey, tuplesOf } from '../bench/evidence/lexical-scoring.js';

describe('the lexical evidence story', () => {
  it('synonym randomisation takes the mark to chance and leaves every other word as it was', async () => {
    const key = labelledKey('test-owner');
    const marked = (await englishTexts(40, 120, 3)).map((text) => watermarkText(text, key));
    expect(detectLexicalWatermark(marked, key).matched).toBe(detectLexicalWatermark(marked, key).scored);
    const randomised = marked.map((text, index) => randomiseSynonyms(text, index));
    const detection = detectLexicalWatermark(randomised, key, { nullKeys: 2000 });
    expect(detection.scored).toBeGreaterThan(200);
    expect(detection.pValue).toBeGreaterThan(1e-3);
    expect(Math.abs(detection.matched / detection.scored - detection.chanceRate)).toBeLessThan(0.1);
    const table = defaultSynonymTable();
    const others = (text: string) => (text.match(/\p{L}+|[^\p{L}\s]+/gu) ?? []).filter((word) => table.setOf(word.toLowerCase()) === undefined);
    expect(randomised.map(others)).toEqual(marked.map(others));
  });

  it('routes the asked share of prompts to the watermarked source, all or none at 1 and 0', () => {
    const prompts = Array.from({ length: 4000 }, (_, index) => `prompt number ${index}`);
    const share = prompts.filter((prompt) => toMarkedSource(prompt, 0.1)).length / prompts.length;
    expect(share).toBeGreaterThan(0.085);
    expect(share).toBeLessThan(0.115);
    expect(prompts.every((prompt) => toMarkedSource(prompt, 1))).toBe(true);
    expect(prompts.some((prompt) => toMarkedSource(prompt, 0))).toBe(false);
  });

  it('counts the tuples and matches the detector scores', async () => {
    const key = labelledKey('test-owner');
    const texts = await englishTexts(20, 100, 4);
    const mixed = texts.map((text, index) => (index % 2 === 0 ? watermarkText(text, key) : text));
    const tuples = tuplesOf(mixed, key);
    const detection = detectLexicalWatermark(mixed, key);
    expect(tuples.size).toBe(detection.scored);
    expect([...tuples.values()].filter((tuple) => tuple.matched).length).toBe(detection.matched);
  });
});
