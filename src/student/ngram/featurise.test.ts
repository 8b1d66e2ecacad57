import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../util/hash.js';
import { Featuriser, wordBucket } from './featurise.js';
import { taskSpecSchema } from '../../task/schema.js';

const words = (wordNgrams = 1) => new Featuriser({ buckets: 1 << 20, wordNgrams, charNgramMin: 0, charNgramMax: 0 });
const studentSettings = (student: Record<string, unknown>) => taskSpecSchema.parse({
  name: 't', teacher: { baseURL: 'http://127.0.0.1/v1', model: 'm' }, prompt: { messages: [{ role: 'user', content: '{{text}}' }] }, labels: ['a', 'b'], inputs: { path: 'x' }, budget: { maxUSD: 1 }, student,
}).student;
const ids = (featuriser: Featuriser, text: string): number[] => Array.from(featuriser.featurise(text));

describe('Featuriser', () => {
  it('hashes each word with FNV-1a into the buckets', () => {
    expect(ids(words(), 'hello world')).toEqual([fnv1a32('hello') % (1 << 20), fnv1a32('world') % (1 << 20)]);
    expect(wordBucket('hello', 1024)).toBe(fnv1a32('hello') % 1024);
  });

  it('keeps punctuation and operators of source code as tokens', () => {
    const featuriser = words();
    expect(ids(featuriser, 'x=>{y;}')).toEqual(['x', '=', '>', '{', 'y', ';', '}'].map((token) => wordBucket(token, 1 << 20)));
    expect(featuriser.tokenCount).toBe(7);
  });

  it('treats letters, digits, _ and $ and non-ASCII letters as word characters', () => {
    expect(ids(words(), 'café $el_1 naïve')).toEqual(['café', '$el_1', 'naïve'].map((token) => wordBucket(token, 1 << 20)));
  });

  it('adds char n-grams over the whole text, spaces and line breaks included, when textCharNgrams is set', () => {
    const text = (size: number) => new Featuriser({ buckets: 1 << 20, wordNgrams: 1, charNgramMin: 0, charNgramMax: 0, textCharNgrams: size });
    expect(ids(text(2), 'ab c')).toHaveLength(2 + 3); // two words, then "ab", "b ", " c"
    expect(ids(text(2), 'a;\nb').slice(4)).not.toEqual(ids(text(2), 'a; b').slice(4)); // ";\n" differs from "; "
    expect(ids(text(0), 'ab c')).toEqual(ids(words(), 'ab c'));
  });

  it('keeps only the whole-text char n-grams with wordNgrams 0', () => {
    const featuriser = new Featuriser({ buckets: 1 << 20, wordNgrams: 0, charNgramMin: 3, charNgramMax: 4, textCharNgrams: 2 });
    const withWords = new Featuriser({ buckets: 1 << 20, wordNgrams: 1, charNgramMin: 0, charNgramMax: 0, textCharNgrams: 2 });
    expect(ids(featuriser, 'ab c;')).toEqual(ids(withWords, 'ab c;').slice(3)); // "ab", "b ", " c", "c;" without the 3 tokens
    expect(featuriser.tokenCount).toBe(3);
    expect(() => studentSettings({ wordNgrams: 0 })).toThrow('textCharNgrams');
    expect(studentSettings({ wordNgrams: 0, textCharNgrams: 2 }).wordNgrams).toBe(0);
  });

  it('adds word n-grams up to wordNgrams, order-sensitive', () => {
    expect(ids(words(2), 'a b c')).toHaveLength(5);
    expect(ids(words(3), 'a b c')).toHaveLength(6);
    expect(ids(words(2), 'a b')[2]).not.toBe(ids(words(2), 'b a')[2]);
  });

  it('adds char n-grams of "<word>" in a namespace apart from words', () => {
    const featuriser = new Featuriser({ buckets: 1 << 20, wordNgrams: 1, charNgramMin: 3, charNgramMax: 3 });
    const result = ids(featuriser, 'abc');
    // word + "<ab", "abc", "bc>"
    expect(result).toHaveLength(4);
    expect(result[0]).toBe(wordBucket('abc', 1 << 20));
    expect(new Set(result).size).toBe(4);
    // n-grams longer than "<word>" are skipped rather than wrapped.
    expect(ids(new Featuriser({ buckets: 1 << 20, wordNgrams: 1, charNgramMin: 3, charNgramMax: 6 }), 'ab')).toHaveLength(1 + 2 + 1);
  });

  it('hashes each char n-gram as FNV-1a of the substring of "<word>" (from the char-n-gram offset)', () => {
    const charOffset = (0x811c9dc5 ^ 0x9e3779b9) >>> 0;
    const grams = ['<', '<a', '<ab', '<ab>', 'a', 'ab', 'ab>', 'b', 'b>', '>'];
    const expected = [wordBucket('ab', 1 << 20), ...grams.map((gram) => fnv1a32(gram, charOffset) % (1 << 20))];
    const featuriser = new Featuriser({ buckets: 1 << 20, wordNgrams: 1, charNgramMin: 1, charNgramMax: 4 });
    expect(ids(featuriser, 'ab').sort()).toEqual(expected.sort());
  });

  it('is deterministic across calls and instances, and stays within the buckets', () => {
    const settings = { buckets: 1024, wordNgrams: 3, charNgramMin: 2, charNgramMax: 5 };
    const text = 'const answer = compute(42); // the «answer» is 42';
    const first = ids(new Featuriser(settings), text);
    const featuriser = new Featuriser(settings);
    ids(featuriser, 'something else entirely to dirty the buffers');
    expect(ids(featuriser, text)).toEqual(first);
    expect(first.every((id) => id >= 0 && id < 1024)).toBe(true);
  });

  it('grows its buffers for long texts and returns nothing for blank ones', () => {
    const featuriser = new Featuriser({ buckets: 1 << 16, wordNgrams: 2, charNgramMin: 3, charNgramMax: 5 });
    const long = Array.from({ length: 2000 }, (_, index) => `token${index}`).join(' ');
    expect(featuriser.featurise(long).length).toBeGreaterThan(2000 * 10);
    expect(featuriser.featurise(' \n\t ').length).toBe(0);
    expect(featuriser.tokenCount).toBe(0);
  });
});
