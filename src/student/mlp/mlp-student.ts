/**
 * The dense MLP student: a feature vector → ReLU hidden layers (optional dropout) → softmax, trained
 * by Adam in mini-batches on the shared distillation loss, with early stopping on validation loss.
 * Behind the text `Student` seam it reads vectors written as numbers in the text; `predictVector`,
 * `predictProbabilities` and `TrainingExample.features` are the typed path for callers holding vectors.
 */
import type { StudentSettings } from '../../task/schema.js';
import { mlpSettingsSchema, type MlpSettings } from '../../task/student-kind-settings.js';
import type { DistillationOptions } from '../../train/loss.js';
import { runEpochLoop } from '../../train/loop.js';
import { encodeStudentFile, StudentFileError, type StudentFileContents } from '../file-container.js';
import type { FitOptions, FitReport, Prediction, Student, TrainingExample, TrainingSummary } from '../types.js';
import { checkLength, packExamples, parseFeatureVector } from './features.js';
import { copyMlpWeights, countParameters, createWorkspace, zerosLike, type MlpWeights, type MlpWorkspace } from './network.js';
import { weightsFromTensors, weightsToTensors } from './serialise.js';
import { argmaxAt, createTrainer, evaluateSet, probabilitiesOf, trainEpoch } from './training.js';

/** The registry key of this student kind. */
export const MLP_KIND = 'mlp';

/** Rows per forward pass when predicting (larger batches reuse each weight tile more). */
const PREDICT_BATCH = 256;

/** A student over feature vectors: the `Student` seam plus vector-typed prediction. */
export interface MlpStudent extends Student {
  /** Length of the feature vectors it takes; null until fitted. */
  readonly inputSize: number | null;
  /** [input, ...hidden, labels] of the fitted network. */
  layerSizes(): number[];
  /** Prediction for one feature vector. */
  predictVector(features: ArrayLike<number>): Prediction;
  /** Class probabilities for `count` vectors packed row-wise (count × inputSize) → count × labels. */
  predictProbabilities(features: Float32Array, count: number): Float32Array;
}

class DenseMlpStudent implements MlpStudent {
  readonly kind = MLP_KIND;
  readonly labels: readonly string[];
  readonly settings: StudentSettings;
  private readonly mlp: MlpSettings;
  private weights: MlpWeights | null;
  private summary: TrainingSummary | null;
  private createdAt: string;
  private inference: MlpWorkspace | null = null;

  constructor(labels: readonly string[], settings: StudentSettings, weights: MlpWeights | null, summary: TrainingSummary | null, createdAt: string) {
    if (labels.length < 2) throw new RangeError('a student needs at least two labels');
    this.labels = Object.freeze([...labels]);
    // The defaults are filled in here so the file header records the exact settings trained with.
    this.mlp = settings.mlp ?? mlpSettingsSchema.parse({});
    this.settings = { ...settings, kind: MLP_KIND, mlp: this.mlp };
    this.weights = weights;
    this.summary = summary;
    this.createdAt = createdAt;
  }

  get inputSize(): number | null {
    return this.weights === null ? null : (this.weights.sizes[0] as number);
  }

  layerSizes(): number[] {
    return [...this.fitted().sizes];
  }

  fit(train: readonly TrainingExample[], validation: readonly TrainingExample[], options: FitOptions = {}): FitReport {
    const started = performance.now();
    if (train.length === 0) throw new RangeError('cannot fit on zero training examples');
    const labelCount = this.labels.length;
    const trainSet = packExamples(train, labelCount, null, 'training');
    // With no validation set, early stopping watches the training loss rather than never improving.
    const validationSet = validation.length > 0 ? packExamples(validation, labelCount, trainSet.inputSize, 'validation') : trainSet;
    const sizes = [trainSet.inputSize, ...this.mlp.hiddenSizes, labelCount];
    const loss: DistillationOptions = { temperature: this.settings.temperature, alpha: this.settings.alpha };
    const trainer = createTrainer(sizes, this.mlp, this.settings.seed, loss);
    const best = zerosLike(trainer.weights);
    const order = Int32Array.from({ length: trainSet.count }, (_, index) => index);
    const evaluation = createWorkspace(sizes, PREDICT_BATCH);
    const scratch = new Float64Array(labelCount);

    const result = runEpochLoop({ epochs: this.settings.epochs, patience: this.settings.patience, onEpoch: options.onEpoch, signal: options.signal }, {
      trainEpoch: (epoch) => {
        trainer.adamSettings.learningRate = this.mlp.learningRate * this.mlp.learningRateDecay ** (epoch - 1);
        return { loss: trainEpoch(trainer, trainSet, order), examples: trainSet.count, tokens: 0 };
      },
      validate: () => evaluateSet(trainer.weights, evaluation, validationSet, loss, scratch),
      saveBest: () => copyMlpWeights(trainer.weights, best),
      restoreBest: () => copyMlpWeights(best, trainer.weights),
    });

    this.weights = trainer.weights;
    this.inference = evaluation;
    const bestReport = result.epochs.find((epoch) => epoch.epoch === result.bestEpoch);
    const seconds = (performance.now() - started) / 1000;
    const examplesPerSecond = result.trainSeconds > 0 ? result.examples / result.trainSeconds : 0;
    this.summary = {
      bestEpoch: result.bestEpoch, epochsRun: result.epochs.length, stoppedEarly: result.stoppedEarly,
      validationLoss: bestReport?.validationLoss ?? Number.NaN, validationAgreement: bestReport?.validationAgreement ?? Number.NaN,
      trainExamples: train.length, validationExamples: validation.length, seconds, examplesPerSecond,
    };
    this.createdAt = new Date().toISOString();
    // Vectors have no word tokens, so tokensPerSecond is 0 by definition.
    return { epochs: result.epochs, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly, seconds, examplesPerSecond, tokensPerSecond: 0 };
  }

  predict(text: string): Prediction {
    return this.predictVector(parseFeatureVector(text, this.fitted().sizes[0] as number));
  }

  predictVector(features: ArrayLike<number>): Prediction {
    const weights = this.fitted();
    checkLength(features, weights.sizes[0] as number);
    const probabilities = this.predictProbabilities(Float32Array.from(features), 1);
    const index = argmaxAt(probabilities, 0, this.labels.length);
    return { label: this.labels[index] as string, index, probabilities };
  }

  predictProbabilities(features: Float32Array, count: number): Float32Array {
    const weights = this.fitted();
    const inputSize = weights.sizes[0] as number;
    if (!Number.isInteger(count) || count < 0 || features.length !== count * inputSize) {
      throw new RangeError(`expected ${count} feature vectors of ${inputSize} numbers (${count * inputSize} values), got ${features.length} values`);
    }
    this.inference ??= createWorkspace(weights.sizes, PREDICT_BATCH);
    const out = new Float32Array(count * this.labels.length);
    probabilitiesOf(weights, this.inference, features, count, out);
    return out;
  }

  toBytes(): Uint8Array {
    const weights = this.fitted();
    const header = { labels: this.labels, settings: this.settings, layerSizes: weights.sizes, training: this.summary, createdAt: this.createdAt };
    return encodeStudentFile(MLP_KIND, header, weightsToTensors(weights));
  }

  parameterCount(): number {
    return this.weights === null ? 0 : countParameters(this.weights);
  }

  /** The weights, or a clear error before fit (the input size is only known from the data). */
  private fitted(): MlpWeights {
    if (this.weights === null) throw new Error('this mlp student has not been fitted: its input size is not known yet');
    return this.weights;
  }
}

/** A new, untrained MLP student over `labels` (its input size is taken from the first training example). */
export function createMlpStudent(labels: readonly string[], settings: StudentSettings): MlpStudent {
  return new DenseMlpStudent(labels, settings, null, null, new Date().toISOString());
}

/** Rebuilds an MLP student from a decoded, checksum-verified file. */
export function mlpStudentFromFile(contents: StudentFileContents): MlpStudent {
  const { labels, settings, layerSizes, training, createdAt } = contents.header as { labels?: unknown; settings?: StudentSettings; layerSizes?: unknown; training?: TrainingSummary | null; createdAt?: string };
  if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string') || typeof settings?.seed !== 'number') {
    throw new StudentFileError('student file header lacks labels or settings');
  }
  if (!Array.isArray(layerSizes) || layerSizes.length < 2 || !layerSizes.every((size) => Number.isInteger(size) && size > 0) || layerSizes[layerSizes.length - 1] !== labels.length) {
    throw new StudentFileError('student file header has no valid layer sizes for its labels');
  }
  return new DenseMlpStudent(labels, settings, weightsFromTensors(contents, layerSizes as number[]), training ?? null, createdAt ?? '');
}
