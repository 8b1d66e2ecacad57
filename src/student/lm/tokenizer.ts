/**
 * Byte-level BPE (GPT-2 style) trained on the task's own text: ids 0–255 are the bytes, three
 * special tokens follow, then one id per learned merge. Text is first split by GPT-2's
 * pre-tokenisation pattern (the one llama.cpp's `gpt2` pre-tokeniser uses, so a GGUF export
 * tokenises the same), and merges never cross those pieces. Every well-formed string round-trips
 * exactly, since any byte is a token. Training is deterministic: ties go to the smallest pair.
 * The `words` pre-tokeniser instead keeps spaces apart from words, so a name is the same tokens
 * wherever it stands ("John" in a sentence and in a JSON string alike): what copying needs.
 */
import { LanguageModelConfigError } from './errors.js';

/** The special tokens, in id order after the 256 bytes. */
export const SPECIAL_TOKENS = ['<|begin|>', '<|answer|>', '<|end|>'] as const;
const FIRST_MERGE = 256 + SPECIAL_TOKENS.length;

/** GPT-2's pre-tokenisation pattern: contractions, letters, digits, other symbols, whitespace. */
export const PRETOKENIZE_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
/** The `words` pattern: GPT-2's without a space joined to the piece after it. */
const WORDS_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}+|[^\s\p{L}\p{N}]+|\s+/gu;

/** How text is cut into pieces before BPE: `gpt2` (GGUF-compatible) or `words` (spaces apart). */
export type Pretokenizer = 'gpt2' | 'words';

/** What a BPE tokenizer's file header holds (no `pretokenizer`: gpt2). */
export interface BpeTokenizerDescription { kind: 'bpe'; merges: Array<[number, number]>; pretokenizer?: Pretokenizer }
/** What a teacher tokenizer's file header holds (see teacher-tokenizer.ts). */
export interface TeacherTokenizerDescription { kind: 'teacher'; encoding: string; teacherTokens: number[] }
/** What a tokenizer file header holds. */
export type TokenizerDescription = BpeTokenizerDescription | TeacherTokenizerDescription;

/** Text ↔ token ids for the language-model student. */
export interface Tokenizer {
  readonly vocabularySize: number;
  /** Starts every sequence. */
  readonly beginToken: number;
  /** Separates the prompt from the answer. */
  readonly answerToken: number;
  /** Ends the answer. */
  readonly endToken: number;
  encode(text: string): number[];
  /** Text of `tokens` (special tokens contribute nothing). */
  decode(tokens: readonly number[]): string;
  /** The raw bytes of one token (empty for special tokens). */
  tokenBytes(token: number): Uint8Array;
  describe(): TokenizerDescription;
}

const encoder = new TextEncoder();
const pairKey = (left: number, right: number): number => left * 65536 + right;

/** Splits text into pre-tokenisation pieces whose concatenation is the text. */
export function pretokenize(text: string, pretokenizer: Pretokenizer = 'gpt2'): string[] {
  return text.match(pretokenizer === 'words' ? WORDS_PATTERN : PRETOKENIZE_PATTERN) ?? [];
}

/** Replaces every (left, right) in `ids` by `merged`, returning the new length (in place). */
function mergeInPlace(ids: number[], left: number, right: number, merged: number): void {
  let write = 0;
  for (let read = 0; read < ids.length; read++) {
    if (read + 1 < ids.length && ids[read] === left && ids[read + 1] === right) { ids[write++] = merged; read++; } else ids[write++] = ids[read] as number;
  }
  ids.length = write;
}

/** Adds `sign` · weight to the count of every adjacent pair of `ids`, noting which piece holds it. */
function countPairs(ids: readonly number[], weight: number, piece: number, counts: Map<number, number>, holders: Map<number, Set<number>> | undefined): void {
  for (let index = 0; index + 1 < ids.length; index++) {
    const key = pairKey(ids[index] as number, ids[index + 1] as number);
    counts.set(key, (counts.get(key) ?? 0) + weight);
    if (holders !== undefined) {
      let set = holders.get(key);
      if (set === undefined) holders.set(key, (set = new Set()));
      set.add(piece);
    }
  }
}

/** The most frequent pair not in `banned` (smallest key on ties), or undefined when none occurs twice. */
function bestPair(counts: Map<number, number>, banned: ReadonlySet<number>): number | undefined {
  let best: number | undefined;
  let bestCount = 1;
  for (const [key, count] of counts) {
    if (banned.has(key)) continue;
    if (count > bestCount || (count === bestCount && best !== undefined && key < best)) { best = key; bestCount = count; }
  }
  return best;
}

/** Bytes as a string key (one char per byte). */
const bytesKey = (bytes: readonly number[]): string => String.fromCharCode(...bytes);

/** Learns merges on `texts` until the vocabulary has `vocabularySize` tokens (or no pair repeats). */
export function trainTokenizer(texts: readonly string[], vocabularySize: number, pretokenizer: Pretokenizer = 'gpt2'): Tokenizer {
  if (!Number.isInteger(vocabularySize) || vocabularySize < FIRST_MERGE || vocabularySize > 65536) {
    throw new LanguageModelConfigError(`tokenizer vocabulary size must be an integer from ${FIRST_MERGE} to 65536, got ${vocabularySize}`);
  }
  const frequency = new Map<string, number>();
  for (const text of texts) for (const piece of pretokenize(text, pretokenizer)) frequency.set(piece, (frequency.get(piece) ?? 0) + 1);
  const pieces = [...frequency.keys()].sort();
  const weights = pieces.map((piece) => frequency.get(piece) as number);
  const ids = pieces.map((piece) => Array.from(encoder.encode(piece)));
  const counts = new Map<number, number>();
  const holders = new Map<number, Set<number>>();
  ids.forEach((piece, index) => countPairs(piece, weights[index] as number, index, counts, holders));
  const merges: Array<[number, number]> = [];
  // Token byte strings stay unique (llama.cpp and GGUF map token text to one id): a pair whose
  // bytes already form a token is never merged.
  const tokenBytes: number[][] = Array.from({ length: FIRST_MERGE }, (_, id) => (id < 256 ? [id] : []));
  const known = new Set(tokenBytes.slice(0, 256).map(bytesKey));
  const banned = new Set<number>();
  while (FIRST_MERGE + merges.length < vocabularySize) {
    const key = bestPair(counts, banned);
    if (key === undefined) break;
    const left = Math.floor(key / 65536);
    const right = key % 65536;
    const joined = [...(tokenBytes[left] as number[]), ...(tokenBytes[right] as number[])];
    if (known.has(bytesKey(joined))) { banned.add(key); continue; }
    known.add(bytesKey(joined));
    tokenBytes.push(joined);
    const merged = FIRST_MERGE + merges.length;
    merges.push([left, right]);
    for (const index of holders.get(key) ?? []) {
      const piece = ids[index] as number[];
      const weight = weights[index] as number;
      countPairs(piece, -weight, index, counts, undefined);
      mergeInPlace(piece, left, right, merged);
      countPairs(piece, weight, index, counts, holders);
    }
    holders.delete(key);
    counts.delete(key);
  }
  return bpeTokenizer({ kind: 'bpe', merges, ...(pretokenizer === 'gpt2' ? {} : { pretokenizer }) });
}

/** Rebuilds a tokenizer from its description (a file header). */
export function bpeTokenizer(description: BpeTokenizerDescription): Tokenizer {
  const { merges } = description;
  const pretokenizer = description.pretokenizer ?? 'gpt2';
  const vocabularySize = FIRST_MERGE + merges.length;
  const ranks = new Map<number, number>(merges.map(([left, right], rank) => [pairKey(left, right), rank]));
  const bytes: Uint8Array[] = Array.from({ length: 256 }, (_, byte) => Uint8Array.of(byte));
  for (let index = 0; index < SPECIAL_TOKENS.length; index++) bytes.push(new Uint8Array(0));
  for (const [left, right] of merges) {
    const a = bytes[left] as Uint8Array;
    const b = bytes[right] as Uint8Array;
    const joined = new Uint8Array(a.length + b.length);
    joined.set(a);
    joined.set(b, a.length);
    bytes.push(joined);
  }
  const cache = new Map<string, number[]>();
  const encodePiece = (piece: string): number[] => {
    const ids = Array.from(encoder.encode(piece));
    for (;;) {
      let bestRank = Infinity;
      let bestIndex = -1;
      for (let index = 0; index + 1 < ids.length; index++) {
        const rank = ranks.get(pairKey(ids[index] as number, ids[index + 1] as number));
        if (rank !== undefined && rank < bestRank) { bestRank = rank; bestIndex = index; }
      }
      if (bestIndex < 0) return ids;
      const [left, right] = merges[bestRank] as [number, number];
      mergeInPlace(ids, left, right, FIRST_MERGE + bestRank);
    }
  };
  return {
    vocabularySize,
    beginToken: 256, answerToken: 257, endToken: 258,
    encode(text) {
      const out: number[] = [];
      for (const piece of pretokenize(text, pretokenizer)) {
        let ids = cache.get(piece);
        if (ids === undefined) {
          ids = encodePiece(piece);
          if (cache.size < 100_000) cache.set(piece, ids);
        }
        for (const id of ids) out.push(id);
      }
      return out;
    },
    decode(tokens) {
      const total = tokens.reduce((sum, token) => sum + (bytes[token]?.length ?? 0), 0);
      const joined = new Uint8Array(total);
      let offset = 0;
      for (const token of tokens) { const piece = bytes[token]; if (piece !== undefined) { joined.set(piece, offset); offset += piece.length; } }
      return new TextDecoder().decode(joined);
    },
    tokenBytes: (token) => bytes[token] ?? new Uint8Array(0),
    describe: () => ({ kind: 'bpe', merges: merges.map(([left, right]) => [left, right]), ...(pretokenizer === 'gpt2' ? {} : { pretokenizer }) }),
  };
}
