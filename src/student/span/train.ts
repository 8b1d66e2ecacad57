/**
 * Training the span tagger: the teacher's answers become BIO tags (features.ts `answerToBio`), and an
 * averaged structured perceptron (Collins 2002) learns the emission and transition weights: for each
 * sentence, in a seeded shuffled order each epoch, Viterbi decodes with the current weights, and where
 * the path differs from the gold one the gold tags' weights go up by one and the predicted tags' down by
 * one. The weights kept are the average over every step (the usual lazy-average trick), which
 * generalises far better than the last ones.
 */
import { createRandom, shuffleInPlace } from '../../util/random.js';
import { UsageError } from '../../util/errors.js';
import { answerToBio, featureIds, tagNames, tokenizeWords, wordStatistics } from './features.js';
import { emissionScores, spanFieldsOf, SpanSchemaError, SpanTagger, viterbi, type SpanField } from './span-tagger.js';

/** One training example: the input text and the teacher's answer (JSON text). */
export interface SpanExample {
  input: string;
  answer: string;
}

/** How the tagger trains. */
export interface SpanTrainingOptions {
  /** Passes over the data (default 10). */
  epochs?: number;
  /** Bits of the feature hash (default 18: 262,144 rows). */
  bits?: number;
  /** Seed of the shuffles (default 1). */
  seed?: number;
  /** Unlabelled inputs of the task (no teacher call needed): how their words are written becomes features (with the training inputs). */
  unlabelled?: readonly string[];
  /**
   * Called after each epoch (1-based) with a function that builds the averaged tagger as of then: the
   * same tagger a run of that many epochs trains (the shuffles are the same), so one run of the most
   * epochs yields every smaller candidate too.
   */
  onEpoch?: (epoch: number, taggerNow: () => SpanTagger) => void;
}

/** What training saw and did. */
export interface SpanTrainingReport {
  examples: number;
  /** Answers skipped: not JSON, or not an object. */
  unparseable: number;
  /** Non-empty values in the answers, and those placed as a span of their input. */
  values: number;
  placed: number;
  epochs: number;
  /** Share of words whose training-time Viterbi tag was wrong, per epoch (before that epoch's updates). */
  errorRates: number[];
  seconds: number;
}

/** The answer's values per field as lists (a string field's value as a one-item list), or undefined when it is not an object. */
function answerLists(answer: string, fields: readonly SpanField[]): Record<string, string[]> | undefined {
  let parsed: unknown;
  try { parsed = JSON.parse(answer); } catch { return undefined; }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  return Object.fromEntries(fields.map((field) => {
    const value = record[field.name];
    const list = Array.isArray(value) ? value : [value];
    return [field.name, list.filter((item): item is string => typeof item === 'string')];
  }));
}

/** How many of the answers' non-empty values are word-aligned spans of their input (the tagger's `answerToBio`). */
export function spanPlacement(examples: readonly SpanExample[], fields: readonly SpanField[]): { values: number; placed: number; unparseable: number } {
  const names = fields.map((field) => field.name);
  let values = 0;
  let placed = 0;
  let unparseable = 0;
  for (const example of examples) {
    const lists = answerLists(example.answer, fields);
    if (lists === undefined) { unparseable++; continue; }
    const { unplaced } = answerToBio(example.input, tokenizeWords(example.input), names, lists);
    const count = Object.values(lists).reduce((sum, list) => sum + list.filter((value) => value !== '').length, 0);
    values += count;
    placed += count - unplaced.length;
  }
  return { values, placed, unparseable };
}

/** Trains a span tagger for `schema` on the teacher's answers. */
export function trainSpanTagger(examples: readonly SpanExample[], schema: unknown, options: SpanTrainingOptions = {}): { tagger: SpanTagger; report: SpanTrainingReport } {
  const started = performance.now();
  let reason = '';
  const fields = spanFieldsOf(schema, (why) => { reason = why; });
  if (fields === undefined) throw new SpanSchemaError(`the span tagger cannot answer this schema: ${reason}`);
  const epochs = options.epochs ?? 10;
  const bits = options.bits ?? 18;
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new UsageError(`span tagger epochs must be a positive integer, got ${epochs}`);
  if (!Number.isSafeInteger(bits) || bits < 4 || bits > 24) throw new UsageError(`span tagger feature bits must be an integer from 4 to 24, got ${bits}`);
  const k = tagNames(fields.map((field) => field.name)).length;
  const names = fields.map((field) => field.name);
  const statistics = options.unlabelled === undefined ? undefined : wordStatistics([...options.unlabelled, ...examples.map((example) => example.input)]);
  const data: Array<{ ids: Int32Array[]; gold: Int32Array }> = [];
  let unparseable = 0;
  let values = 0;
  let placed = 0;
  for (const example of examples) {
    const lists = answerLists(example.answer, fields);
    if (lists === undefined) { unparseable++; continue; }
    const words = tokenizeWords(example.input);
    const { tags, unplaced } = answerToBio(example.input, words, names, lists);
    const count = Object.values(lists).reduce((sum, list) => sum + list.filter((value) => value !== '').length, 0);
    values += count;
    placed += count - unplaced.length;
    if (words.length > 0) data.push({ ids: featureIds(words, bits, statistics), gold: tags });
  }
  const emission = new Float64Array((1 << bits) * k);
  const transition = new Float64Array((k + 1) * k);
  // Sums of (step × update): the averaged weights are w − sum / steps.
  const emissionSum = new Float64Array(emission.length);
  const transitionSum = new Float64Array(transition.length);
  const current = new Float32Array(emission.length);
  const currentTransition = new Float32Array(transition.length);
  let step = 1;
  const random = createRandom(options.seed ?? 1);
  const order = data.map((_, index) => index);
  const errorRates: number[] = [];
  const average = (weights: Float64Array, sums: Float64Array) => Float32Array.from(weights, (weight, index) => weight - (sums[index] as number) / step);
  const taggerNow = () => new SpanTagger({ fields, bits, emission: average(emission, emissionSum), transition: average(transition, transitionSum), statistics });
  for (let epoch = 0; epoch < epochs; epoch++) {
    shuffleInPlace(order, random);
    let wrong = 0;
    let total = 0;
    for (const index of order) {
      const { ids, gold } = data[index] as (typeof data)[number];
      const predicted = viterbi(emissionScores(current, k, ids), currentTransition, k);
      total += gold.length;
      for (let i = 0; i < gold.length; i++) {
        const y = gold[i] as number;
        const z = predicted[i] as number;
        if (y !== z) {
          wrong++;
          for (const id of ids[i] as Int32Array) {
            bump(emission, emissionSum, current, id * k + y, 1, step);
            bump(emission, emissionSum, current, id * k + z, -1, step);
          }
        }
        const py = i === 0 ? 0 : (gold[i - 1] as number) + 1;
        const pz = i === 0 ? 0 : (predicted[i - 1] as number) + 1;
        if (py !== pz || y !== z) {
          bump(transition, transitionSum, currentTransition, py * k + y, 1, step);
          bump(transition, transitionSum, currentTransition, pz * k + z, -1, step);
        }
      }
      step++;
    }
    errorRates.push(total === 0 ? 0 : wrong / total);
    options.onEpoch?.(epoch + 1, taggerNow);
  }
  const tagger = taggerNow();
  return { tagger, report: { examples: data.length, unparseable, values, placed, epochs, errorRates, seconds: (performance.now() - started) / 1000 } };
}

function bump(weights: Float64Array, sums: Float64Array, current: Float32Array, index: number, delta: number, step: number): void {
  weights[index] = (weights[index] as number) + delta;
  sums[index] = (sums[index] as number) + delta * step;
  current[index] = weights[index] as number;
}
