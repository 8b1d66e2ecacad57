/**
 * `student.pretrain`: where the text students' embedding rows start before distillation.
 * - `none`: fastText's uniform ±1/dim (the default).
 * - `inputs`: skip-gram with subwords (skipgram.ts) over every input the student is given, labelled or
 *   not (inputs are free, answers cost), in the student's own hashed space, so every row it trains
 *   (words and their char n-grams) starts from there.
 * - `shipped`: the word rows of the inputs' words start from the vectors Distillery ships (WordNet
 *   glosses), randomly projected when the student's `dim` differs.
 * Rows are rescaled to a fixed RMS so the classifier's step sizes stay those of the random start.
 */
import type { StudentSettings } from '../../task/schema.js';
import { createRandom } from '../../util/random.js';
import { tokenise, wordBucket } from '../ngram/featurise.js';
import type { TrainingExample } from '../types.js';
import { loadShippedVectors, lookUpShipped, type ShippedVectors } from './shipped-vectors.js';
import { SKIPGRAM_DEFAULTS, trainSkipgram } from './skipgram.js';

/** Rows a student starts from: dense buckets × dim, with the buckets they cover. */
export interface PretrainedInit { embeddings: Float32Array; touched: Uint8Array; seconds: number }

/** Pre-trained rows are scaled to this multiple of the random start's RMS (1/(dim·√3)). */
export const PRETRAINED_RMS_FACTOR = 4;

const cache = new WeakMap<object, Map<string, PretrainedInit>>();

/**
 * Centres the covered rows (skip-gram vectors share a large common direction that says nothing about
 * a word) and scales them to PRETRAINED_RMS_FACTOR × the random start's RMS.
 */
function rescale(init: PretrainedInit, dim: number): PretrainedInit {
  const mean = new Float64Array(dim);
  let rows = 0;
  init.touched.forEach((covered, bucket) => {
    if (covered === 0) return;
    for (let d = 0; d < dim; d++) mean[d] = (mean[d] as number) + (init.embeddings[bucket * dim + d] as number);
    rows++;
  });
  init.touched.forEach((covered, bucket) => {
    if (covered === 0) return;
    for (let d = 0; d < dim; d++) init.embeddings[bucket * dim + d] = (init.embeddings[bucket * dim + d] as number) - (mean[d] as number) / rows;
  });
  let squares = 0;
  let values = 0;
  init.touched.forEach((covered, bucket) => {
    if (covered === 0) return;
    for (let d = 0; d < dim; d++) squares += (init.embeddings[bucket * dim + d] as number) ** 2;
    values += dim;
  });
  if (squares === 0) return init;
  const factor = (PRETRAINED_RMS_FACTOR / (dim * Math.sqrt(3))) / Math.sqrt(squares / values);
  for (let k = 0; k < init.embeddings.length; k++) init.embeddings[k] = (init.embeddings[k] as number) * factor;
  return init;
}

/** Skip-gram over the texts in the student's hashed space. */
function fromInputs(settings: StudentSettings, texts: readonly string[]): PretrainedInit {
  const started = performance.now();
  const table = trainSkipgram(texts, settings, { ...SKIPGRAM_DEFAULTS, dim: settings.dim, seed: settings.seed, epochs: settings.pretrainEpochs ?? SKIPGRAM_DEFAULTS.epochs });
  return { embeddings: table.embeddings, touched: table.touched, seconds: (performance.now() - started) / 1000 };
}

/** A seeded Gaussian projection (dim × from), scaled so lengths are kept in expectation. */
function projection(from: number, dim: number): Float64Array {
  const random = createRandom(0x5eed);
  const matrix = new Float64Array(dim * from);
  for (let k = 0; k < matrix.length; k++) {
    const u = Math.max(random.next(), 1e-12);
    matrix[k] = (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next())) / Math.sqrt(dim);
  }
  return matrix;
}

/** The shipped vectors of the texts' words, placed at the student's word buckets. */
function fromShipped(settings: StudentSettings, texts: readonly string[], vectors: ShippedVectors = loadShippedVectors()): PretrainedInit {
  const started = performance.now();
  const { dim, buckets } = settings;
  const embeddings = new Float32Array(buckets * dim);
  const touched = new Uint8Array(buckets);
  const matrix = vectors.dim === dim ? null : projection(vectors.dim, dim);
  const shipped = new Float64Array(vectors.dim);
  const seen = new Set<string>();
  for (const text of texts) {
    for (const token of tokenise(text)) {
      if (seen.has(token)) continue;
      seen.add(token);
      if (!lookUpShipped(vectors, token, shipped)) continue;
      const bucket = wordBucket(token, buckets);
      touched[bucket] = 1;
      for (let d = 0; d < dim; d++) {
        let value = 0;
        if (matrix === null) value = shipped[d] as number;
        else for (let k = 0; k < vectors.dim; k++) value += (matrix[d * vectors.dim + k] as number) * (shipped[k] as number);
        embeddings[bucket * dim + d] = value;
      }
    }
  }
  return { embeddings, touched, seconds: (performance.now() - started) / 1000 };
}

/** Every input text a fit may pre-train on: training, validation, then the unlabelled ones. */
function allTexts(train: readonly TrainingExample[], validation: readonly TrainingExample[], unlabelled: readonly string[]): string[] {
  return [...train.map((example) => example.text), ...(validation === train ? [] : validation.map((example) => example.text)), ...unlabelled];
}

/**
 * The rows the student's settings ask to start from, or null for `pretrain: none`. Cached per training
 * array, so `kind: auto` pre-trains once for all its candidates.
 */
export function pretrainedInit(settings: StudentSettings, train: readonly TrainingExample[], validation: readonly TrainingExample[], unlabelled: readonly string[] = []): PretrainedInit | null {
  const mode = settings.pretrain ?? 'none';
  if (mode === 'none') return null;
  const key = JSON.stringify([mode, settings.buckets, settings.dim, settings.charNgramMin, settings.charNgramMax, settings.textCharNgrams, settings.seed, settings.pretrainEpochs, validation.length, unlabelled.length]);
  const forTrain = cache.get(train) ?? new Map<string, PretrainedInit>();
  cache.set(train, forTrain);
  const hit = forTrain.get(key);
  if (hit !== undefined) return hit;
  const texts = allTexts(train, validation, unlabelled);
  const init = rescale(mode === 'inputs' ? fromInputs(settings, texts) : fromShipped(settings, texts), settings.dim);
  forTrain.set(key, init);
  return init;
}

/** Copies the pre-trained rows into dense training embeddings and marks their buckets as kept. */
export function applyPretrained(init: PretrainedInit, embeddings: Float32Array, touched: Uint8Array, dim: number): void {
  init.touched.forEach((covered, bucket) => {
    if (covered === 0) return;
    embeddings.set(init.embeddings.subarray(bucket * dim, (bucket + 1) * dim), bucket * dim);
    touched[bucket] = 1;
  });
}

export { fromShipped as shippedInitFrom };
