/**
 * Hogwild training for the n-gram student (`student.threads` > 1), as fastText's `-thread`: the weights
 * and Adagrad accumulators move into SharedArrayBuffers, and every thread (the main one and threads − 1
 * workers) takes chunks of each epoch's shuffled order from a shared atomic cursor until none is left,
 * updating the weights with no locks. Updates race, so results vary from run to run; threads = 1 never
 * comes here and stays exactly deterministic.
 *
 * `fit` is synchronous, so the main thread waits with Atomics.wait (allowed on Node's main thread). The
 * Node module is reached through process.getBuiltinModule, not a static import, so the student runtime's
 * import graph stays free of Node built-ins (runtime.test.ts) and a browser bundle never loads it.
 */
import type * as WorkerThreads from 'node:worker_threads';
import type { DistillationOptions } from '../../train/loss.js';
import { chunkSize, CONTROL, createShardScratch, trainChunks, type FlatTrainingSet, type ShardScratch } from './hogwild-shard.js';
import type { HogwildWorkerData } from './hogwild-worker.js';
import type { NgramWeights, OptimiserState } from './model.js';
import { workerSource } from '../../util/worker-source.js';

/** How long workers may take to start before training gives up (a broken install, not a slow machine). */
const STARTUP_LIMIT_MS = 60_000;

type FeaturisedLike = { ids: Int32Array[]; labels: Int32Array; soft: Array<Float32Array | null> };

function shared<T extends Float32Array | Int32Array | Float64Array | Uint8Array>(Constructor: new (buffer: SharedArrayBuffer) => T, length: number, bytesPerElement: number): T {
  return new Constructor(new SharedArrayBuffer(Math.max(1, length) * bytesPerElement));
}

function sharedCopy(source: Float32Array): Float32Array {
  const copy = shared(Float32Array, source.length, 4).subarray(0, source.length);
  copy.set(source);
  return copy;
}

/** The featurised set in shared typed arrays, with each example's distinct ids and counts (`rows`: ids are below it). */
function flatten(set: FeaturisedLike, labelCount: number, rows: number): FlatTrainingSet {
  const count = set.ids.length;
  const offsets = shared(Int32Array, count + 1, 4);
  for (let index = 0; index < count; index++) offsets[index + 1] = (offsets[index] as number) + (set.ids[index] as Int32Array).length;
  const ids = shared(Int32Array, offsets[count] as number, 4);
  const soft = shared(Float32Array, count * labelCount, 4);
  const hasSoft = shared(Uint8Array, count, 1);
  for (let index = 0; index < count; index++) {
    ids.set(set.ids[index] as Int32Array, offsets[index] as number);
    const row = set.soft[index];
    if (row) { soft.set(row, index * labelCount); hasSoft[index] = 1; }
  }
  const labels = shared(Int32Array, count, 4);
  labels.set(set.labels);
  // Distinct ids per example: slotOf[row] is the row's place in this example's list while seenIn[row] is the example.
  const seenIn = new Int32Array(rows).fill(-1);
  const slotOf = new Int32Array(rows);
  const uniqueOffsets = shared(Int32Array, count + 1, 4);
  const uniqueScratch = new Int32Array(offsets[count] as number);
  const countScratch = new Int32Array(offsets[count] as number);
  let unique = 0;
  for (let index = 0; index < count; index++) {
    for (let at = offsets[index] as number, end = offsets[index + 1] as number; at < end; at++) {
      const row = ids[at] as number;
      if (seenIn[row] !== index) {
        seenIn[row] = index;
        slotOf[row] = unique;
        uniqueScratch[unique] = row;
        countScratch[unique++] = 1;
      } else {
        const slot = slotOf[row] as number;
        countScratch[slot] = (countScratch[slot] as number) + 1;
      }
    }
    uniqueOffsets[index + 1] = unique;
  }
  const uniqueIds = shared(Int32Array, unique, 4);
  uniqueIds.set(uniqueScratch.subarray(0, unique));
  const counts = shared(Int32Array, unique, 4);
  counts.set(countScratch.subarray(0, unique));
  return { offsets, ids, labels, soft, hasSoft, uniqueOffsets, uniqueIds, counts };
}

/** Feature ids per epoch from which an unset `student.threads` trains on every core; below, starting workers costs more than they save. */
export const AUTO_THREADS_MIN_FEATURES = 1_000_000;

/** At most this many threads when `student.threads` is unset (Hogwild's races grow with the thread count; fastText's default is 12). */
const AUTO_THREADS_MAX = 16;

/**
 * The thread count for an unset `student.threads`: the core count (os.availableParallelism, at most 16)
 * when one epoch holds at least AUTO_THREADS_MIN_FEATURES feature ids, else 1; 1 where Node's
 * worker_threads is missing (a browser), so small sets and tests stay single-threaded and deterministic.
 */
export function defaultThreads(featureIds: number): number {
  if (featureIds < AUTO_THREADS_MIN_FEATURES) return 1;
  const nodeProcess = (globalThis as { process?: { getBuiltinModule?(name: string): unknown } }).process;
  const os = nodeProcess?.getBuiltinModule?.('node:os') as { availableParallelism?(): number } | undefined;
  if (os?.availableParallelism === undefined || nodeProcess?.getBuiltinModule?.('node:worker_threads') === undefined) return 1;
  return Math.max(1, Math.min(AUTO_THREADS_MAX, os.availableParallelism()));
}

/** worker_threads, or an error saying Hogwild training needs Node (a browser can still predict). */
function workerThreads(): typeof WorkerThreads {
  const nodeProcess = (globalThis as { process?: { getBuiltinModule?(name: string): unknown } }).process;
  const module = nodeProcess?.getBuiltinModule?.('node:worker_threads') as typeof WorkerThreads | undefined;
  if (module === undefined) throw new RangeError('student.threads > 1 needs Node 20.16+ (worker_threads); set student.threads: 1 here');
  return module;
}

/**
 * Workers kept between fits (unref'd, so they never keep the process alive): starting one costs
 * 0.1–1 s (more under tsx, which compiles the worker's imports again), which an `auto` grid, the
 * benchmark's repeats or a retraining loop would pay on every fit. A worker takes one job per message.
 */
const idleWorkers: WorkerThreads.Worker[] = [];
const exited = new WeakSet<WorkerThreads.Worker>();
const MAX_IDLE_WORKERS = 16;

/** Workers waiting for a fit in this thread (for tests). */
export function idleWorkerCount(): number {
  return idleWorkers.length;
}

function startWorker(): WorkerThreads.Worker {
  const { Worker } = workerThreads();
  const { source, eval: evaluate } = workerSource(import.meta.url, 'hogwild-worker');
  const worker = new Worker(source, { eval: evaluate });
  worker.unref();
  worker.on('exit', () => {
    exited.add(worker);
    const index = idleWorkers.indexOf(worker);
    if (index >= 0) idleWorkers.splice(index, 1);
  });
  // An error ends the worker ('exit' follows); the job it held reports through CONTROL.failed or the start-up limit.
  worker.on('error', () => undefined);
  return worker;
}

/**
 * Starts workers for a fit of `threads` threads ahead of it (idle ones count), so that they boot on their
 * own threads while the caller featurises; HogwildTrainer then takes them from the pool.
 */
export function warmWorkers(threads: number): void {
  const wanted = Math.min(MAX_IDLE_WORKERS, threads - 1);
  while (idleWorkers.length < wanted) idleWorkers.push(startWorker());
}

/** Trains epochs over `threads` threads on shared weights; call `close` when done (in a finally). */
export class HogwildTrainer {
  private readonly workers: WorkerThreads.Worker[] = [];
  private readonly control = shared(Int32Array, CONTROL.length, 4);
  private readonly losses: Float64Array;
  private readonly order: Int32Array;
  private readonly set: FlatTrainingSet;
  private readonly scratch: ShardScratch;
  private readonly chunk: number;

  /** Moves `weights` and `optimiser` tensors into shared memory (in place) and starts threads − 1 workers. */
  constructor(private readonly weights: NgramWeights, private readonly optimiser: OptimiserState, trainSet: FeaturisedLike,
    private readonly loss: DistillationOptions, private readonly learningRate: number, private readonly threads: number) {
    weights.embeddings = sharedCopy(weights.embeddings);
    weights.output = sharedCopy(weights.output);
    weights.bias = sharedCopy(weights.bias);
    optimiser.embedding = sharedCopy(optimiser.embedding);
    optimiser.output = sharedCopy(optimiser.output);
    this.set = flatten(trainSet, weights.labelCount, weights.embeddings.length / weights.dim);
    this.order = shared(Int32Array, trainSet.ids.length, 4).subarray(0, trainSet.ids.length);
    this.losses = shared(Float64Array, threads, 8);
    this.scratch = createShardScratch(weights.dim, weights.labelCount);
    this.chunk = chunkSize(trainSet.ids.length, threads);
    for (let thread = 1; thread < threads; thread++) {
      const job: HogwildWorkerData = { thread, threads, weights, optimiser, set: this.set, order: this.order, control: this.control, losses: this.losses, loss, learningRate, chunk: this.chunk };
      const worker = idleWorkers.pop() ?? startWorker();
      worker.postMessage(job);
      this.workers.push(worker);
    }
    try {
      this.waitUntil(CONTROL.ready, threads - 1, STARTUP_LIMIT_MS, 'Hogwild workers did not start');
    } catch (error) {
      // Workers that never started are not trusted with another fit.
      Atomics.store(this.control, CONTROL.stop, 1);
      Atomics.notify(this.control, CONTROL.generation);
      for (const worker of this.workers.splice(0)) void worker.terminate();
      throw error;
    }
  }

  /** One epoch over `order` (a permutation of the training set); returns the summed loss. */
  trainEpoch(order: Int32Array): number {
    const { control } = this;
    this.order.set(order);
    Atomics.store(control, CONTROL.done, 0);
    Atomics.store(control, CONTROL.cursor, 0);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    this.losses[0] = trainChunks(this.weights, this.optimiser, this.set, this.order, control, this.chunk, this.loss, this.learningRate, this.scratch);
    this.waitUntil(CONTROL.done, this.threads - 1, Number.POSITIVE_INFINITY, 'Hogwild workers stopped');
    if (Atomics.load(control, CONTROL.failed) === 1) throw new Error('a Hogwild training worker failed');
    let total = 0;
    for (let thread = 0; thread < this.threads; thread++) total += this.losses[thread] as number;
    return total;
  }

  /** Ends the workers' job; they go back to the idle pool for the next fit in this thread. */
  close(): void {
    Atomics.store(this.control, CONTROL.stop, 1);
    Atomics.add(this.control, CONTROL.generation, 1);
    Atomics.notify(this.control, CONTROL.generation);
    for (const worker of this.workers.splice(0)) if (!exited.has(worker) && idleWorkers.length < MAX_IDLE_WORKERS) idleWorkers.push(worker);
  }

  private waitUntil(slot: number, target: number, limitMs: number, failure: string): void {
    const deadline = performance.now() + limitMs;
    for (let value = Atomics.load(this.control, slot); value < target; value = Atomics.load(this.control, slot)) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${failure} within ${limitMs / 1000} s`);
      Atomics.wait(this.control, slot, value, Math.min(left, 1000));
    }
  }
}
