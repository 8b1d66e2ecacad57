/**
 * Templated prompts: one skeleton with slots swept ("Write a {length} {genre} about {topic} for
 * {audience}"). A prompt is templated when a good share of its word pairs are pairs that many of the
 * key's recent prompts also contain, and what lies between them (the slots) is short; the key scores
 * by how many of its recent prompts are. Natural writing shares a few pairs ("of the"), and a fixed
 * instruction around free text (an app or a batch job over documents) has one long slot, so neither
 * counts: a sweep fills short slots from small sets.
 */
import type { Detector, DetectorScore, RequestFeatures } from '../types.js';
import { KeyedState } from './keyed-state.js';
import { sketchOf } from './prompt-sketch.js';
import { RingWindow } from './ring-window.js';
import { noEvidence, percent, ramp } from './scoring.js';

/** Settings of the template detector. */
export interface TemplateDetectorOptions {
  /** Recent prompts considered; default 100. */
  windowSize?: number;
  /** A word pair is part of the skeleton when at least this share of the window contains it; default 0.3. */
  skeletonShare?: number;
  /** A prompt is templated when at least this share of its word pairs are skeleton pairs; default 0.3. */
  templatedShare?: number;
  /** …and none of its slots (runs of words outside the skeleton) is longer than this; default 6 words. */
  maxSlotWords?: number;
  /**
   * Quote the skeleton's words in reasons. Off by default: reasons are stored with the key's policy
   * state, and prompts are stored only when the operator turns prompt logging on.
   */
  quoteSkeleton?: boolean;
  maxKeys?: number;
}

/** Fewest skeleton word pairs that make a template (three pairs: a fixed phrase of at least four words). */
const MIN_SKELETON_PAIRS = 3;
/** Prompts needed before any prompt can be judged templated. */
const MIN_HISTORY = 10;

interface KeyTemplates {
  window: RingWindow<{ bigrams: Uint32Array; exactHash: number; templated: boolean }>;
  pairCounts: Map<number, number>;
  exactCounts: Map<number, number>;
  templated: number;
  /** The skeleton of the latest templated prompt, with slots as '…' (evidence for a person reading the reasons). */
  example: string;
  exampleShare: number;
}

/** Scores the share of a key's recent prompts that fill in a shared skeleton. */
export class TemplateDetector implements Detector {
  readonly specificationVersion = 'v1';
  readonly name = 'template';
  readonly #windowSize: number;
  readonly #skeletonShare: number;
  readonly #templatedShare: number;
  readonly #maxSlotWords: number;
  readonly #quote: boolean;
  readonly #keys: KeyedState<KeyTemplates>;

  constructor(options: TemplateDetectorOptions = {}) {
    this.#windowSize = options.windowSize ?? 100;
    this.#skeletonShare = options.skeletonShare ?? 0.3;
    this.#templatedShare = options.templatedShare ?? 0.3;
    this.#maxSlotWords = options.maxSlotWords ?? 6;
    this.#quote = options.quoteSkeleton ?? false;
    this.#keys = new KeyedState(options.maxKeys);
    if (!(this.#windowSize >= 2 * MIN_HISTORY)) throw new RangeError(`template detector needs windowSize ≥ ${2 * MIN_HISTORY}, got ${this.#windowSize}`);
  }

  observe(keyId: string, features: RequestFeatures): void {
    const sketch = sketchOf(features);
    const state = this.#keys.touch(keyId, () => ({ window: new RingWindow(this.#windowSize), pairCounts: new Map(), exactCounts: new Map(), templated: 0, example: '', exampleShare: 0 }));
    const threshold = Math.max(MIN_SKELETON_PAIRS, this.#skeletonShare * state.window.length);
    // An exact repeat (a retry) would match its own earlier copy completely: it says nothing about templates.
    const repeat = (state.exactCounts.get(sketch.exactHash) ?? 0) > 0;
    const isSkeleton = (pair: number) => (state.pairCounts.get(pair) ?? 0) >= threshold;
    let skeletal = 0;
    for (const pair of sketch.bigrams) if (isSkeleton(pair)) skeletal++;
    const share = sketch.bigrams.length > 0 ? skeletal / sketch.bigrams.length : 0;
    let templated = !repeat && state.window.length >= MIN_HISTORY && skeletal >= MIN_SKELETON_PAIRS && share >= this.#templatedShare;
    if (templated) {
      const skeleton = skeletonOf(sketch.wordPairs, isSkeleton);
      templated = skeleton.longestSlot <= this.#maxSlotWords;
      if (templated) {
        state.example = this.#quote ? `"${quoted(sketch.words, skeleton.fixed)}"` : `a skeleton of ${skeleton.fixedWords} fixed words and ${skeleton.slots} slot${skeleton.slots === 1 ? '' : 's'}`;
        state.exampleShare = share;
      }
    }
    const evicted = state.window.push({ bigrams: sketch.bigrams, exactHash: sketch.exactHash, templated });
    count(state.pairCounts, sketch.bigrams, 1);
    count(state.exactCounts, [sketch.exactHash], 1);
    state.templated += templated ? 1 : 0;
    if (evicted !== undefined) {
      count(state.pairCounts, evicted.bigrams, -1);
      count(state.exactCounts, [evicted.exactHash], -1);
      state.templated -= evicted.templated ? 1 : 0;
    }
  }

  score(keyId: string): DetectorScore {
    const state = this.#keys.peek(keyId);
    if (state === undefined || state.window.length === 0) return noEvidence();
    const total = state.window.length;
    const share = state.templated / total;
    const score = ramp(share, 0.2, 0.6) * ramp(total, MIN_HISTORY * 2, MIN_HISTORY * 6);
    const reasons = state.templated === 0 ? [] : [`${state.templated} of the last ${total} prompts (${percent(share)}) fill in a shared skeleton, e.g. ${state.example} (${percent(state.exampleShare)} of its word pairs fixed)`];
    return { score, reasons };
  }
}

/** Adds `delta` to the count of each hash, deleting counts that reach zero. */
function count(counts: Map<number, number>, hashes: Iterable<number>, delta: number): void {
  for (const hash of hashes) {
    const next = (counts.get(hash) ?? 0) + delta;
    if (next <= 0) counts.delete(hash);
    else counts.set(hash, next);
  }
}

/** Which words belong to skeleton pairs, and the slots between them: how many, and the longest (in words). */
function skeletonOf(pairs: Uint32Array, isSkeleton: (pair: number) => boolean): { fixed: boolean[]; fixedWords: number; slots: number; longestSlot: number } {
  const fixed = new Array<boolean>(pairs.length + 1).fill(false);
  pairs.forEach((pair, index) => {
    if (isSkeleton(pair)) fixed[index] = fixed[index + 1] = true;
  });
  let slots = 0;
  let longestSlot = 0;
  let run = 0;
  for (const word of fixed) {
    if (word) {
      run = 0;
      continue;
    }
    if (run === 0) slots++;
    longestSlot = Math.max(longestSlot, ++run);
  }
  return { fixed, fixedWords: fixed.filter(Boolean).length, slots, longestSlot };
}

/** The fixed words with each slot shown as '…', at most 80 characters. */
function quoted(words: readonly string[], fixed: readonly boolean[]): string {
  const parts: string[] = [];
  words.forEach((word, index) => {
    if (fixed[index]) parts.push(word);
    else if (parts[parts.length - 1] !== '…') parts.push('…');
  });
  const text = parts.join(' ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
