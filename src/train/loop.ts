/**
 * The epoch loop shared by every student kind: train one pass, validate, keep the best weights,
 * stop after `patience` epochs without a better validation loss, restore the best at the end.
 */
import type { EpochReport } from '../student/types.js';

/** Loop settings. */
export interface EpochLoopConfig {
  epochs: number;
  patience: number;
  onEpoch?: ((report: EpochReport) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** What the loop needs from a model. */
export interface EpochHooks {
  /** One pass over the training set; returns the mean loss and how many examples/tokens it saw. */
  trainEpoch(epoch: number): { loss: number; examples: number; tokens: number };
  validate(): { loss: number; agreement: number };
  /** Remember the current weights as the best so far. */
  saveBest(): void;
  /** Put the remembered best weights back. */
  restoreBest(): void;
}

/** What the loop did; throughput counts training passes only (not validation). */
export interface EpochLoopResult {
  epochs: EpochReport[];
  bestEpoch: number;
  stoppedEarly: boolean;
  trainSeconds: number;
  examples: number;
  tokens: number;
}

const seconds = (start: number): number => (performance.now() - start) / 1000;

/** Runs up to `config.epochs` epochs with early stopping on validation loss; deterministic given the hooks. */
export function runEpochLoop(config: EpochLoopConfig, hooks: EpochHooks): EpochLoopResult {
  const reports: EpochReport[] = [];
  let bestLoss = Infinity;
  let bestEpoch = 0;
  let trainSeconds = 0;
  let examples = 0;
  let tokens = 0;
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    config.signal?.throwIfAborted();
    const start = performance.now();
    const train = hooks.trainEpoch(epoch);
    trainSeconds += seconds(start);
    examples += train.examples;
    tokens += train.tokens;
    const validation = hooks.validate();
    // A NaN loss never counts as an improvement, so a diverged epoch is never kept.
    const improved = validation.loss < bestLoss;
    if (improved) {
      bestLoss = validation.loss;
      bestEpoch = epoch;
      hooks.saveBest();
    }
    const report: EpochReport = { epoch, trainLoss: train.loss, validationLoss: validation.loss, validationAgreement: validation.agreement, improved, seconds: seconds(start) };
    reports.push(report);
    config.onEpoch?.(report);
    if (epoch - bestEpoch >= config.patience && epoch < config.epochs) {
      if (bestEpoch > 0) hooks.restoreBest();
      return { epochs: reports, bestEpoch, stoppedEarly: true, trainSeconds, examples, tokens };
    }
  }
  if (bestEpoch > 0 && bestEpoch !== reports.length) hooks.restoreBest();
  return { epochs: reports, bestEpoch, stoppedEarly: false, trainSeconds, examples, tokens };
}
