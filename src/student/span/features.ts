/**
 * The span tagger's input side: words with their character offsets, BIO tags per schema field, the
 * conversion of an answer (field → strings) to tags by locating each value as a span of the words,
 * and the hashed features of one word. No Node built-ins: this runs in a browser too.
 */

/** One word (a run of letters, marks and digits) or one other non-space character, with its offsets in the text. */
export interface WordToken {
  text: string;
  start: number;
  end: number;
}

const TOKEN = /[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;

/** The words of `text`, in order, with their offsets (`text.slice(start, end) === text`). */
export function tokenizeWords(text: string): WordToken[] {
  return [...text.matchAll(TOKEN)].map((match) => ({ text: match[0], start: match.index, end: match.index + match[0].length }));
}

/** The tag set of a list of fields: O, then B-field and I-field for each field in order (index 0 is O). */
export function tagNames(fields: readonly string[]): string[] {
  return ['O', ...fields.flatMap((field) => [`B-${field}`, `I-${field}`])];
}

/** Tag index of B-field for field number `f`. */
export const beginTag = (f: number): number => 1 + 2 * f;
/** Tag index of I-field for field number `f`. */
export const insideTag = (f: number): number => 2 + 2 * f;
/** Field number of a tag (-1 for O). */
export const fieldOfTag = (tag: number): number => (tag === 0 ? -1 : Math.floor((tag - 1) / 2));
/** True for an I- tag. */
export const isInside = (tag: number): boolean => tag !== 0 && (tag - 1) % 2 === 1;

/** True when `next` may follow `previous` (-1: the start): I-x only after B-x or I-x. */
export function allowedTransition(previous: number, next: number): boolean {
  if (!isInside(next)) return true;
  return previous !== -1 && previous !== 0 && fieldOfTag(previous) === fieldOfTag(next);
}

/** BIO tags for one text from its answer, and the values that could not be placed. */
export interface BioConversion {
  tags: Int32Array;
  /** Values that are not a word-aligned span of the text, or whose every occurrence was already taken. */
  unplaced: Array<{ field: string; value: string }>;
}

/**
 * Tags the words of `text` from an answer: each value (fields in order, values in order) takes its first
 * occurrence as a run of whole words that no earlier value took. The span's text is the text between its
 * first word's start and its last word's end, so spacing inside a name must match the text exactly.
 */
export function answerToBio(text: string, words: readonly WordToken[], fields: readonly string[], answer: Readonly<Record<string, readonly string[]>>): BioConversion {
  const tags = new Int32Array(words.length);
  const unplaced: BioConversion['unplaced'] = [];
  fields.forEach((field, f) => {
    for (const value of answer[field] ?? []) {
      if (value === '') continue;
      const span = findFreeSpan(text, words, tags, value);
      if (span === undefined) { unplaced.push({ field, value }); continue; }
      tags[span[0]] = beginTag(f);
      for (let i = span[0] + 1; i <= span[1]; i++) tags[i] = insideTag(f);
    }
  });
  return { tags, unplaced };
}

/** First [first, last] word run whose text is `value` and whose words are all untagged. */
function findFreeSpan(text: string, words: readonly WordToken[], tags: Int32Array, value: string): [number, number] | undefined {
  for (let i = 0; i < words.length; i++) {
    const first = words[i] as WordToken;
    if (!value.startsWith(first.text)) continue;
    for (let j = i; j < words.length; j++) {
      const last = words[j] as WordToken;
      const length = last.end - first.start;
      if (length > value.length) break;
      if (length === value.length) {
        if (text.slice(first.start, last.end) === value && !tags.subarray(i, j + 1).some((tag) => tag !== 0)) return [i, j];
        break;
      }
    }
  }
  return undefined;
}

/** The spans BIO tags mark: [field number, first word, last word], in order. An I- tag with no open span starts one. */
export function bioToSpans(tags: ArrayLike<number>): Array<[number, number, number]> {
  const spans: Array<[number, number, number]> = [];
  let open: [number, number, number] | undefined;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i] as number;
    if (tag !== 0 && isInside(tag) && open !== undefined && open[0] === fieldOfTag(tag)) { open[2] = i; continue; }
    if (open) spans.push(open);
    open = tag === 0 ? undefined : [fieldOfTag(tag), i, i];
  }
  if (open) spans.push(open);
  return spans;
}

/** A word's shape: upper X, lower x, digit 9, other kept, runs of one class collapsed to two ("Xxxx" → "Xx"). */
export function wordShape(word: string): string {
  let shape = '';
  let last = '';
  let run = 0;
  for (const character of word) {
    const kind = /\p{Lu}/u.test(character) ? 'X' : /\p{L}/u.test(character) ? 'x' : /\p{N}/u.test(character) ? '9' : character;
    if (kind === last) { run++; if (run >= 2) continue; } else run = 0;
    shape += kind;
    last = kind;
  }
  return shape;
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Version of the feature templates below: a saved tagger records it, and loading checks it. */
export const FEATURE_VERSION = 1;

/**
 * How words are written in unlabelled text of the task (inputs cost no teacher call): lowercased word →
 * [times seen after a sentence's first word, times capitalised there]. A word nearly always capitalised
 * mid-sentence is likely a name even when no teacher answer named it.
 */
export type WordStatistics = ReadonlyMap<string, readonly [number, number]>;

/** Counts how each word is written in `texts`, keeping words seen at least `minCount` times mid-sentence. */
export function wordStatistics(texts: Iterable<string>, minCount = 2): Map<string, [number, number]> {
  const counts = new Map<string, [number, number]>();
  for (const text of texts) {
    const words = tokenizeWords(text);
    for (let i = 1; i < words.length; i++) {
      const word = (words[i] as WordToken).text;
      if (!/^\p{L}/u.test(word)) continue;
      const key = word.toLowerCase();
      const entry = counts.get(key) ?? [0, 0];
      entry[0]++;
      if (/^\p{Lu}/u.test(word)) entry[1]++;
      counts.set(key, entry);
    }
  }
  for (const [key, [seen]] of counts) if (seen < minCount) counts.delete(key);
  return counts;
}

/** A word's capitalisation class in the statistics: u unseen, else the capitalised share in 4 bins and the count's order of magnitude. */
function capitalClass(statistics: WordStatistics, token: WordToken | undefined): string {
  if (token === undefined) return '-';
  const entry = statistics.get(token.text.toLowerCase());
  if (entry === undefined) return 'u';
  const share = entry[1] / entry[0];
  return `${share < 0.1 ? 0 : share < 0.5 ? 1 : share < 0.9 ? 2 : 3}${Math.min(3, Math.floor(Math.log10(entry[0])))}`;
}

/** The feature strings of word `i` (before hashing); the tag history is not among them (transitions are scored apart). */
export function wordFeatures(words: readonly WordToken[], i: number, statistics?: WordStatistics): string[] {
  const word = (offset: number): string => {
    const token = words[i + offset];
    return token === undefined ? (offset < 0 ? '<s>' : '</s>') : token.text.toLowerCase();
  };
  const shape = (offset: number): string => {
    const token = words[i + offset];
    return token === undefined ? (offset < 0 ? '<s>' : '</s>') : wordShape(token.text);
  };
  const current = words[i] as WordToken;
  const lower = current.text.toLowerCase();
  const capitalised = /^\p{Lu}/u.test(current.text);
  const features = [
    'bias', `w=${lower}`, `s=${shape(0)}`,
    `p1=${lower.slice(0, 1)}`, `p2=${lower.slice(0, 2)}`, `p3=${lower.slice(0, 3)}`,
    `x1=${lower.slice(-1)}`, `x2=${lower.slice(-2)}`, `x3=${lower.slice(-3)}`, `x4=${lower.slice(-4)}`,
    `cap=${capitalised}`, `first=${i === 0}`, `capfirst=${capitalised}|${i === 0}`,
    `upper=${current.text.length > 1 && current.text === current.text.toUpperCase() && /\p{L}/u.test(current.text)}`,
    `W=${current.text}`,
    `w-1=${word(-1)}`, `w-2=${word(-2)}`, `w+1=${word(1)}`, `w+2=${word(2)}`,
    `s-1=${shape(-1)}`, `s-2=${shape(-2)}`, `s+1=${shape(1)}`, `s+2=${shape(2)}`,
    `w-1|w=${word(-1)}|${lower}`, `w|w+1=${lower}|${word(1)}`,
    `s-1|s=${shape(-1)}|${shape(0)}`, `s|s+1=${shape(0)}|${shape(1)}`,
    `s-1|s|s+1=${shape(-1)}|${shape(0)}|${shape(1)}`,
    `w-1|s=${word(-1)}|${shape(0)}`, `s|w+1=${shape(0)}|${word(1)}`,
  ];
  if (statistics !== undefined) {
    const here = capitalClass(statistics, current);
    const before = capitalClass(statistics, words[i - 1]);
    const after = capitalClass(statistics, words[i + 1]);
    features.push(`k=${here}`, `k|s=${here}|${shape(0)}`, `k|first=${here}|${i === 0}`, `k-1=${before}`, `k+1=${after}`, `k-1|k|k+1=${before}|${here}|${after}`);
  }
  return features;
}

/** The hashed feature ids of every word of a text: `bits` bits per id. */
export function featureIds(words: readonly WordToken[], bits: number, statistics?: WordStatistics): Int32Array[] {
  const mask = (1 << bits) - 1;
  return words.map((_, i) => Int32Array.from(wordFeatures(words, i, statistics), (feature) => hashString(feature) & mask));
}
