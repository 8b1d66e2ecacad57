/**
 * fastText-style skip-gram with subword n-grams and negative sampling (Bojanowski et al. 2017), by
 * hand. A word's input vector is the mean of its rows in a hashed table (the word and its character
 * n-grams, hashed exactly as the student's featuriser hashes them, so the rows can seed the student);
 * it predicts each word of a random-width context window against `negatives` words drawn from the
 * unigram distribution raised to 3/4. Plain SGD with a linearly decaying rate and frequent-word
 * subsampling, as fastText. One thread, one seeded generator: the same texts and seed give the same table.
 */
import { createRandom, shuffleInPlace, type Random } from '../../util/random.js';
import { Featuriser, tokenise, type FeaturiserSettings } from '../ngram/featurise.js';

/** Knobs of one pre-training run (fastText's names: -dim -epoch -ws -neg -lr -minCount -t). */
export interface SkipgramSettings {
  dim: number;
  epochs: number;
  window: number;
  negatives: number;
  learningRate: number;
  minCount: number;
  /** Subsampling threshold t: a word of frequency f is kept with probability √(t/f) + t/f. */
  subsample: number;
  /** The most frequent words kept as prediction targets (and inputs); the rest are skipped. */
  maxVocabulary: number;
  seed: number;
}

/** fastText's skip-gram defaults, for what a caller leaves out. */
export const SKIPGRAM_DEFAULTS: Omit<SkipgramSettings, 'dim' | 'seed'> = Object.freeze({
  epochs: 5, window: 5, negatives: 5, learningRate: 0.05, minCount: 1, subsample: 1e-4, maxVocabulary: 200_000,
});

/** The trained input table (buckets × dim, dense) and what it covers. */
export interface SkipgramTable {
  buckets: number;
  dim: number;
  embeddings: Float32Array;
  /** 1 for every bucket some vocabulary word's subwords use (the rows training moved). */
  touched: Uint8Array;
  /** Vocabulary words, most frequent first, with each one's subword bucket ids. */
  words: string[];
  subwords: Int32Array[];
  /** Word occurrences read per epoch and the mean loss of the last epoch. */
  tokens: number;
  finalLoss: number;
}

const NEGATIVE_TABLE_SIZE = 1_000_000;

/** Logistic function, stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Negative-sampling loss of one (centre, context) pair: −log σ(u₀·h) − Σⱼ≥1 log σ(−uⱼ·h), with u₀ the
 * context word's output row (targets[0]) and uⱼ the negatives' rows. ADDS ∂loss/∂h to `hiddenGradient`;
 * with `outputRate` > 0 each output row also takes its SGD step uⱼ −= rate·∂loss/∂uⱼ (computed before it moves). Returns the loss.
 */
export function negativeSamplingLoss(hidden: ArrayLike<number>, output: Float32Array, dim: number, targets: ArrayLike<number>, hiddenGradient: Float64Array, outputRate: number): number {
  let loss = 0;
  for (let j = 0; j < targets.length; j++) {
    const base = (targets[j] as number) * dim;
    let score = 0;
    for (let d = 0; d < dim; d++) score += (output[base + d] as number) * (hidden[d] as number);
    const label = j === 0 ? 1 : 0;
    const probability = sigmoid(score);
    loss -= Math.log(label === 1 ? Math.max(probability, 1e-12) : Math.max(1 - probability, 1e-12));
    const g = probability - label; // ∂loss/∂score
    for (let d = 0; d < dim; d++) {
      hiddenGradient[d] = (hiddenGradient[d] as number) + g * (output[base + d] as number);
      if (outputRate > 0) output[base + d] = (output[base + d] as number) - outputRate * g * (hidden[d] as number);
    }
  }
  return loss;
}

/** Vocabulary (count ≥ minCount, most frequent first, ties by text) and counts. */
function buildVocabulary(lines: readonly string[][], settings: SkipgramSettings): { words: string[]; counts: Float64Array } {
  const counts = new Map<string, number>();
  for (const line of lines) for (const token of line) counts.set(token, (counts.get(token) ?? 0) + 1);
  const kept = [...counts].filter(([, count]) => count >= settings.minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, settings.maxVocabulary);
  return { words: kept.map(([word]) => word), counts: Float64Array.from(kept, ([, count]) => count) };
}

/** fastText's negative table: word i appears in proportion to count^0.75, shuffled (100 slots per word, at most 10⁶). */
function negativeTable(counts: Float64Array, random: Random): Int32Array {
  let normaliser = 0;
  for (const count of counts) normaliser += count ** 0.75;
  const size = Math.min(NEGATIVE_TABLE_SIZE, 100 * counts.length);
  const copies = Int32Array.from(counts, (count) => Math.max(1, Math.round((count ** 0.75 / normaliser) * size)));
  const table = new Int32Array(copies.reduce((sum, copy) => sum + copy, 0));
  let filled = 0;
  copies.forEach((copy, word) => { table.fill(word, filled, filled + copy); filled += copy; });
  shuffleInPlace(table, random);
  return table;
}

/** Mean of the word's subword rows into `hidden`. */
function embedWord(embeddings: Float32Array, dim: number, ids: Int32Array, hidden: Float64Array): void {
  hidden.fill(0);
  for (let index = 0; index < ids.length; index++) {
    for (let d = 0, base = (ids[index] as number) * dim; d < dim; d++) hidden[d] = (hidden[d] as number) + (embeddings[base + d] as number);
  }
  for (let d = 0; d < dim; d++) hidden[d] = (hidden[d] as number) / Math.max(1, ids.length);
}

/** Trains skip-gram vectors on `texts` in the hashed space of `featuriser` (its buckets and char n-grams). */
export function trainSkipgram(texts: readonly string[], featuriserSettings: FeaturiserSettings, settings: SkipgramSettings): SkipgramTable {
  const { dim } = settings;
  const { buckets } = featuriserSettings;
  const random = createRandom(settings.seed);
  const tokenLines = texts.map(tokenise);
  const { words, counts } = buildVocabulary(tokenLines, settings);
  const index = new Map(words.map((word, position) => [word, position]));
  // Word n-grams mean nothing for one word; the word alone gives its own bucket and char n-grams.
  const featuriser = new Featuriser({ ...featuriserSettings, wordNgrams: 1 });
  const subwords = words.map((word) => featuriser.featurise(word).slice());
  const lines = tokenLines.map((line) => Int32Array.from(line.map((token) => index.get(token) ?? -1).filter((word) => word >= 0)));
  const tokens = lines.reduce((sum, line) => sum + line.length, 0);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const keep = Float64Array.from(counts, (count) => Math.sqrt(settings.subsample / (count / total)) + settings.subsample / (count / total));

  const embeddings = new Float32Array(buckets * dim);
  const touched = new Uint8Array(buckets);
  for (const ids of subwords) for (const id of ids) touched[id] = 1;
  for (let bucket = 0; bucket < buckets; bucket++) {
    if (touched[bucket] === 0) continue;
    for (let d = 0; d < dim; d++) embeddings[bucket * dim + d] = (random.next() * 2 - 1) / dim;
  }
  const output = new Float32Array(words.length * dim);
  const negatives = words.length > 0 ? negativeTable(counts, random) : new Int32Array(0);
  const hidden = new Float64Array(dim);
  const gradient = new Float64Array(dim);
  const targets = new Int32Array(settings.negatives + 1);
  const kept = new Int32Array(lines.reduce((most, line) => Math.max(most, line.length), 1));
  let processed = 0;
  let finalLoss = 0;
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    let epochLoss = 0;
    let pairs = 0;
    for (const line of lines) {
      let length = 0;
      for (const word of line) if (random.next() < (keep[word] as number)) kept[length++] = word;
      const rate = settings.learningRate * Math.max(1e-4, 1 - processed / Math.max(1, settings.epochs * tokens));
      for (let centre = 0; centre < length; centre++) {
        const ids = subwords[kept[centre] as number] as Int32Array;
        embedWord(embeddings, dim, ids, hidden);
        const width = 1 + random.nextInt(settings.window);
        for (let context = Math.max(0, centre - width); context <= Math.min(length - 1, centre + width); context++) {
          if (context === centre) continue;
          targets[0] = kept[context] as number;
          let drawn = 1;
          while (drawn <= settings.negatives) {
            const negative = negatives[random.nextInt(negatives.length)] as number;
            if (negative !== targets[0] || words.length === 1) targets[drawn++] = negative;
          }
          gradient.fill(0);
          epochLoss += negativeSamplingLoss(hidden, output, dim, targets, gradient, rate);
          pairs++;
          // As fastText: every subword row takes the whole hidden step (not 1/n of it).
          for (let k = 0; k < ids.length; k++) {
            for (let d = 0, base = (ids[k] as number) * dim; d < dim; d++) embeddings[base + d] = (embeddings[base + d] as number) - rate * (gradient[d] as number);
          }
        }
      }
      processed += line.length;
    }
    finalLoss = epochLoss / Math.max(1, pairs);
  }
  return { buckets, dim, embeddings, touched, words, subwords, tokens, finalLoss };
}

/** A word's vector as fastText's getWordVector gives it: the mean of its subword rows. */
export function wordVector(table: SkipgramTable, word: number, into: Float64Array): Float64Array {
  embedWord(table.embeddings, table.dim, table.subwords[word] as Int32Array, into);
  return into;
}
