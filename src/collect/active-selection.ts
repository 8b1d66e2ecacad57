/**
 * Choosing what to pay for: the unlabelled inputs the current student is least sure of (smallest
 * margin between its top two labels, or highest entropy), with near-duplicates kept out of the same
 * batch (Jaccard similarity of hashed word-bigram and character-trigram sets), so one batch does
 * not spend its calls on ten copies of the same confusing input.
 */
import { fnv1a32 } from '../util/string-hash.js';
import { normaliseText } from '../util/text.js';

/** How unsure a prediction is: `margin` (p1 − p2, small is unsure) or `entropy` (high is unsure). */
export type UncertaintyMeasure = 'margin' | 'entropy';

/** One unlabelled input with the current student's probabilities for it. */
export interface ScoredCandidate {
  id: string;
  text: string;
  probabilities: ArrayLike<number>;
}

/** What picking a batch needs. */
export interface BatchChoice {
  batchSize: number;
  uncertainty: UncertaintyMeasure;
  /** Two inputs at or above this Jaccard similarity do not go into the same batch; 1 turns diversity off. */
  maxSimilarity: number;
}

/** The student's unsureness about one prediction: larger means less sure, whatever the measure. */
export function unsureness(probabilities: ArrayLike<number>, measure: UncertaintyMeasure): number {
  if (measure === 'entropy') {
    let entropy = 0;
    for (let index = 0; index < probabilities.length; index++) {
      const p = probabilities[index] ?? 0;
      if (p > 0) entropy -= p * Math.log(p);
    }
    return entropy;
  }
  let first = 0;
  let second = 0;
  for (let index = 0; index < probabilities.length; index++) {
    const p = probabilities[index] ?? 0;
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) second = p;
  }
  return 1 - (first - second);
}

/** Sorted distinct hashes of a text's word bigrams (and lone words) and character trigrams. */
export function shingleSet(text: string): Uint32Array {
  const normalised = normaliseText(text).slice(0, 2000);
  const words = normalised.split(' ').filter((word) => word.length > 0);
  const hashes = new Set<number>();
  words.forEach((word, index) => {
    hashes.add(fnv1a32(`w:${word}`));
    const next = words[index + 1];
    if (next !== undefined) hashes.add(fnv1a32(`b:${word} ${next}`));
  });
  for (let index = 0; index + 3 <= normalised.length; index++) hashes.add(fnv1a32(`c:${normalised.slice(index, index + 3)}`));
  return Uint32Array.from(hashes).sort();
}

/** Jaccard similarity of two sorted hash sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
}

/**
 * The batch to ask the teacher about next: candidates from least to most sure (ties by id, so the
 * choice is reproducible), skipping any too similar to one already chosen; if that leaves the batch
 * short, the skipped ones fill it in the same order.
 */
export function chooseBatch(candidates: readonly ScoredCandidate[], choice: BatchChoice): string[] {
  const ranked = candidates
    .map((candidate) => ({ candidate, score: unsureness(candidate.probabilities, choice.uncertainty) }))
    .sort((a, b) => b.score - a.score || (a.candidate.id < b.candidate.id ? -1 : a.candidate.id > b.candidate.id ? 1 : 0));
  const chosen: Array<{ id: string; shingles: Uint32Array }> = [];
  const skipped: string[] = [];
  for (const { candidate } of ranked) {
    if (chosen.length >= choice.batchSize) break;
    if (choice.maxSimilarity >= 1) {
      chosen.push({ id: candidate.id, shingles: new Uint32Array() });
      continue;
    }
    const shingles = shingleSet(candidate.text);
    if (chosen.some((other) => jaccard(shingles, other.shingles) >= choice.maxSimilarity)) skipped.push(candidate.id);
    else chosen.push({ id: candidate.id, shingles });
  }
  const ids = chosen.map((entry) => entry.id);
  return [...ids, ...skipped.slice(0, Math.max(0, choice.batchSize - ids.length))];
}
