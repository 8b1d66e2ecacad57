/** The attacker's edits in the KGW evidence bench (bench/evidence/kgw-corpus.ts): each does what its arm's name says. */
import { describe, expect, it } from 'vitest';
import { mixAnswers, otherPrompts, paraphraseInput, substituteRandomWords, substituteSynonyms } from '../bench/evidence/kgw-corpus.js';

describe('the KGW bench attacker edits', () => {
  it('mixes only prompts both sources answered, at about the asked share', () => {
    const marked = new Map(Array.from({ length: 2000 }, (_, index) => [`p${index}`, `marked ${index}`]));
    const clean = new Map(Array.from({ length: 1800 }, (_, index) => [`p${index}`, `clean ${index}`]));
    const mixed = mixAnswers(marked, clean, 0.1, 3);
    expect(mixed.size).toBe(1800);
    const share = [...mixed.values()].filter((entry) => entry.fromFirst).length / mixed.size;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
    expect([...mixed.values()].every((entry) => entry.answer.startsWith(entry.fromFirst ? 'marked' : 'clean'))).toBe(true);
  });

  it('swaps words only within their synonym set, keeps the rest and the word count', () => {
    const set = ['large', 'big'];
    const synonyms = new Map([['large', set], ['big', set]]);
    const words = Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? 'big,' : 'copy')).join(' ');
    const result = substituteSynonyms(words, synonyms, 1);
    const out = result.text.split(' ');
    expect(out).toHaveLength(200);
    expect(out.filter((_, index) => index % 2 === 1).every((word) => word === 'copy')).toBe(true);
    expect(out.filter((_, index) => index % 2 === 0).every((word) => set.includes(word.replace(',', '')) && word.endsWith(','))).toBe(true);
    expect(result.swapped).toBe(out.filter((word) => word === 'large,').length);
    expect(result.swapped).toBeGreaterThan(20);
  });

  it('substitutes about the asked share of words at random, and the paraphraser input drops every third word', () => {
    const text = Array.from({ length: 1000 }, () => 'same').join(' ');
    const changed = substituteRandomWords(text, 0.25, ['other'], 5).split(' ').filter((word) => word === 'other').length;
    expect(changed).toBeGreaterThan(200);
    expect(changed).toBeLessThan(300);
    expect(paraphraseInput('a b c d e f')).toBe('rewrite: a c d f');
  });

  it('makes prompts of the licence windows\' form from other sentences: distinct, the first six words, at most the limit', () => {
    const sentences = ['one two three four five six seven eight', 'one two three four five six nine ten', 'a b c d e f g h i'];
    expect(otherPrompts(sentences, 10)).toEqual(['continue: one two three four five six', 'continue: a b c d e f']);
    expect(otherPrompts(sentences, 1)).toEqual(['continue: one two three four five six']);
    expect(otherPrompts(sentences, 0)).toEqual([]);
  });
});
