/**
 * A Hogwild training worker (worker_threads): takes one fit per message (hogwild.ts keeps idle workers
 * for the next fit), waits on that fit's shared control array for each epoch, trains chunks of the shared
 * order (from the shared cursor) on the shared weights, and reports its loss.
 */
import { parentPort } from 'node:worker_threads';
import type { DistillationOptions } from '../../train/loss.js';
import { CONTROL, createShardScratch, trainChunks, type FlatTrainingSet } from './hogwild-shard.js';
import type { NgramWeights, OptimiserState } from './model.js';

/** What hogwild.ts passes each worker: views over SharedArrayBuffers plus plain settings. */
export interface HogwildWorkerData {
  thread: number;
  threads: number;
  weights: NgramWeights;
  optimiser: OptimiserState;
  set: FlatTrainingSet;
  order: Int32Array;
  control: Int32Array;
  losses: Float64Array;
  loss: DistillationOptions;
  learningRate: number;
  /** Examples taken from the shared cursor at a time. */
  chunk: number;
}

/** Runs one fit's epochs until the main thread sets CONTROL.stop; the worker then waits for the next job. */
function runJob(data: HogwildWorkerData): void {
  const { control, order } = data;
  const scratch = createShardScratch(data.weights.dim, data.weights.labelCount);
  let seen = Atomics.load(control, CONTROL.generation);
  Atomics.add(control, CONTROL.ready, 1);
  Atomics.notify(control, CONTROL.ready);
  for (;;) {
    Atomics.wait(control, CONTROL.generation, seen);
    if (Atomics.load(control, CONTROL.stop) === 1) break;
    const generation = Atomics.load(control, CONTROL.generation);
    if (generation === seen) continue;
    seen = generation;
    try {
      data.losses[data.thread] = trainChunks(data.weights, data.optimiser, data.set, order, control, data.chunk, data.loss, data.learningRate, scratch);
    } catch {
      Atomics.store(control, CONTROL.failed, 1);
    }
    Atomics.add(control, CONTROL.done, 1);
    Atomics.notify(control, CONTROL.done);
  }
}

parentPort?.on('message', (job: HogwildWorkerData) => runJob(job));
