/**
 * The TypeScript side of the training benchmark: the loop body of src/student/lm/training.ts
 * (forward, masked cross-entropy, backward, clipping, AdamW at a constant rate) on fixed tokens,
 * timed, with the loss before every step; and the file that hands the same starting point to the
 * PyTorch peer (bench/lm/pytorch-train.py).
 */
import { writeFileSync } from 'node:fs';
import { adamWStep, clipGradients, createAdamWState } from '../../src/student/lm/adamw.js';
import type { LanguageModelConfig } from '../../src/student/lm/config.js';
import { maskedLossAndGradient } from '../../src/student/lm/loss.js';
import { backward, createWorkspace, forward } from '../../src/student/lm/transformer.js';
import { initialWeights, isNormGain, namedTensors, zeroWeights } from '../../src/student/lm/weights.js';

/** The fixed batch both trainers see: input tokens and next-token targets (batch × length each). */
export function benchTokens(config: LanguageModelConfig, batch: number, length: number): { tokens: Int32Array; targets: Int32Array } {
  const tokens = Int32Array.from({ length: batch * length }, (_, index) => (index * 7919) % config.vocabularySize);
  const targets = Int32Array.from({ length: batch * length }, (_, index) => (index * 104729) % config.vocabularySize);
  return { tokens, targets };
}

/** Writes the seed-1 initial weights (namedTensors order) and the batch to `file` for the PyTorch peer. */
export function writeInitialState(file: string, config: LanguageModelConfig, batch: number, length: number): void {
  const parts = namedTensors(initialWeights(config, 1)).map(([, tensor]) => new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength));
  const { tokens, targets } = benchTokens(config, batch, length);
  parts.push(new Uint8Array(tokens.buffer), new Uint8Array(targets.buffer));
  writeFileSync(file, Buffer.concat(parts));
}

/** Milliseconds the timed steps spent in each phase. */
export interface PhaseTimes { forward: number; loss: number; backward: number; optimiser: number }

/** What one timed training run gave. */
export interface TrainingRun { tokensPerSecond: number; losses: number[]; phases: PhaseTimes }

/** Trains from the seed-1 weights for 2 warm-up and `steps` timed steps; tokens/s of the timed ones and every step's loss. */
export function ourTraining(config: LanguageModelConfig, batch: number, length: number, steps: number): TrainingRun {
  const weights = initialWeights(config, 1);
  const gradients = zeroWeights(config);
  const named = namedTensors(weights);
  const parameters = named.map(([, tensor]) => tensor);
  const gradientTensors = namedTensors(gradients).map(([, tensor]) => tensor);
  const settings = { learningRate: 1e-3, minimumLearningRateFraction: 0.1, warmupSteps: 1, totalSteps: steps, beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.01, gradientClip: 1 };
  const state = createAdamWState(parameters, named.map(([name]) => !isNormGain(name)));
  const workspace = createWorkspace(config, batch, length);
  const { tokens, targets } = benchTokens(config, batch, length);
  const mask = new Float32Array(batch * length).fill(1);
  const losses: number[] = [];
  const phases: PhaseTimes = { forward: 0, loss: 0, backward: 0, optimiser: 0 };
  const step = (): void => {
    let mark = performance.now();
    const lap = (phase: keyof PhaseTimes): void => { const now = performance.now(); phases[phase] += now - mark; mark = now; };
    const logits = forward(weights, tokens, workspace);
    lap('forward');
    losses.push(maskedLossAndGradient(logits, workspace.rows, config.vocabularySize, { targets, mask }));
    lap('loss');
    for (const gradient of gradientTensors) gradient.fill(0);
    backward(weights, workspace, logits, gradients);
    lap('backward');
    clipGradients(gradientTensors, 1);
    adamWStep(parameters, gradientTensors, state, settings, 1e-3);
    lap('optimiser');
  };
  for (let index = 0; index < 2; index++) step();
  for (const phase of Object.keys(phases) as Array<keyof PhaseTimes>) phases[phase] = 0;
  const started = performance.now();
  for (let index = 0; index < steps; index++) step();
  return { tokensPerSecond: (batch * length * steps) / ((performance.now() - started) / 1000), losses, phases };
}
