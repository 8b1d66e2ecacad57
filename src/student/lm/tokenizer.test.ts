import { describe, expect, it } from 'vitest';
import { bpeTokenizer, pretokenize, trainTokenizer, type BpeTokenizerDescription } from './tokenizer.js';

const corpus = [
  'The quick brown fox jumps over the lazy dog.',
  'function add(a, b) {\n  return a + b;\n}\n',
  '{"name": "Ada", "age": 36, "tags": ["math", "code"]}',
  'Émilie du Châtelet — naïve café, 東京, emoji 🦊🎉 and ZWJ 👩‍💻.',
  'the the the then there these those',
];

describe('byte-level BPE tokenizer', () => {
  const tokenizer = trainTokenizer(corpus, 400);

  it('learns merges, so common text takes fewer tokens than bytes', () => {
    expect(tokenizer.vocabularySize).toBeGreaterThan(270);
    const text = 'the the there';
    expect(tokenizer.encode(text).length).toBeLessThan(new TextEncoder().encode(text).length / 2);
  });

  it('round-trips every string exactly, seen or not: bytes, emoji, code, whitespace', () => {
    const samples = [...corpus, '', ' ', '\n\n\t  x', '🧪👩🏽‍🔬 ∑∫ \u0000\u0001\u007f', 'ÿ\u00ad\u200b', 'a'.repeat(300), '   leading and trailing   '];
    for (const text of samples) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it('pre-tokenises into pieces that concatenate back to the text', () => {
    const text = "don't  stop\n\n 12 34 ++ 🦊x";
    expect(pretokenize(text).join('')).toBe(text);
  });

  it('is deterministic and rebuilds exactly from its description', () => {
    const again = trainTokenizer(corpus, 400);
    expect(again.describe()).toEqual(tokenizer.describe());
    const rebuilt = bpeTokenizer(tokenizer.describe() as BpeTokenizerDescription);
    for (const text of corpus) expect(rebuilt.encode(text)).toEqual(tokenizer.encode(text));
  });

  it('gives special tokens no bytes and keeps them out of decoded text', () => {
    expect(tokenizer.tokenBytes(tokenizer.endToken).length).toBe(0);
    expect(tokenizer.decode([tokenizer.beginToken, ...tokenizer.encode('hi'), tokenizer.endToken])).toBe('hi');
  });

  it('rejects a vocabulary too small for bytes and special tokens', () => {
    expect(() => trainTokenizer(corpus, 100)).toThrow(/vocabulary size must be/);
  });
});

describe('the words pre-tokeniser', () => {
  it('keeps spaces apart, so a name is the same tokens in a sentence and in a JSON string, and survives its file header', () => {
    expect(pretokenize('Ada met John Smith.', 'words')).toEqual(['Ada', ' ', 'met', ' ', 'John', ' ', 'Smith', '.']);
    const texts = ['Ada met John Smith in Rome.', '{"people": ["John Smith"]}', 'John Smith and Ada.'];
    const words = trainTokenizer(texts, 330, 'words');
    const inSentence = words.encode('Ada met John Smith in Rome.');
    const inAnswer = words.encode('["John Smith"]');
    const name = words.encode('John Smith');
    const contains = (haystack: number[], needle: number[]) => haystack.some((_, at) => needle.every((token, index) => haystack[at + index] === token));
    expect(contains(inSentence, name) && contains(inAnswer, name)).toBe(true);
    expect(pretokenize('Ada met John Smith.')).toContain(' John');
    const gpt2 = trainTokenizer(texts, 330);
    const rebuilt = bpeTokenizer(words.describe() as Parameters<typeof bpeTokenizer>[0]);
    expect(rebuilt.encode('Ada met John Smith in Rome.')).toEqual(inSentence);
    expect(rebuilt.decode(inSentence)).toBe('Ada met John Smith in Rome.');
    expect(gpt2.describe()).not.toHaveProperty('pretokenizer');
  });
});
