/**
 * The training loop (nanoGPT style: settings at the top, one visible loop). Minibatches of whole
 * sequences, padded to the batch's longest (rounded up to 8), run as one batch × length matrix; AdamW with
 * warmup + cosine decay and gradient clipping; validation loss every few steps, keeping the best
 * weights and stopping early when it stops improving. Deterministic for a seed.
 */
import { createRandom, shuffleInPlace } from '../../util/random.js';
import { adamWStep, clipGradients, createAdamWState, learningRateAt, type AdamWSettings } from './adamw.js';
import { TrainingSetTooSmallError } from './errors.js';
import { maskedCrossEntropy, maskedLossAndGradient } from './loss.js';
import { createPackedBatch, packBatch, type EncodedSequence } from './sequences.js';
import { backward, createWorkspace, forward, setWorkspaceLength, type Workspace } from './transformer.js';
import { cloneWeights, isNormGain, namedTensors, zeroWeights, type LanguageModelWeights } from './weights.js';

/** How to train. */
export interface TrainingSettings {
  /** Most optimiser steps (the cosine schedule spans them). */
  steps: number;
  batchSize: number;
  learningRate: number;
  minimumLearningRateFraction: number;
  warmupSteps: number;
  weightDecay: number;
  gradientClip: number;
  /** Steps between validation passes. */
  evaluateEvery: number;
  /** Validation passes without improvement before stopping. */
  patience: number;
  /** Weight α of token-level KD where the teacher's top-k is known (1 − α on cross-entropy). */
  distillationWeight: number;
  seed: number;
}

/** Defaults that train the tiny test models in seconds. */
export const DEFAULT_TRAINING: Readonly<TrainingSettings> = Object.freeze({
  steps: 600, batchSize: 16, learningRate: 3e-3, minimumLearningRateFraction: 0.1, warmupSteps: 30, weightDecay: 0.01,
  gradientClip: 1, evaluateEvery: 50, patience: 4, distillationWeight: 0.5, seed: 1,
});

/** The fewest training examples accepted. */
export const MINIMUM_TRAINING_EXAMPLES = 4;

/** One validation pass's report. */
export interface EvaluationReport { step: number; trainLoss: number; validationLoss: number; improved: boolean; learningRate: number }

/** What training did. */
export interface TrainingReport {
  evaluations: EvaluationReport[];
  stepsRun: number;
  bestStep: number;
  bestValidationLoss: number;
  stoppedEarly: boolean;
  seconds: number;
  /** Input positions (padding to each batch's longest, rounded up to 8, included) processed per second by the training steps. */
  tokensPerSecond: number;
}

/** The positions a batch of `sequences` needs: its longest input, rounded up to 8 (at most `capacity`). */
function batchLength(sequences: readonly EncodedSequence[], capacity: number): number {
  const longest = Math.max(1, ...sequences.map((sequence) => sequence.tokens.length - 1));
  return Math.min(capacity, Math.ceil(longest / 8) * 8);
}

/** Mean masked cross-entropy of `weights` on `sequences` (no KD term), in batches of the workspace's size. */
export function validationLoss(weights: LanguageModelWeights, sequences: readonly EncodedSequence[], workspace: Workspace): number {
  const packed = createPackedBatch(workspace.batch, workspace.capacity);
  let total = 0;
  let counted = 0;
  for (let start = 0; start < sequences.length; start += workspace.batch) {
    const batch = sequences.slice(start, start + workspace.batch);
    const length = batchLength(batch, workspace.capacity);
    setWorkspaceLength(workspace, length);
    packBatch(batch, packed, workspace.batch, length);
    const logits = forward(weights, packed.inputs, workspace);
    const part = maskedCrossEntropy(logits, workspace.rows, weights.config.vocabularySize, packed.targets, packed.mask);
    total += part.total;
    counted += part.counted;
  }
  return counted > 0 ? total / counted : 0;
}

/** Trains `weights` in place on `train`, early-stopping on `validation`; the best weights are kept. */
export function trainLanguageModel(weights: LanguageModelWeights, train: readonly EncodedSequence[], validation: readonly EncodedSequence[], settings: TrainingSettings, onEvaluation?: (report: EvaluationReport) => void): TrainingReport {
  if (train.length < MINIMUM_TRAINING_EXAMPLES || validation.length < 1) {
    throw new TrainingSetTooSmallError(`training set too small: ${train.length} training and ${validation.length} validation examples; the language-model student needs at least ${MINIMUM_TRAINING_EXAMPLES} and 1`);
  }
  const { config } = weights;
  const length = Math.max(...[...train, ...validation].map((sequence) => sequence.tokens.length - 1));
  const batchSize = Math.min(settings.batchSize, train.length);
  const workspace = createWorkspace(config, batchSize, length);
  const packed = createPackedBatch(batchSize, length);
  const gradients = zeroWeights(config);
  const named = namedTensors(weights);
  const parameters = named.map(([, tensor]) => tensor);
  const gradientTensors = namedTensors(gradients).map(([, tensor]) => tensor);
  const optimiser: AdamWSettings = { ...settings, totalSteps: settings.steps, beta1: 0.9, beta2: 0.95, epsilon: 1e-8 };
  const state = createAdamWState(parameters, named.map(([name]) => !isNormGain(name)));
  const random = createRandom(settings.seed);
  const order = train.map((_, index) => index);
  let cursor = order.length;
  let best = { loss: Infinity, step: 0, weights: cloneWeights(weights) };
  const evaluations: EvaluationReport[] = [];
  let stale = 0;
  let runningLoss = 0;
  let runningSteps = 0;
  let trainingMilliseconds = 0;
  let positionsTrained = 0;
  let step = 0;
  const started = performance.now();
  while (step < settings.steps && stale < settings.patience) {
    step++;
    const stepStarted = performance.now();
    if (cursor + batchSize > order.length) { shuffleInPlace(order, random); cursor = 0; }
    const batch = order.slice(cursor, cursor + batchSize).map((index) => train[index] as EncodedSequence);
    cursor += batchSize;
    const positions = batchLength(batch, length);
    setWorkspaceLength(workspace, positions);
    packBatch(batch, packed, batchSize, positions);
    positionsTrained += batchSize * positions;
    const logits = forward(weights, packed.inputs, workspace);
    runningLoss += maskedLossAndGradient(logits, workspace.rows, config.vocabularySize, { targets: packed.targets, mask: packed.mask, teacher: packed.teacher, distillationWeight: settings.distillationWeight });
    runningSteps++;
    for (const gradient of gradientTensors) gradient.fill(0);
    backward(weights, workspace, logits, gradients);
    clipGradients(gradientTensors, settings.gradientClip);
    const learningRate = learningRateAt(step, optimiser);
    adamWStep(parameters, gradientTensors, state, optimiser, learningRate);
    trainingMilliseconds += performance.now() - stepStarted;
    if (step % settings.evaluateEvery === 0 || step === settings.steps) {
      const loss = validationLoss(weights, validation, workspace);
      const improved = loss < best.loss - 1e-4;
      if (improved) { best = { loss, step, weights: cloneWeights(weights) }; stale = 0; } else stale++;
      const report = { step, trainLoss: runningLoss / runningSteps, validationLoss: loss, improved, learningRate };
      evaluations.push(report);
      onEvaluation?.(report);
      runningLoss = 0;
      runningSteps = 0;
    }
  }
  namedTensors(best.weights).forEach(([, tensor], index) => (parameters[index] as Float32Array).set(tensor));
  return {
    evaluations, stepsRun: step, bestStep: best.step, bestValidationLoss: best.loss, stoppedEarly: step < settings.steps,
    seconds: (performance.now() - started) / 1000, tokensPerSecond: positionsTrained / Math.max(1e-9, trainingMilliseconds / 1000),
  };
}
