/**
 * The span tagger: a student for extract tasks whose answer is an object of string arrays (or
 * strings) copied from the input. It tags each word of the input with BIO tags per field, scored by a
 * linear model over hashed word features (features.ts) plus tag-to-tag transition weights, decoded by
 * Viterbi under the BIO rules, and writes the tagged spans back as the schema's JSON object
 * (each list deduplicated in order of appearance; a string field takes its first span, or "").
 * No Node built-ins: the predict path runs in a browser.
 */
import { UsageError } from '../../util/errors.js';
import { allowedTransition, bioToSpans, featureIds, tagNames, tokenizeWords, type WordStatistics, type WordToken } from './features.js';

/** One field of the answer object: a list of strings or one string. */
export interface SpanField {
  name: string;
  type: 'array' | 'string';
}

/** Raised when a schema is not one the span tagger can answer. */
export class SpanSchemaError extends UsageError {
  override readonly name = 'SpanSchemaError';
}

/**
 * The fields of a schema the span tagger can answer: an object whose properties are all arrays of strings
 * or strings; undefined for any other schema (with the reason in `why` when asked).
 */
export function spanFieldsOf(schema: unknown, why?: (reason: string) => void): SpanField[] | undefined {
  const fail = (reason: string) => { why?.(reason); return undefined; };
  if (schema === null || typeof schema !== 'object') return fail('the schema is not an object');
  const record = schema as Record<string, unknown>;
  if (record['type'] !== 'object') return fail('the schema is not of type object');
  const properties = record['properties'];
  if (properties === null || typeof properties !== 'object' || Object.keys(properties).length === 0) return fail('the schema has no properties');
  const fields: SpanField[] = [];
  for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
    const p = property as Record<string, unknown> | null;
    if (p?.['type'] === 'string') fields.push({ name, type: 'string' });
    else if (p?.['type'] === 'array' && (p['items'] as Record<string, unknown> | undefined)?.['type'] === 'string') fields.push({ name, type: 'array' });
    else return fail(`property "${name}" is neither a string nor an array of strings`);
  }
  return fields;
}

/** The model's numbers: emission weights per (hashed feature, tag) and transition weights per (previous tag or start, tag). */
export interface SpanTaggerWeights {
  fields: SpanField[];
  /** Bits of the feature hash: 2^bits feature rows. */
  bits: number;
  /** (2^bits) × tags, row-major. */
  emission: Float32Array;
  /** (tags + 1) × tags: row 0 is the start, row p + 1 follows tag p. */
  transition: Float32Array;
  /** How words are written in the task's unlabelled inputs (features.ts); none: those features are off. */
  statistics?: WordStatistics | undefined;
}

/** A trained span tagger. */
export class SpanTagger {
  readonly fields: readonly SpanField[];
  readonly tags: readonly string[];
  readonly bits: number;
  readonly emission: Float32Array;
  readonly transition: Float32Array;
  readonly statistics: WordStatistics | undefined;

  constructor(weights: SpanTaggerWeights) {
    this.statistics = weights.statistics;
    this.fields = weights.fields.map((field) => ({ ...field }));
    this.tags = tagNames(this.fields.map((field) => field.name));
    this.bits = weights.bits;
    this.emission = weights.emission;
    this.transition = weights.transition;
    const k = this.tags.length;
    if (this.emission.length !== (1 << this.bits) * k || this.transition.length !== (k + 1) * k) throw new UsageError('span tagger weights do not match its fields and feature bits');
  }

  /** The best BIO tag per word of `words` (Viterbi under the BIO rules). */
  tagWords(words: readonly WordToken[]): Int32Array {
    return viterbi(emissionScores(this.emission, this.tags.length, featureIds(words, this.bits, this.statistics)), this.transition, this.tags.length);
  }

  /** The best tags and the score gap to the second-best BIO path (Infinity for a text without words). */
  tagWithMargin(words: readonly WordToken[]): { tags: Int32Array; margin: number } {
    return viterbiWithMargin(emissionScores(this.emission, this.tags.length, featureIds(words, this.bits, this.statistics)), this.transition, this.tags.length);
  }

  /** The answer object for `text`: every field of the schema, each from the spans tagged with it. */
  predictObject(text: string): Record<string, string[] | string> {
    const words = tokenizeWords(text);
    return this.answerOf(text, words, this.tagWords(words));
  }

  /** The answer object and the Viterbi margin (see viterbiWithMargin): what a served answer reports as its confidence. */
  predictWithMargin(text: string): { answer: Record<string, string[] | string>; margin: number; words: number } {
    const words = tokenizeWords(text);
    const { tags, margin } = this.tagWithMargin(words);
    return { answer: this.answerOf(text, words, tags), margin, words: words.length };
  }

  /** The schema's object from the tags of `words`. */
  private answerOf(text: string, words: readonly WordToken[], tags: Int32Array): Record<string, string[] | string> {
    const lists = this.fields.map(() => [] as string[]);
    for (const [field, first, last] of bioToSpans(tags)) {
      const value = text.slice((words[first] as WordToken).start, (words[last] as WordToken).end);
      const list = lists[field] as string[];
      if (!list.includes(value)) list.push(value);
    }
    return Object.fromEntries(this.fields.map((field, f) => [field.name, field.type === 'array' ? (lists[f] as string[]) : (lists[f]?.[0] ?? '')]));
  }

  /** The answer as compact JSON, keys in the schema's order (what the teacher writes). */
  predict(text: string): string {
    return JSON.stringify(this.predictObject(text));
  }

  /** Parameters that are not zero (the rest are hash rows no training word reached). */
  parameterCount(): number {
    let count = this.transition.length;
    for (const weight of this.emission) if (weight !== 0) count++;
    return count;
  }
}

/** Emission scores of each word: words × tags, row-major. */
export function emissionScores(emission: Float32Array, tags: number, ids: readonly Int32Array[]): Float64Array {
  const scores = new Float64Array(ids.length * tags);
  ids.forEach((row, i) => {
    for (const id of row) {
      const base = id * tags;
      for (let t = 0; t < tags; t++) scores[i * tags + t] = (scores[i * tags + t] as number) + (emission[base + t] as number);
    }
  });
  return scores;
}

/** The highest-scoring tag sequence that obeys the BIO rules (ties: the lower tag). */
export function viterbi(scores: Float64Array, transition: Float32Array, tags: number): Int32Array {
  const n = scores.length / tags;
  const path = new Int32Array(n);
  if (n === 0) return path;
  const best = new Float64Array(n * tags).fill(-Infinity);
  const back = new Int32Array(n * tags);
  for (let t = 0; t < tags; t++) if (allowedTransition(-1, t)) best[t] = (scores[t] as number) + (transition[t] as number);
  for (let i = 1; i < n; i++) {
    for (let t = 0; t < tags; t++) {
      let top = -Infinity;
      let from = 0;
      for (let p = 0; p < tags; p++) {
        if (!allowedTransition(p, t)) continue;
        const value = (best[(i - 1) * tags + p] as number) + (transition[(p + 1) * tags + t] as number);
        if (value > top) { top = value; from = p; }
      }
      best[i * tags + t] = top + (scores[i * tags + t] as number);
      back[i * tags + t] = from;
    }
  }
  let last = 0;
  for (let t = 1; t < tags; t++) if ((best[(n - 1) * tags + t] as number) > (best[(n - 1) * tags + last] as number)) last = t;
  for (let i = n - 1; i >= 0; i--) {
    path[i] = last;
    last = back[i * tags + last] as number;
  }
  return path;
}

/**
 * Viterbi plus the margin of its path: the best path's score minus the second-best BIO path's. The
 * second-best path differs from the best at some word i, so its score is the highest max-marginal
 * (best forward score into tag t at i plus best backward score out of it) over words i and tags t
 * off the best path. Scores are the perceptron's (unnormalised): 0 means a tie, larger means surer.
 */
export function viterbiWithMargin(scores: Float64Array, transition: Float32Array, tags: number): { tags: Int32Array; margin: number } {
  const n = scores.length / tags;
  const path = viterbi(scores, transition, tags);
  if (n === 0) return { tags: path, margin: Number.POSITIVE_INFINITY };
  const forward = new Float64Array(n * tags).fill(-Infinity);
  const backward = new Float64Array(n * tags).fill(-Infinity);
  for (let t = 0; t < tags; t++) if (allowedTransition(-1, t)) forward[t] = (scores[t] as number) + (transition[t] as number);
  for (let i = 1; i < n; i++) {
    for (let t = 0; t < tags; t++) {
      let top = -Infinity;
      for (let p = 0; p < tags; p++) if (allowedTransition(p, t)) top = Math.max(top, (forward[(i - 1) * tags + p] as number) + (transition[(p + 1) * tags + t] as number));
      forward[i * tags + t] = top + (scores[i * tags + t] as number);
    }
  }
  for (let t = 0; t < tags; t++) backward[(n - 1) * tags + t] = 0;
  for (let i = n - 2; i >= 0; i--) {
    for (let t = 0; t < tags; t++) {
      let top = -Infinity;
      for (let next = 0; next < tags; next++) {
        if (!allowedTransition(t, next)) continue;
        top = Math.max(top, (transition[(t + 1) * tags + next] as number) + (scores[(i + 1) * tags + next] as number) + (backward[(i + 1) * tags + next] as number));
      }
      backward[i * tags + t] = top;
    }
  }
  let best = -Infinity;
  for (let t = 0; t < tags; t++) best = Math.max(best, (forward[t] as number) + (backward[t] as number));
  let second = -Infinity;
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < tags; t++) if (t !== path[i]) second = Math.max(second, (forward[i * tags + t] as number) + (backward[i * tags + t] as number));
  }
  return { tags: path, margin: best - second };
}
