/**
 * Maximum mean discrepancy (Gretton et al. 2012) with a Gaussian (RBF) kernel on unit-length sparse
 * vectors, where ‖x − y‖² = 2 − 2 x·y, so k(x, y) = exp(−‖x − y‖² / 2σ²) = exp((x·y − 1) / σ²).
 */
import { percentile } from '../../util/percentile.js';
import { dot, type SparseVector } from './sparse-vector.js';

/** The RBF kernel of two unit vectors from their dot product. */
export function rbfFromDot(dotProduct: number, sigmaSquared: number): number {
  return Math.exp((Math.min(1, dotProduct) - 1) / sigmaSquared);
}

/** σ² by the median heuristic: half the median squared distance between distinct reference vectors. */
export function medianBandwidth(vectors: readonly SparseVector[], maxPairs = 20_000): number {
  const squaredDistances: number[] = [];
  const step = Math.max(1, Math.floor((vectors.length * (vectors.length - 1)) / 2 / maxPairs));
  let pair = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      if (pair++ % step === 0) squaredDistances.push(Math.max(0, 2 - 2 * dot(vectors[i] as SparseVector, vectors[j] as SparseVector)));
    }
  }
  const median = squaredDistances.length > 0 ? percentile(squaredDistances, 50) : 2;
  return Math.max(1e-3, median / 2);
}

/** Mean kernel value over distinct pairs of one sample: (1 / m(m−1)) Σ_{i≠j} k(x_i, x_j). */
export function meanWithinKernel(vectors: readonly SparseVector[], sigmaSquared: number): number {
  const m = vectors.length;
  if (m < 2) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) sum += rbfFromDot(dot(vectors[i] as SparseVector, vectors[j] as SparseVector), sigmaSquared);
  return (2 * sum) / (m * (m - 1));
}

/** Mean kernel value between two samples. */
export function meanCrossKernel(a: readonly SparseVector[], b: readonly SparseVector[], sigmaSquared: number): number {
  let sum = 0;
  for (const x of a) for (const y of b) sum += rbfFromDot(dot(x, y), sigmaSquared);
  return sum / (a.length * b.length);
}

/** The unbiased estimate MMD²_u of two samples (can be slightly negative when they match). */
export function unbiasedMmdSquared(a: readonly SparseVector[], b: readonly SparseVector[], sigmaSquared: number): number {
  return meanWithinKernel(a, sigmaSquared) + meanWithinKernel(b, sigmaSquared) - 2 * meanCrossKernel(a, b, sigmaSquared);
}
