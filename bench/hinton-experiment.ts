/**
 * The pieces of the Hinton et al. 2015 experiment on Fashion-MNIST: the splits, MLP settings as a
 * task file would give them, training one net (on hard labels or on a teacher's soft targets) and
 * counting its test errors. The section file (sections/hinton-fashion-mnist.ts) runs and reports.
 */
import { taskSpecSchema, type StudentSettings } from '../src/task/schema.js';
import { createMlpStudent, type MlpStudent } from '../src/student/mlp/index.js';
import type { TrainingExample } from '../src/student/types.js';
import { FASHION_MNIST_LABELS, loadFashionMnist, sliceImages, type ImageSet } from './fashion-mnist.js';

/** Training, validation (the last 10,000 training images, as is usual for MNIST) and the 10,000 test images. */
export interface Splits { train: ImageSet; validation: ImageSet; test: ImageSet }

/** One net's shape and training budget. */
export interface NetPlan { hiddenSizes: number[]; dropout: number; epochs: number; patience: number; learningRateDecay: number }

/** What one trained net scored and cost. */
export interface NetResult {
  testErrors: number;
  validationErrors: number;
  seconds: number;
  epochsRun: number;
  bestEpoch: number;
  parameters: number;
}

/** Distillation targets: teacher probabilities (count × 10) for the training and validation images. */
export interface SoftTargets { train: Float32Array; validation: Float32Array; temperature: number; alpha: number }

/** The first `trainCount` training images, the last `validationCount` for validation, and the whole test set. */
export function loadSplits(folder: string, trainCount: number, validationCount: number): Splits {
  const { train, test } = loadFashionMnist(folder);
  if (trainCount + validationCount > train.count) throw new Error(`asked for ${trainCount} + ${validationCount} images of ${train.count}`);
  return { train: sliceImages(train, 0, trainCount), validation: sliceImages(train, train.count - validationCount, train.count), test };
}

/** MLP student settings exactly as a task file with these values would give them. */
export function mlpSettings(plan: NetPlan, seed: number, temperature: number, alpha: number): StudentSettings {
  return taskSpecSchema.shape.student.parse({
    kind: 'mlp', epochs: plan.epochs, patience: plan.patience, seed, temperature, alpha,
    mlp: { hiddenSizes: plan.hiddenSizes, batchSize: 128, dropout: plan.dropout, learningRate: 0.001, learningRateDecay: plan.learningRateDecay },
  });
}

/** Images as training examples (the vector in `features`, no text), with soft targets when given. */
export function asExamples(set: ImageSet, soft: Float32Array | null): TrainingExample[] {
  const labelCount = FASHION_MNIST_LABELS.length;
  return Array.from({ length: set.count }, (_, index) => ({
    text: '',
    features: set.images.subarray(index * set.pixels, (index + 1) * set.pixels),
    label: set.labels[index] as number,
    soft: soft === null ? null : soft.subarray(index * labelCount, (index + 1) * labelCount),
  }));
}

/** Images whose most probable class is not their label. */
export function countErrors(student: MlpStudent, set: ImageSet): number {
  const labelCount = FASHION_MNIST_LABELS.length;
  const probabilities = student.predictProbabilities(set.images, set.count);
  let errors = 0;
  for (let index = 0; index < set.count; index++) {
    let best = 0;
    for (let k = 1; k < labelCount; k++) if ((probabilities[index * labelCount + k] as number) > (probabilities[index * labelCount + best] as number)) best = k;
    if (best !== set.labels[index]) errors++;
  }
  return errors;
}

/** Trains one net on hard labels (soft null) or on a teacher's soft targets, and scores it. */
export function trainNet(splits: Splits, plan: NetPlan, seed: number, soft: SoftTargets | null, name: string): { student: MlpStudent; result: NetResult } {
  // On hard labels alone the loss is cross-entropy whatever T and alpha say (no teacher to temper).
  const student = createMlpStudent([...FASHION_MNIST_LABELS], mlpSettings(plan, seed, soft?.temperature ?? 1, soft?.alpha ?? 0));
  const report = student.fit(asExamples(splits.train, soft?.train ?? null), asExamples(splits.validation, soft?.validation ?? null), {
    onEpoch: (epoch) => process.stderr.write(`  ${name} seed ${seed} epoch ${epoch.epoch}: validation errors ${Math.round((1 - epoch.validationAgreement) * splits.validation.count)} (${epoch.seconds.toFixed(1)} s)\n`),
  });
  const result: NetResult = {
    testErrors: countErrors(student, splits.test), validationErrors: countErrors(student, splits.validation), seconds: report.seconds,
    epochsRun: report.epochs.length, bestEpoch: report.bestEpoch, parameters: student.parameterCount(),
  };
  process.stderr.write(`  ${name} seed ${seed}: ${result.testErrors} test errors, best epoch ${result.bestEpoch} of ${result.epochsRun}, ${result.seconds.toFixed(0)} s\n`);
  return { student, result };
}

/** Teacher probabilities for every image of a set (count × 10). */
export function softTargets(teacher: MlpStudent, set: ImageSet): Float32Array {
  return teacher.predictProbabilities(set.images, set.count);
}
