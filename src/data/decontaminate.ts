/**
 * Decontamination: a training example that shares a long word n-gram with a validation or test
 * example (input or answer) has seen the evaluation data, so it is removed before training.
 */
import { fnv1a32 } from '../util/hash.js';
import { normaliseText } from '../util/text.js';
import { GramTable } from './gram-table.js';
import { inputTextOf, type GenerativeExample } from './generative-example.js';

/** Which part of an example an n-gram came from. */
export type ExampleField = 'input' | 'answer';

/** How to decontaminate. */
export interface DecontaminationOptions {
  /** n-gram length in normalised words (default 13, as GPT-3's and Llama's decontamination). */
  n?: number;
  /**
   * An n-gram found in more than this fraction of the training examples (and in at least 3) is the
   * prompt's or the answer format's fixed wording, not leaked data, and never counts (default 0.1).
   */
  boilerplateFraction?: number;
}

/** One training example to remove, and the evidence. */
export interface Contamination {
  /** The training example's id. */
  id: string;
  field: ExampleField;
  /** The validation or test example it overlaps. */
  matchedId: string;
  matchedSplit: 'val' | 'test';
  matchedField: ExampleField;
  /** The overlapping words, normalised (the whole input when it is shorter than n words). */
  ngram: string;
}

/** What `decontaminate` found. */
export interface DecontaminationResult {
  /** Every example except the removed training ones, in input order. */
  kept: GenerativeExample[];
  removed: Contamination[];
  counts: {
    training: number;
    removed: number;
    /** Removed training examples by the split of the example they overlap. */
    bySplit: { val: number; test: number };
    byField: Record<ExampleField, number>;
    /** Distinct n-grams shared with evaluation data but ignored as boilerplate. */
    boilerplateNgrams: number;
  };
}

const DEFAULT_N = 13;
const DEFAULT_BOILERPLATE_FRACTION = 0.1;
/** Below this many training examples the fraction would call any repeat boilerplate, so a floor applies. */
const BOILERPLATE_FLOOR = 2;
const BASE_LOW = 0x01000193;
const BASE_HIGH = 0x5bd1e995;
const SECOND_SEED = 0x9747b28c;
const SHORT_TAG = 0x9e3779b1;
const WORD = /[\p{L}\p{N}]+/gu;

/** Normalised word tokens: lowercase letters and digits, punctuation and JSON syntax dropped. */
export function wordTokens(text: string): string[] {
  return normaliseText(text).match(WORD) ?? [];
}

/**
 * Calls `visit` with a 64-bit key (two 32-bit halves) for every n-gram of `tokens`: a rolling
 * polynomial hash over two 32-bit token hashes, so the cost is linear in the tokens whatever n is.
 * A text shorter than n words gets one key for the whole text when `wholeWhenShort`, tagged by its length.
 */
function forEachGram(tokens: readonly string[], n: number, wholeWhenShort: boolean, visit: (high: number, low: number, start: number) => void): void {
  const length = tokens.length;
  if (length === 0 || (length < n && !wholeWhenShort)) return;
  const span = Math.min(n, length);
  let powerLow = 1;
  let powerHigh = 1;
  for (let index = 1; index < span; index++) {
    powerLow = Math.imul(powerLow, BASE_LOW);
    powerHigh = Math.imul(powerHigh, BASE_HIGH);
  }
  const low = new Int32Array(length);
  const high = new Int32Array(length);
  for (let index = 0; index < length; index++) {
    const token = tokens[index] as string;
    low[index] = fnv1a32(token);
    high[index] = fnv1a32(token, SECOND_SEED);
  }
  let hashLow = 0;
  let hashHigh = 0;
  for (let index = 0; index < length; index++) {
    if (index >= span) {
      hashLow = (hashLow - Math.imul(low[index - span] as number, powerLow)) | 0;
      hashHigh = (hashHigh - Math.imul(high[index - span] as number, powerHigh)) | 0;
    }
    hashLow = (Math.imul(hashLow, BASE_LOW) + (low[index] as number)) | 0;
    hashHigh = (Math.imul(hashHigh, BASE_HIGH) + (high[index] as number)) | 0;
    if (index < span - 1) continue;
    const tagged = span < n ? hashLow ^ Math.imul(span, SHORT_TAG) : hashLow;
    visit(hashHigh, tagged, index - span + 1);
  }
}

/** The fields compared, and whether a text shorter than n is compared whole. */
function fieldsOf(example: GenerativeExample): Array<{ field: ExampleField; tokens: string[]; wholeWhenShort: boolean }> {
  return [
    // A short input compared whole catches a leaked short test item; a short answer ("positive",
    // an empty extraction) is shared by chance, and when its input is the same the input catches it.
    { field: 'input', tokens: wordTokens(inputTextOf(example)), wholeWhenShort: true },
    { field: 'answer', tokens: wordTokens(example.answer), wholeWhenShort: false },
  ];
}

interface Candidate {
  entry: number;
  field: ExampleField;
  tokens: string[];
  start: number;
}

/**
 * Finds the training examples that share an n-gram of normalised words with any validation or
 * test example (inputs and answers both ways) and returns the rest, with the evidence and counts.
 */
export function decontaminate(examples: readonly GenerativeExample[], options: DecontaminationOptions = {}): DecontaminationResult {
  const n = options.n ?? DEFAULT_N;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`decontamination n must be a positive integer, got ${n}`);
  const evaluation = new GramTable();
  const sources: Array<{ example: GenerativeExample; field: ExampleField }> = [];
  for (const example of examples) {
    if (example.split === 'train') continue;
    for (const { field, tokens, wholeWhenShort } of fieldsOf(example)) {
      forEachGram(tokens, n, wholeWhenShort, (high, low) => {
        if (evaluation.add(high, low) === sources.length) sources.push({ example, field });
      });
    }
  }
  const training = examples.filter((example) => example.split === 'train');
  // Per evaluation n-gram: how many training examples contain it, and the last one that did (to count each once).
  const documentFrequency = new Int32Array(sources.length);
  const lastSeenBy = new Int32Array(sources.length).fill(-1);
  const candidates = new Map<GenerativeExample, Candidate[]>();
  if (evaluation.size > 0) {
    training.forEach((example, trainingIndex) => {
      let found: Candidate[] | undefined;
      for (const { field, tokens, wholeWhenShort } of fieldsOf(example)) {
        forEachGram(tokens, n, wholeWhenShort, (high, low, start) => {
          const entry = evaluation.get(high, low);
          if (entry < 0 || lastSeenBy[entry] === trainingIndex) return;
          lastSeenBy[entry] = trainingIndex;
          documentFrequency[entry] = (documentFrequency[entry] as number) + 1;
          (found ??= []).push({ entry, field, tokens, start });
        });
      }
      if (found !== undefined) candidates.set(example, found);
    });
  }
  const limit = Math.max(BOILERPLATE_FLOOR, (options.boilerplateFraction ?? DEFAULT_BOILERPLATE_FRACTION) * training.length);
  let boilerplateNgrams = 0;
  for (const count of documentFrequency) if (count > limit) boilerplateNgrams++;
  const removed: Contamination[] = [];
  const removedSet = new Set<GenerativeExample>();
  const counts: DecontaminationResult['counts'] = { training: training.length, removed: 0, bySplit: { val: 0, test: 0 }, byField: { input: 0, answer: 0 }, boilerplateNgrams };
  for (const [example, found] of candidates) {
    const evidence = found.find((candidate) => (documentFrequency[candidate.entry] as number) <= limit);
    if (evidence === undefined) continue;
    const source = sources[evidence.entry] as { example: GenerativeExample; field: ExampleField };
    const matchedSplit = source.example.split === 'test' ? 'test' : 'val';
    removed.push({ id: example.id, field: evidence.field, matchedId: source.example.id, matchedSplit, matchedField: source.field, ngram: evidence.tokens.slice(evidence.start, evidence.start + n).join(' ') });
    removedSet.add(example);
    counts.bySplit[matchedSplit]++;
    counts.byField[evidence.field]++;
  }
  counts.removed = removed.length;
  return { kept: examples.filter((example) => !removedSet.has(example)), removed, counts };
}
