/**
 * The fastText-style n-gram student: hashed word / word-n-gram / char-n-gram features → mean
 * embedding → linear layer → softmax, trained by row-wise Adagrad (batch 1) on the distillation
 * loss, with early stopping on validation loss.
 */
import type { StudentSettings } from '../../task/schema.js';
import { encodeStudentFile, StudentFileError, type StudentFileContents } from '../file-container.js';
import type { FitOptions, FitReport, Prediction, Student, TrainingExample, TrainingSummary } from '../types.js';
import { distillationLoss, softmaxWithTemperature, type DistillationOptions } from '../../train/loss.js';
import { runEpochLoop } from '../../train/loop.js';
import { createRandom, shuffleInPlace } from '../../util/random.js';
import { Featuriser } from './featurise.js';
import { applyPretrained, pretrainedInit } from '../pretrain/initialise.js';
import { defaultThreads, HogwildTrainer, warmWorkers } from './hogwild.js';
import { adagradStep, copyWeights, packRows, unpackRows, createOptimiserState, createStepScratch, createTrainingWeights, emptyLike, forward, rowCount, untrainedWeights, type NgramWeights, type StepScratch } from './model.js';
import { weightsFromTensors, weightsToTensors } from './serialise.js';

/** The registry key of this student kind. */
export const NGRAM_KIND = 'ngram';

/** Examples featurised once and cached for every epoch: ids and targets as typed-array views. */
export interface FeaturisedSet {
  ids: Int32Array[];
  labels: Int32Array;
  soft: Array<Float32Array | null>;
  tokens: number;
}

/** Scratch buffers reused by every example, so the training loop allocates nothing. */
interface Buffers { hidden: Float64Array; step: StepScratch; logits: Float64Array; grad: Float64Array }

function checkExample(example: TrainingExample, index: number, labelCount: number, setName: string): void {
  if (!Number.isInteger(example.label) || example.label < 0 || example.label >= labelCount) {
    throw new RangeError(`${setName} example ${index}: label ${example.label} is not an index into the ${labelCount} labels`);
  }
  if (example.soft !== null && example.soft.length !== labelCount) {
    throw new RangeError(`${setName} example ${index}: soft label has ${example.soft.length} entries, expected ${labelCount}`);
  }
}

/** Checks and featurises a set once (shared with the bag-MLP student). */
export function featuriseSet(featuriser: Featuriser, examples: readonly TrainingExample[], labelCount: number, setName: string): FeaturisedSet {
  const set: FeaturisedSet = { ids: [], labels: new Int32Array(examples.length), soft: [], tokens: 0 };
  examples.forEach((example, index) => {
    checkExample(example, index, labelCount, setName);
    set.ids.push(featuriser.featurise(example.text).slice());
    set.tokens += featuriser.tokenCount;
    set.labels[index] = example.label;
    set.soft.push(example.soft === null ? null : Float32Array.from(example.soft));
  });
  return set;
}

/** Feature ids in one pass over the set. */
function featureCount(set: FeaturisedSet): number {
  let count = 0;
  for (const ids of set.ids) count += ids.length;
  return count;
}

/** Buckets used by at least one training example: the rows that get trained (and saved). */
export function touchedBuckets(set: FeaturisedSet, buckets: number): Uint8Array {
  const touched = new Uint8Array(buckets);
  for (const ids of set.ids) for (let index = 0; index < ids.length; index++) touched[ids[index] as number] = 1;
  return touched;
}

/** How many times the training set uses each bucket. */
function bucketUses(set: FeaturisedSet, buckets: number): Int32Array {
  const uses = new Int32Array(buckets);
  for (const ids of set.ids) for (let index = 0; index < ids.length; index++) { const bucket = ids[index] as number; uses[bucket] = (uses[bucket] as number) + 1; }
  return uses;
}

/** Rewrites a featurised set's bucket ids as packed row ids, in place. */
function remapIds(set: FeaturisedSet, rowOfBucket: Int32Array): void {
  for (const ids of set.ids) for (let index = 0; index < ids.length; index++) ids[index] = rowOfBucket[ids[index] as number] as number;
}

function argmax(values: ArrayLike<number>, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if ((values[k] as number) > (values[best] as number)) best = k;
  return best;
}

/** Mean distillation loss and agreement with the hard labels over a featurised set. */
function evaluateSet(weights: NgramWeights, set: FeaturisedSet, loss: DistillationOptions, buffers: Buffers): { loss: number; agreement: number } {
  let total = 0;
  let agree = 0;
  for (let index = 0; index < set.ids.length; index++) {
    forward(weights, set.ids[index] as Int32Array, buffers.hidden, buffers.logits);
    total += distillationLoss(buffers.logits, set.soft[index] as Float32Array | null, set.labels[index] as number, loss, buffers.grad).loss;
    if (argmax(buffers.logits, weights.labelCount) === set.labels[index]) agree++;
  }
  return { loss: total / set.ids.length, agreement: agree / set.ids.length };
}

class NgramStudent implements Student {
  readonly kind = NGRAM_KIND;
  readonly labels: readonly string[];
  readonly settings: StudentSettings;
  private weights: NgramWeights;
  private summary: TrainingSummary | null;
  private createdAt: string;
  private readonly featuriser: Featuriser;
  private readonly buffers: Buffers;

  constructor(labels: readonly string[], settings: StudentSettings, weights: NgramWeights | null, summary: TrainingSummary | null, createdAt: string) {
    if (labels.length < 2) throw new RangeError('a student needs at least two labels');
    this.labels = Object.freeze([...labels]);
    this.settings = { ...settings };
    this.featuriser = new Featuriser(settings);
    this.weights = weights ?? untrainedWeights(settings.buckets, settings.dim, labels.length);
    this.summary = summary;
    this.createdAt = createdAt;
    const dim = settings.dim;
    this.buffers = { hidden: new Float64Array(dim), step: createStepScratch(dim, labels.length), logits: new Float64Array(labels.length), grad: new Float64Array(labels.length) };
  }

  fit(train: readonly TrainingExample[], validation: readonly TrainingExample[], options: FitOptions = {}): FitReport {
    const started = performance.now();
    const { settings, buffers } = this;
    const labelCount = this.labels.length;
    if (train.length === 0) throw new RangeError('cannot fit on zero training examples');
    // An explicit thread count is known now: the workers boot while this thread featurises.
    if (settings.threads !== undefined && settings.threads > 1) warmWorkers(settings.threads);
    const trainSet = featuriseSet(this.featuriser, train, labelCount, 'training');
    // With no validation set, early stopping watches the training loss rather than never improving.
    const validationSet = validation.length > 0 ? featuriseSet(this.featuriser, validation, labelCount, 'validation') : trainSet;
    const random = createRandom(settings.seed);
    const touched = touchedBuckets(trainSet, settings.buckets);
    const dense = createTrainingWeights(settings.buckets, settings.dim, labelCount, touched, random);
    const init = pretrainedInit(settings, train, validation, options.unlabelledTexts);
    if (init !== null) applyPretrained(init, dense.embeddings, touched, settings.dim);
    // Rows packed by use (model.ts packRows): the same arithmetic on a cache-friendlier layout.
    const packed = packRows(dense, touched, bucketUses(trainSet, settings.buckets));
    const weights = packed.weights;
    remapIds(trainSet, packed.rowOfBucket);
    if (validationSet !== trainSet) remapIds(validationSet, packed.rowOfBucket);
    const best = emptyLike(weights);
    const order = Int32Array.from(trainSet.ids, (_, index) => index);
    const lossOptions: DistillationOptions = { temperature: settings.temperature, alpha: settings.alpha };
    const optimiser = createOptimiserState(weights);

    // threads > 1: Hogwild over worker_threads (not deterministic); 1 keeps the exact single-thread path.
    const threads = settings.threads ?? defaultThreads(featureCount(trainSet));
    const hogwild = threads > 1 ? new HogwildTrainer(weights, optimiser, trainSet, lossOptions, settings.learningRate, threads) : null;
    let result: ReturnType<typeof runEpochLoop>;
    try {
      result = runEpochLoop({ epochs: settings.epochs, patience: settings.patience, onEpoch: options.onEpoch, signal: options.signal }, {
        trainEpoch: () => {
          shuffleInPlace(order, random);
          if (hogwild !== null) return { loss: hogwild.trainEpoch(order) / order.length, examples: order.length, tokens: trainSet.tokens };
          let total = 0;
          for (const index of order) {
            const ids = trainSet.ids[index] as Int32Array;
            forward(weights, ids, buffers.hidden, buffers.logits);
            total += distillationLoss(buffers.logits, trainSet.soft[index] as Float32Array | null, trainSet.labels[index] as number, lossOptions, buffers.grad).loss;
            adagradStep(weights, optimiser, ids, buffers.hidden, buffers.grad, buffers.step, settings.learningRate);
          }
          return { loss: total / order.length, examples: order.length, tokens: trainSet.tokens };
        },
        validate: () => evaluateSet(weights, validationSet, lossOptions, buffers),
        saveBest: () => copyWeights(weights, best),
        restoreBest: () => copyWeights(best, weights),
      });
    } finally {
      hogwild?.close();
    }

    this.weights = unpackRows(weights, packed.bucketOfRow, settings.buckets);
    const bestReport = result.epochs.find((epoch) => epoch.epoch === result.bestEpoch);
    const seconds = (performance.now() - started) / 1000;
    const examplesPerSecond = result.trainSeconds > 0 ? result.examples / result.trainSeconds : 0;
    this.summary = {
      bestEpoch: result.bestEpoch, epochsRun: result.epochs.length, stoppedEarly: result.stoppedEarly,
      validationLoss: bestReport?.validationLoss ?? Number.NaN, validationAgreement: bestReport?.validationAgreement ?? Number.NaN,
      trainExamples: train.length, validationExamples: validation.length, seconds, examplesPerSecond,
    };
    this.createdAt = new Date().toISOString();
    return {
      epochs: result.epochs, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly, seconds, examplesPerSecond,
      tokensPerSecond: result.trainSeconds > 0 ? result.tokens / result.trainSeconds : 0,
    };
  }

  predict(text: string): Prediction {
    const { buffers, weights } = this;
    forward(weights, this.featuriser.featurise(text), buffers.hidden, buffers.logits);
    const probabilities = new Float32Array(this.labels.length);
    softmaxWithTemperature(buffers.logits, 1, probabilities);
    const index = argmax(buffers.logits, this.labels.length);
    return { label: this.labels[index] as string, index, probabilities };
  }

  toBytes(): Uint8Array {
    const header = { labels: this.labels, settings: this.settings, training: this.summary, createdAt: this.createdAt, quantisation: 'int8-per-row' };
    return encodeStudentFile(NGRAM_KIND, header, weightsToTensors(this.weights));
  }

  parameterCount(): number {
    return rowCount(this.weights) * this.weights.dim + this.weights.output.length + this.weights.bias.length;
  }
}

/** A new, untrained n-gram student over `labels`. */
export function createNgramStudent(labels: readonly string[], settings: StudentSettings): Student {
  return new NgramStudent(labels, settings, null, null, new Date().toISOString());
}

/** Rebuilds an n-gram student from a decoded, checksum-verified file. */
export function ngramStudentFromFile(contents: StudentFileContents): Student {
  const { labels, settings, training, createdAt } = contents.header as { labels?: unknown; settings?: StudentSettings; training?: TrainingSummary | null; createdAt?: string };
  if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string') || typeof settings?.buckets !== 'number' || typeof settings.dim !== 'number') {
    throw new StudentFileError('student file header lacks labels or settings');
  }
  const weights = weightsFromTensors(contents, settings.buckets, settings.dim, labels.length);
  return new NgramStudent(labels, settings, weights, training ?? null, createdAt ?? '');
}
