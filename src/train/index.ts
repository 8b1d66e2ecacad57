export { distillationLoss, softmaxWithTemperature, temperTeacher, type DistillationOptions, type DistillationResult } from './loss.js';
export { createRandom, shuffleInPlace, type Random } from '../util/random.js';
export { runEpochLoop, type EpochHooks, type EpochLoopConfig, type EpochLoopResult } from './loop.js';
export { createRowAccumulators, rowStepSize, type RowAccumulators } from './row-adagrad.js';
