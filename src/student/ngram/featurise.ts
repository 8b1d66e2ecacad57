/**
 * Text → hashed feature ids, fastText style: word tokens, word n-grams, and character n-grams of
 * each word with boundary markers ("<word>"). One pass over char codes, no substrings: hashing runs
 * over the text in place so featurising allocates nothing but (rarely) a bigger output buffer.
 *
 * Tokens: runs of letters/digits/_/$ (and any non-ASCII, non-space char) are words; every other
 * non-space char is a token of its own, so source code keeps its punctuation and operators.
 */
import { fnv1a32 } from '../../util/string-hash.js';

/** Which features to extract and how many hash buckets they share. */
export interface FeaturiserSettings {
  buckets: number;
  /** Longest word n-gram (1: words alone; 0: no word features at all, only `textCharNgrams`). */
  wordNgrams: number;
  charNgramMin: number;
  charNgramMax: number;
  /** Length of character n-grams taken over the whole text, spaces and line breaks included (0 or absent: none). */
  textCharNgrams?: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Char n-grams hash from a different offset than words so "abc" the word and "abc" the n-gram differ. */
const CHAR_NGRAM_OFFSET = (FNV_OFFSET ^ 0x9e3779b9) >>> 0;
/** Whole-text char n-grams hash from a third offset, apart from words and in-word n-grams. */
const TEXT_NGRAM_OFFSET = (FNV_OFFSET ^ 0x7f4a7c15) >>> 0;
/** fastText's multiplier for combining word hashes into an n-gram hash. */
const NGRAM_MULTIPLIER = 116049371;
const BEGIN_MARK = 60; // '<'
const END_MARK = 62; // '>'

/** Is this UTF-16 code unit part of a word (letters, digits, _, $, or anything non-ASCII but space)? */
function isWordChar(code: number): boolean {
  if (code >= 128) return code !== 0xa0 && code !== 0x3000 && !(code >= 0x2000 && code <= 0x200b) && code !== 0x2028 && code !== 0x2029 && code !== 0xfeff;
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36;
}

function isSpace(code: number): boolean {
  return code <= 32 || code === 0x7f || (code >= 128 && !isWordChar(code));
}

/** Hashes (and reuses its buffers for) one text at a time; not safe to share across concurrent callers. */
export class Featuriser {
  readonly settings: FeaturiserSettings;
  private ids = new Int32Array(1024);
  private count = 0;
  private wordHashes = new Uint32Array(256);
  /** Word tokens in the last featurised text. */
  tokenCount = 0;

  constructor(settings: FeaturiserSettings) {
    this.settings = settings;
  }

  /** Feature ids of `text` in [0, buckets); the view is overwritten by the next call. */
  featurise(text: string): Int32Array {
    this.count = 0;
    this.tokenCount = 0;
    let index = 0;
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (isSpace(code)) { index++; continue; }
      let end = index + 1;
      const word = isWordChar(code);
      if (word) while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
      this.addToken(text, index, end, word);
      index = end;
    }
    this.addWordNgrams();
    this.addTextCharNgrams(text);
    return this.ids.subarray(0, this.count);
  }

  private addToken(text: string, start: number, end: number, word: boolean): void {
    let hash = FNV_OFFSET;
    for (let index = start; index < end; index++) hash = Math.imul(hash ^ text.charCodeAt(index), FNV_PRIME) >>> 0;
    if (this.tokenCount === this.wordHashes.length) this.wordHashes = grow(this.wordHashes, this.tokenCount * 2);
    this.wordHashes[this.tokenCount++] = hash;
    // wordNgrams 0: tokens are counted (for tokens/s) but the bag holds only whole-text char n-grams.
    if (this.settings.wordNgrams === 0) return;
    this.push(hash);
    // Single punctuation chars gain nothing from char n-grams ("<;>" says the same as ";").
    if (word && this.settings.charNgramMax > 0) this.addCharNgrams(text, start, end);
  }

  /** Char n-grams of "<token>" for n in [charNgramMin, charNgramMax]; each start extends one hash (as fastText). */
  private addCharNgrams(text: string, start: number, end: number): void {
    const length = end - start + 2;
    const min = Math.max(1, this.settings.charNgramMin);
    for (let from = 0; from + min <= length; from++) {
      const last = Math.min(length, from + this.settings.charNgramMax);
      let hash = CHAR_NGRAM_OFFSET;
      for (let position = from; position < last; position++) {
        const code = position === 0 ? BEGIN_MARK : position === length - 1 ? END_MARK : text.charCodeAt(start + position - 1);
        hash = Math.imul(hash ^ code, FNV_PRIME) >>> 0;
        if (position - from + 1 >= min) this.push(hash);
      }
    }
  }

  /**
   * Every run of n consecutive characters of the text, across word boundaries: the features of
   * byte-n-gram classifiers such as VS Code's language detector (guesslang), where the spacing and
   * punctuation between tokens ("){\n", ";\n") tell languages apart.
   */
  private addTextCharNgrams(text: string): void {
    const size = this.settings.textCharNgrams ?? 0;
    for (let from = 0; size > 0 && from + size <= text.length; from++) {
      let hash = TEXT_NGRAM_OFFSET;
      for (let position = from; position < from + size; position++) hash = Math.imul(hash ^ text.charCodeAt(position), FNV_PRIME) >>> 0;
      this.push(hash);
    }
  }

  /** Word n-grams (2..wordNgrams) from the token hashes, combined like fastText's addWordNgrams. */
  private addWordNgrams(): void {
    for (let first = 0; first < this.tokenCount; first++) {
      let hash = this.wordHashes[first] as number;
      for (let last = first + 1; last < this.tokenCount && last < first + this.settings.wordNgrams; last++) {
        hash = (Math.imul(hash, NGRAM_MULTIPLIER) + (this.wordHashes[last] as number)) >>> 0;
        this.push(hash);
      }
    }
  }

  private push(hash: number): void {
    if (this.count === this.ids.length) this.ids = grow(this.ids, this.count * 2);
    this.ids[this.count++] = hash % this.settings.buckets;
  }
}

function grow<T extends Int32Array | Uint32Array>(array: T, size: number): T {
  const bigger = new (array.constructor as new (size: number) => T)(size);
  bigger.set(array);
  return bigger;
}

/** The bucket of a whole word token (for tests and debugging: equals fnv1a32(word) mod buckets). */
export function wordBucket(word: string, buckets: number): number {
  return fnv1a32(word) % buckets;
}

/** The featuriser's tokens of `text`, in order: runs of word chars, and every other non-space char alone. */
export function tokenise(text: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (isSpace(code)) { index++; continue; }
    let end = index + 1;
    if (isWordChar(code)) while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    tokens.push(text.slice(index, end));
    index = end;
  }
  return tokens;
}
