/**
 * Percentile bootstrap confidence intervals (Efron 1979; the percentile method as scipy.stats.bootstrap
 * `method='percentile'`): resample the test examples with replacement, recompute the statistic on each
 * resample, and take the α/2 and 1−α/2 quantiles of those values (linear interpolation, numpy's
 * default). The statistic sees whole examples, so a corpus-level metric (chrF's summed n-gram counts,
 * micro-averaged field F1) is re-aggregated from its per-example statistics on every resample rather
 * than averaged. Seeded (src/util/random.ts): the same data and seed give the same interval.
 */
import { createRandom } from '../util/random.js';

/** How to bootstrap. */
export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Two-sided confidence level (default 0.95). */
  confidence?: number;
  /** Seed of the resampling (default 1). */
  seed?: number;
}

/** A point estimate with its bootstrap interval. */
export interface BootstrapInterval {
  /** The statistic on the whole test set. */
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  resamples: number;
  /** Examples resampled. */
  examples: number;
}

/** The default number of resamples. */
export const DEFAULT_RESAMPLES = 1000;

/** Quantile q in [0, 1] of sorted values, interpolating linearly between ranks (numpy's default). */
export function interpolatedQuantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[Math.min(sorted.length - 1, below + 1)] ?? low;
  return low + (high - low) * (position - below);
}

/** Checks the options once, so a bad setting fails before a thousand resamples. */
function resolveOptions(options: BootstrapOptions): { resamples: number; confidence: number; seed: number } {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`bootstrap confidence must be in (0, 1), got ${confidence}`);
  return { resamples, confidence, seed: options.seed ?? 1 };
}

/**
 * The percentile bootstrap interval of any statistic of a list of examples. With no examples the
 * interval is the (degenerate) statistic of the empty list at both ends.
 */
export function bootstrapInterval<T>(examples: readonly T[], statistic: (sample: readonly T[]) => number, options: BootstrapOptions = {}): BootstrapInterval {
  const { resamples, confidence, seed } = resolveOptions(options);
  const estimate = statistic(examples);
  if (examples.length === 0) return { estimate, lower: estimate, upper: estimate, confidence, resamples, examples: 0 };
  const random = createRandom(seed);
  const sample = new Array<T>(examples.length);
  const values: number[] = [];
  for (let round = 0; round < resamples; round++) {
    for (let index = 0; index < examples.length; index++) sample[index] = examples[random.nextInt(examples.length)] as T;
    values.push(statistic(sample));
  }
  values.sort((a, b) => a - b);
  const alpha = 1 - confidence;
  return { estimate, lower: interpolatedQuantile(values, alpha / 2), upper: interpolatedQuantile(values, 1 - alpha / 2), confidence, resamples, examples: examples.length };
}

/** Mean of numbers (0 for none). */
function mean(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return values.length === 0 ? 0 : total / values.length;
}

/** The bootstrap interval of the mean of a per-example metric (a 0/1 exact match, a sentence chrF). */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions = {}): BootstrapInterval {
  return bootstrapInterval(values, mean, options);
}

/**
 * The bootstrap interval of a corpus-level metric: `aggregate` turns the per-example statistics of a
 * resample into the metric (e.g. sum chrF statistics, then one F), exactly as on the whole set.
 */
export function bootstrapCorpus<S>(perExample: readonly S[], aggregate: (statistics: readonly S[]) => number, options: BootstrapOptions = {}): BootstrapInterval {
  return bootstrapInterval(perExample, aggregate, options);
}
