/**
 * The bag-MLP student: the n-gram student's hashed word/char n-gram embedding bag, then one or more
 * ReLU layers, then softmax. A linear layer over the bag cannot express a teacher whose decision
 * depends on combinations of features; a hidden layer can, for a few thousand more parameters.
 * Trained per example on the shared distillation loss (row-wise Adagrad for the embedding rows, Adam
 * for the dense layers), early-stopped on validation loss, then temperature-scaled on validation.
 */
import type { StudentSettings } from '../../task/schema.js';
import { bagMlpSettingsSchema } from '../../task/student-kind-settings.js';
import { encodeStudentFile, requireTensor, StudentFileError, type StudentFileContents } from '../file-container.js';
import type { FitOptions, FitReport, Prediction, Student, TrainingExample, TrainingSummary } from '../types.js';
import { fitTemperature } from '../../train/calibration.js';
import { distillationLoss, softmaxWithTemperature, type DistillationOptions } from '../../train/loss.js';
import { runEpochLoop } from '../../train/loop.js';
import { createRandom, shuffleInPlace, type Random } from '../../util/random.js';
import { Featuriser } from '../ngram/featurise.js';
import { compactWeights, createTrainingWeights, untrainedWeights } from '../ngram/model.js';
import { featuriseSet, touchedBuckets, type FeaturisedSet } from '../ngram/ngram-student.js';
import { dequantiseRows, quantiseRows, weightsFromTensors, weightsToTensors } from '../ngram/serialise.js';
import { applyPretrained, pretrainedInit } from '../pretrain/initialise.js';
import { cloneWeights, copyInto, createLayers, createOptimiser, createScratch, denseTensors, forward, step, type BagMlpWeights, type Scratch } from './network.js';

/** The registry key of this student kind. */
export const BAG_MLP_KIND = 'bag-mlp';

/** Widths from the embedding to the logits. */
function layerSizes(settings: StudentSettings, labelCount: number): number[] {
  const { hiddenSizes } = bagMlpSettingsSchema.parse(settings.bagMlp ?? {});
  return [settings.dim, ...hiddenSizes, labelCount];
}

function argmax(values: ArrayLike<number>, count: number): number {
  let best = 0;
  for (let k = 1; k < count; k++) if ((values[k] as number) > (values[best] as number)) best = k;
  return best;
}

/** Mean distillation loss, agreement, and the logits (rows) over a featurised set. */
function evaluateSet(weights: BagMlpWeights, set: FeaturisedSet, loss: DistillationOptions, scratch: Scratch, labelCount: number): { loss: number; agreement: number; logits: Float64Array } {
  const grad = new Float64Array(labelCount);
  const logits = new Float64Array(set.ids.length * labelCount);
  let total = 0;
  let agree = 0;
  set.ids.forEach((ids, index) => {
    const output = forward(weights, ids, scratch);
    logits.set(output, index * labelCount);
    total += distillationLoss(output, set.soft[index] as Float32Array | null, set.labels[index] as number, loss, grad).loss;
    if (argmax(output, labelCount) === set.labels[index]) agree++;
  });
  return { loss: total / Math.max(1, set.ids.length), agreement: agree / Math.max(1, set.ids.length), logits };
}

/** Saved-form weights of a student that was never fitted: no rows, zero layers, uniform predictions. */
function untrained(settings: StudentSettings, labelCount: number): BagMlpWeights {
  const sizes = layerSizes(settings, labelCount);
  const layers = createLayers(sizes, createRandom(settings.seed)).map((layer) => ({ ...layer, weights: new Float32Array(layer.weights.length) }));
  const wide = bagMlpSettingsSchema.parse(settings.bagMlp ?? {}).wide ? new Float32Array(0) : null;
  return { bag: untrainedWeights(settings.buckets, settings.dim, 0), layers, wide };
}

/** Keeps the wide rows of touched buckets, in the order compactWeights keeps the embedding rows. */
function compactWide(dense: Float32Array, touched: Uint8Array, labelCount: number): Float32Array {
  let rows = 0;
  for (let bucket = 0; bucket < touched.length; bucket++) if (touched[bucket] !== 0) rows++;
  const out = new Float32Array(rows * labelCount);
  for (let bucket = 0, row = 0; bucket < touched.length; bucket++) {
    if (touched[bucket] === 0) continue;
    out.set(dense.subarray(bucket * labelCount, (bucket + 1) * labelCount), row * labelCount);
    row++;
  }
  return out;
}

class BagMlpStudent implements Student {
  readonly kind = BAG_MLP_KIND;
  readonly labels: readonly string[];
  readonly settings: StudentSettings;
  private weights: BagMlpWeights;
  private summary: TrainingSummary | null;
  private createdAt: string;
  /** Fitted on validation after training; divides the logits at predict (argmax unchanged). */
  private calibrationTemperature: number;
  private readonly featuriser: Featuriser;
  private readonly scratch: Scratch;

  constructor(labels: readonly string[], settings: StudentSettings, weights: BagMlpWeights | null, header: { summary: TrainingSummary | null; createdAt: string; calibrationTemperature: number }) {
    if (labels.length < 2) throw new RangeError('a student needs at least two labels');
    this.labels = Object.freeze([...labels]);
    this.settings = { ...settings, bagMlp: bagMlpSettingsSchema.parse(settings.bagMlp ?? {}) };
    this.featuriser = new Featuriser(settings);
    this.weights = weights ?? untrained(this.settings, labels.length);
    this.summary = header.summary;
    this.createdAt = header.createdAt;
    this.calibrationTemperature = header.calibrationTemperature;
    this.scratch = createScratch(layerSizes(this.settings, labels.length));
  }

  fit(train: readonly TrainingExample[], validation: readonly TrainingExample[], options: FitOptions = {}): FitReport {
    const started = performance.now();
    const { settings, scratch } = this;
    const bagMlp = bagMlpSettingsSchema.parse(settings.bagMlp ?? {});
    const labelCount = this.labels.length;
    if (train.length === 0) throw new RangeError('cannot fit on zero training examples');
    const trainSet = featuriseSet(this.featuriser, train, labelCount, 'training');
    const validationSet = validation.length > 0 ? featuriseSet(this.featuriser, validation, labelCount, 'validation') : trainSet;
    const random: Random = createRandom(settings.seed);
    const touched = touchedBuckets(trainSet, settings.buckets);
    const weights: BagMlpWeights = {
      bag: createTrainingWeights(settings.buckets, settings.dim, 0, touched, random), layers: createLayers(layerSizes(settings, labelCount), random),
      wide: bagMlp.wide ? new Float32Array(settings.buckets * labelCount) : null,
    };
    const init = pretrainedInit(settings, train, validation, options.unlabelledTexts);
    if (init !== null) applyPretrained(init, weights.bag.embeddings, touched, settings.dim);
    const best = cloneWeights(weights);
    const optimiser = createOptimiser(weights, bagMlp.learningRate, settings.learningRate, bagMlp.wideLearningRate);
    const order = Int32Array.from(trainSet.ids, (_, index) => index);
    const lossOptions: DistillationOptions = { temperature: settings.temperature, alpha: settings.alpha, ...(settings.softLoss === undefined ? {} : { soft: settings.softLoss }) };
    const grad = new Float64Array(labelCount);

    const result = runEpochLoop({ epochs: settings.epochs, patience: settings.patience, onEpoch: options.onEpoch, signal: options.signal }, {
      trainEpoch: () => {
        shuffleInPlace(order, random);
        let total = 0;
        for (const index of order) {
          const ids = trainSet.ids[index] as Int32Array;
          const logits = forward(weights, ids, scratch, bagMlp.dropout, random);
          total += distillationLoss(logits, trainSet.soft[index] as Float32Array | null, trainSet.labels[index] as number, lossOptions, grad).loss;
          step(weights, ids, scratch, grad, optimiser);
        }
        return { loss: total / order.length, examples: order.length, tokens: trainSet.tokens };
      },
      validate: () => evaluateSet(weights, validationSet, lossOptions, scratch, labelCount),
      saveBest: () => copyInto(weights, best),
      restoreBest: () => copyInto(best, weights),
    });

    this.weights = { bag: compactWeights(weights.bag, touched), layers: weights.layers, wide: weights.wide === null ? null : compactWide(weights.wide, touched, labelCount) };
    // T is fitted on the validation set against the teacher's hard labels (its decisions, not its soft scores).
    this.calibrationTemperature = fitTemperature(evaluateSet(this.weights, validationSet, lossOptions, scratch, labelCount).logits, validationSet.labels, labelCount);
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
    const logits = forward(this.weights, this.featuriser.featurise(text), this.scratch);
    const probabilities = new Float32Array(this.labels.length);
    softmaxWithTemperature(logits, this.calibrationTemperature, probabilities);
    const index = argmax(logits, this.labels.length);
    return { label: this.labels[index] as string, index, probabilities };
  }

  toBytes(): Uint8Array {
    const header = {
      labels: this.labels, settings: this.settings, training: this.summary, createdAt: this.createdAt,
      quantisation: 'int8-per-row', calibrationTemperature: this.calibrationTemperature,
    };
    const dense = denseTensors(this.weights).map((tensor, index): [string, Float32Array] => [`dense${index}`, tensor]);
    const wide = this.weights.wide === null ? [] : wideTensors(this.weights.wide, this.labels.length);
    return encodeStudentFile(BAG_MLP_KIND, header, [...weightsToTensors(this.weights.bag), ...dense, ...wide]);
  }

  parameterCount(): number {
    const rows = this.weights.bag.embeddings.length + (this.weights.wide?.length ?? 0);
    return rows + denseTensors(this.weights).reduce((sum, tensor) => sum + tensor.length, 0);
  }
}

/** The wide rows in a file: int8 per row with a float32 scale, as the embedding rows. */
function wideTensors(wide: Float32Array, labelCount: number): Array<[string, Int8Array | Float32Array]> {
  const { quantised, scales } = quantiseRows(wide, labelCount);
  return [['wideRows', quantised], ['wideScales', scales]];
}

function wideFromTensors(contents: StudentFileContents, rows: number, labelCount: number): Float32Array {
  const quantised = requireTensor(contents, 'wideRows', 'i8');
  const scales = requireTensor(contents, 'wideScales', 'f32');
  if (scales.length !== rows || quantised.length !== rows * labelCount) throw new StudentFileError('student file tensors do not match its header (wide rows)');
  return dequantiseRows(quantised, scales, labelCount);
}

/** A new, untrained bag-MLP student over `labels`. */
export function createBagMlpStudent(labels: readonly string[], settings: StudentSettings): Student {
  return new BagMlpStudent(labels, settings, null, { summary: null, createdAt: new Date().toISOString(), calibrationTemperature: 1 });
}

/** Rebuilds a bag-MLP student from a decoded, checksum-verified file. */
export function bagMlpStudentFromFile(contents: StudentFileContents): Student {
  const { labels, settings, training, createdAt, calibrationTemperature } = contents.header as {
    labels?: unknown; settings?: StudentSettings; training?: TrainingSummary | null; createdAt?: string; calibrationTemperature?: unknown;
  };
  if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string') || typeof settings?.buckets !== 'number' || typeof settings.dim !== 'number') {
    throw new StudentFileError('student file header lacks labels or settings');
  }
  const temperature = typeof calibrationTemperature === 'number' && calibrationTemperature > 0 ? calibrationTemperature : 1;
  const sizes = layerSizes(settings, labels.length);
  const layers = sizes.slice(1).map((outputs, index) => {
    const inputs = sizes[index] as number;
    const weights = requireTensor(contents, `dense${2 * index}`, 'f32');
    const bias = requireTensor(contents, `dense${2 * index + 1}`, 'f32');
    if (weights.length !== inputs * outputs || bias.length !== outputs) throw new StudentFileError('student file tensors do not match its header (layer sizes)');
    return { inputs, outputs, weights, bias };
  });
  const bag = weightsFromTensors(contents, settings.buckets, settings.dim, 0);
  const wide = bagMlpSettingsSchema.parse(settings.bagMlp ?? {}).wide ? wideFromTensors(contents, bag.embeddings.length / settings.dim, labels.length) : null;
  return new BagMlpStudent(labels, settings, { bag, layers, wide }, { summary: training ?? null, createdAt: createdAt ?? '', calibrationTemperature: temperature });
}
