/**
 * The benign side of the MMD test: a pooled sample of benign prompts (the reference), the kernel
 * bandwidth, and the null distribution of MMD² for windows of benign prompts, from which the alarm
 * threshold comes. Built once; every key's window is compared with the same reference.
 */
import { seededRandom } from '../../util/random.js';
import { percentile } from '../../util/percentile.js';
import { sketchText, VECTOR_DIMENSIONS } from './prompt-sketch.js';
import { medianBandwidth, meanWithinKernel, rbfFromDot } from './mmd.js';
import { addInto, dotDense, squaredNorm, type SparseVector } from './sparse-vector.js';

/** How to build a reference. */
export interface MmdReferenceOptions {
  /** Prompts in the pooled reference; default 128 (each request meets every one of them). */
  size?: number;
  /** Prompts per key window (the null distribution is for windows of this size); default 50. */
  windowSize?: number;
  /** Benign windows drawn for the null distribution; default 200. */
  nullSamples?: number;
  seed?: number;
}

/** A calibrated benign reference for the windowed MMD test. */
export class MmdReference {
  readonly size: number;
  readonly windowSize: number;
  readonly sigmaSquared: number;
  /** Mean kernel over distinct pairs of the reference (the constant term of MMD²_u). */
  readonly withinMean: number;
  /** Median and 99th percentile of MMD²_u for benign windows. */
  readonly nullMedian: number;
  readonly null99: number;
  /** The reference vectors as dense rows, so a sparse window vector meets them all in one pass. */
  readonly #rows: Float32Array;

  private constructor(reference: readonly SparseVector[], pool: readonly SparseVector[], windowSize: number, nullSamples: number, seed: number) {
    this.size = reference.length;
    this.windowSize = windowSize;
    this.sigmaSquared = medianBandwidth(reference);
    this.withinMean = meanWithinKernel(reference, this.sigmaSquared);
    this.#rows = new Float32Array(reference.length * VECTOR_DIMENSIONS);
    reference.forEach((vector, row) => addInto(this.#rows, row * VECTOR_DIMENSIONS, vector, 1));
    const random = seededRandom(seed);
    const nulls = Array.from({ length: nullSamples }, () => this.mmdSquared(sample(pool, windowSize, random)));
    this.nullMedian = percentile(nulls, 50);
    this.null99 = percentile(nulls, 99);
  }

  /**
   * Builds a reference from benign prompts: half (at most `size`) pooled as the reference, the other
   * half drawn from for the null windows, so a null window is never compared with itself.
   */
  static fromTexts(texts: readonly string[], options: MmdReferenceOptions = {}): MmdReference {
    const windowSize = options.windowSize ?? 50;
    const vectors = texts.map((text) => sketchText(text).vector).filter((vector) => squaredNorm(vector) > 0);
    if (vectors.length < 4 * windowSize) throw new RangeError(`an MMD reference needs at least ${4 * windowSize} non-empty benign prompts, got ${vectors.length}`);
    const random = seededRandom(options.seed ?? 1);
    const shuffled = sample(vectors, vectors.length, random);
    const half = Math.floor(shuffled.length / 2);
    const size = Math.min(options.size ?? 128, half);
    return new MmdReference(shuffled.slice(0, size), shuffled.slice(half), windowSize, options.nullSamples ?? 200, options.seed ?? 1);
  }

  /** Mean kernel value between `vector` and the reference. */
  crossMean(vector: SparseVector): number {
    let sum = 0;
    for (let row = 0; row < this.size; row++) sum += rbfFromDot(dotDense(vector, this.#rows, row * VECTOR_DIMENSIONS), this.sigmaSquared);
    return sum / this.size;
  }

  /** MMD²_u of a window against the reference (the direct computation; detectors update it incrementally). */
  mmdSquared(window: readonly SparseVector[]): number {
    const cross = window.reduce((sum, vector) => sum + this.crossMean(vector), 0) / window.length;
    return meanWithinKernel(window, this.sigmaSquared) + this.withinMean - 2 * cross;
  }
}

/** `count` items drawn without replacement (all of them, shuffled, when count ≥ length). */
function sample<Item>(items: readonly Item[], count: number, random: () => number): Item[] {
  const copy = [...items];
  const take = Math.min(count, copy.length);
  for (let index = 0; index < take; index++) {
    const pick = index + Math.floor(random() * (copy.length - index));
    [copy[index], copy[pick]] = [copy[pick] as Item, copy[index] as Item];
  }
  return copy.slice(0, take);
}
