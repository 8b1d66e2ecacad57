/**
 * Hogwild work of an n-gram training epoch: SGD-with-row-Adagrad over chunks of the shuffled order,
 * taken from a shared cursor, on weights other threads update at the same time without locks (fastText's `-thread`). Pure:
 * run by the main thread and by each worker (hogwild-worker.ts) over the same shared memory.
 */
import { distillationLoss, type DistillationOptions } from '../../train/loss.js';
import { adagradStepBag, computeLogits, createStepScratch, embedMeanBag, type NgramWeights, type OptimiserState, type StepScratch } from './model.js';

/** A featurised training set flattened into typed arrays, so it can live in SharedArrayBuffers. */
export interface FlatTrainingSet {
  /** Example i's ids are ids[offsets[i]] … ids[offsets[i + 1] − 1]. */
  offsets: Int32Array;
  ids: Int32Array;
  labels: Int32Array;
  /** examples × labelCount teacher probabilities; rows with hasSoft 0 are unused. */
  soft: Float32Array;
  hasSoft: Uint8Array;
  /**
   * Each example's distinct ids (first-use order) with their counts: uniqueIds[uniqueOffsets[i]] … and counts alike.
   * Hogwild trains on these (model.ts adagradStepBag): one read and one write per distinct row.
   */
  uniqueOffsets: Int32Array;
  uniqueIds: Int32Array;
  counts: Int32Array;
}

/** Per-thread scratch, so a shard allocates nothing per example. */
export interface ShardScratch { hidden: Float64Array; step: StepScratch; logits: Float64Array; grad: Float64Array }

/** Scratch for weights of `dim` and `labelCount`. */
export function createShardScratch(dim: number, labelCount: number): ShardScratch {
  return { hidden: new Float64Array(dim), step: createStepScratch(dim, labelCount), logits: new Float64Array(labelCount), grad: new Float64Array(labelCount) };
}

/** Trains on order[start … end) and returns the summed loss of those examples. */
export function trainShard(
  weights: NgramWeights, optimiser: OptimiserState, set: FlatTrainingSet, order: Int32Array, start: number, end: number,
  loss: DistillationOptions, learningRate: number, scratch: ShardScratch,
): number {
  const labelCount = weights.labelCount;
  let total = 0;
  for (let position = start; position < end; position++) {
    const index = order[position] as number;
    const from = set.uniqueOffsets[index] as number, to = set.uniqueOffsets[index + 1] as number;
    const unique = set.uniqueIds.subarray(from, to), counts = set.counts.subarray(from, to);
    const idCount = (set.offsets[index + 1] as number) - (set.offsets[index] as number);
    const soft = set.hasSoft[index] === 1 ? set.soft.subarray(index * labelCount, (index + 1) * labelCount) : null;
    embedMeanBag(weights, unique, counts, idCount, scratch.hidden);
    computeLogits(weights, scratch.hidden, scratch.logits);
    total += distillationLoss(scratch.logits, soft, set.labels[index] as number, loss, scratch.grad).loss;
    adagradStepBag(weights, optimiser, unique, counts, idCount, scratch.hidden, scratch.grad, scratch.step, learningRate);
  }
  return total;
}

/** Slot indices of the shared control array (Int32Array) the main thread and the workers synchronise on. */
export const CONTROL = { generation: 0, done: 1, stop: 2, ready: 3, failed: 4, cursor: 5, length: 6 } as const;

/**
 * Examples a thread takes from the shared cursor at a time: small enough that a thread the machine
 * descheduled holds the others up by one chunk at most (fixed shards wait for the slowest thread), large
 * enough that the atomic add costs nothing.
 */
export function chunkSize(count: number, threads: number): number {
  return Math.max(8, Math.min(512, Math.ceil(count / (threads * 32))));
}

/** Trains chunks of `order` taken from control[CONTROL.cursor] until none is left; returns their summed loss. */
export function trainChunks(
  weights: NgramWeights, optimiser: OptimiserState, set: FlatTrainingSet, order: Int32Array, control: Int32Array, chunk: number,
  loss: DistillationOptions, learningRate: number, scratch: ShardScratch,
): number {
  let total = 0;
  for (let start = Atomics.add(control, CONTROL.cursor, chunk); start < order.length; start = Atomics.add(control, CONTROL.cursor, chunk)) {
    total += trainShard(weights, optimiser, set, order, start, Math.min(order.length, start + chunk), loss, learningRate, scratch);
  }
  return total;
}
