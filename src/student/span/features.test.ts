import { describe, expect, it } from 'vitest';
import { answerToBio, bioToSpans, featureIds, hashString, tagNames, tokenizeWords, wordFeatures, wordShape, wordStatistics } from './features.js';

const FIELDS = ['people', 'places'];

describe('tokenizeWords', () => {
  it('keeps character offsets and splits punctuation off words', () => {
    const text = 'Putin’s visit to St. Louis, 2020.';
    const words = tokenizeWords(text);
    expect(words.map((w) => w.text)).toEqual(['Putin', '’', 's', 'visit', 'to', 'St', '.', 'Louis', ',', '2020', '.']);
    for (const word of words) expect(text.slice(word.start, word.end)).toBe(word.text);
  });
});

describe('answerToBio', () => {
  const tag = (text: string, answer: Record<string, string[]>) => {
    const words = tokenizeWords(text);
    const { tags, unplaced } = answerToBio(text, words, FIELDS, answer);
    return { tags: [...tags].map((t) => tagNames(FIELDS)[t]), unplaced };
  };

  it('tags multi-word values B then I, and everything else O', () => {
    expect(tag('John Smith went to New York.', { people: ['John Smith'], places: ['New York'] }).tags)
      .toEqual(['B-people', 'I-people', 'O', 'O', 'B-places', 'I-places', 'O']);
  });

  it('places a value inside punctuation ("St. Louis") and before a possessive', () => {
    expect(tag("Putin's trip to St. Louis", { people: ['Putin'], places: ['St. Louis'] }).tags)
      .toEqual(['B-people', 'O', 'O', 'O', 'O', 'B-places', 'I-places', 'I-places']);
  });

  it('takes the first occurrence no earlier value took', () => {
    const { tags } = tag('Paris met Paris in Paris', { people: ['Paris', 'Paris'], places: ['Paris'] });
    expect(tags).toEqual(['B-people', 'O', 'B-people', 'O', 'B-places']);
  });

  it('never cuts a word and reports values it cannot place', () => {
    const { tags, unplaced } = tag('Johnson spoke.', { people: ['John', 'Mary'], places: [] });
    expect(tags).toEqual(['O', 'O', 'O']);
    expect(unplaced).toEqual([{ field: 'people', value: 'John' }, { field: 'people', value: 'Mary' }]);
  });
});

describe('bioToSpans', () => {
  it('reads spans back, a stray I- opening one', () => {
    // O B-people I-people B-places I-people(stray) O
    expect(bioToSpans([0, 1, 2, 3, 2, 0])).toEqual([[0, 1, 2], [1, 3, 3], [0, 4, 4]]);
    expect(bioToSpans([3, 4, 4])).toEqual([[1, 0, 2]]);
    expect(bioToSpans([])).toEqual([]);
  });
});

describe('features', () => {
  it('shapes collapse runs of a class to two', () => {
    expect(wordShape('Washington')).toBe('Xxx');
    expect(wordShape('IBM')).toBe('XX');
    expect(wordShape('a')).toBe('x');
    expect(wordShape('1990s')).toBe('99x');
    expect(wordShape('McDonald')).toBe('XxXxx');
  });

  it('FNV-1a matches its reference values', () => {
    // Reference: FNV-1a 32-bit of "" and "a" and "foobar" (from the FNV specification's test vectors).
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });

  it('describe the word, its neighbours and its position', () => {
    const words = tokenizeWords('Mr Smith lives');
    const features = wordFeatures(words, 1);
    expect(features).toContain('w=smith');
    expect(features).toContain('W=Smith');
    expect(features).toContain('s=Xxx');
    expect(features).toContain('w-1=mr');
    expect(features).toContain('w-2=<s>');
    expect(features).toContain('w+2=</s>');
    expect(features).toContain('cap=true');
    expect(features).toContain('first=false');
    expect(features).toContain('p3=smi');
    expect(features).toContain('x2=th');
    expect(wordFeatures(words, 0)).toContain('first=true');
    const ids = featureIds(words, 10);
    expect(ids).toHaveLength(3);
    for (const row of ids) for (const id of row) expect(id).toBeLessThan(1024);
  });
});

describe('word statistics', () => {
  it('count mid-sentence occurrences and capitalised ones, dropping rare words, and become features', () => {
    const statistics = wordStatistics(['Paris is big. Paris is old.', 'We love Paris and paris.', 'Big dogs'], 2);
    expect(statistics.get('paris')).toEqual([3, 2]);
    expect(statistics.get('is')).toEqual([2, 0]);
    expect(statistics.has('big')).toBe(false); // once mid-sentence; "Big" opens its text
    expect(statistics.has('dogs')).toBe(false);
    const words = tokenizeWords('Paris dogs');
    expect(wordFeatures(words, 0, statistics)).toContain('k=20');
    expect(wordFeatures(words, 1, statistics)).toContain('k=u');
    expect(wordFeatures(words, 0)).not.toContain('k=20');
  });
});
