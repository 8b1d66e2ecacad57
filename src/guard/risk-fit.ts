/**
 * Fitting the risk model in three steps. (1) Logistic regression with non-negative weights and an L2
 * penalty, by projected gradient descent with Nesterov momentum (ten-odd features, so plain and
 * exact), on snapshots of keys' scores. (2) A coordinate search from those weights for the ones that
 * catch the most harvesting keys at the false-positive budget, since a key is flagged by the highest
 * risk it ever reaches, which per-snapshot log-loss does not see. (3) The threshold calibration that
 * puts risk 0.5 at that budget over benign keys.
 */
import type { RiskModel } from './risk.js';

/** One training example: detector scores in a fixed order, its label (1 = distiller) and weight. */
export interface RiskSample { features: ArrayLike<number>; label: 0 | 1; weight: number }

/** Fitting settings. */
export interface LogisticOptions {
  /** L2 penalty on the weights (not the intercept); default 1e-3. */
  l2?: number;
  iterations?: number;
}

/** Fits log-odds = intercept + Σ w_i x_i with every w_i ≥ 0, minimising weighted log-loss + (l2/2)‖w‖². */
export function fitNonNegativeLogistic(samples: readonly RiskSample[], dimensions: number, options: LogisticOptions = {}): { intercept: number; weights: number[] } {
  const l2 = options.l2 ?? 1e-3;
  const iterations = options.iterations ?? 2000;
  const totalWeight = samples.reduce((sum, sample) => sum + sample.weight, 0);
  if (!(totalWeight > 0)) throw new RangeError('fitting needs samples with positive total weight');
  // Scores lie in [0, 1], so the loss's curvature is at most (1 + dimensions) / 4: that bounds a safe step.
  const step = 4 / (1 + dimensions + 4 * l2);
  let current = new Float64Array(dimensions + 1);
  let previous = current;
  for (let iteration = 1; iteration <= iterations; iteration++) {
    const momentum = (iteration - 1) / (iteration + 2);
    const look = current.map((value, index) => value + momentum * (value - (previous[index] as number)));
    const gradient = lossGradient(samples, look, l2, totalWeight);
    previous = current;
    current = look.map((value, index) => (index === 0 ? value - step * (gradient[index] as number) : Math.max(0, value - step * (gradient[index] as number))));
  }
  return { intercept: current[0] as number, weights: Array.from(current.subarray(1)) };
}

/** Gradient of the mean weighted log-loss plus the L2 term; parameters[0] is the intercept. */
function lossGradient(samples: readonly RiskSample[], parameters: Float64Array, l2: number, totalWeight: number): Float64Array {
  const gradient = new Float64Array(parameters.length);
  for (const sample of samples) {
    let logOdds = parameters[0] as number;
    for (let index = 0; index < sample.features.length; index++) logOdds += (parameters[index + 1] as number) * (sample.features[index] as number);
    const error = (1 / (1 + Math.exp(-logOdds)) - sample.label) * (sample.weight / totalWeight);
    gradient[0] = (gradient[0] as number) + error;
    for (let index = 0; index < sample.features.length; index++) gradient[index + 1] = (gradient[index + 1] as number) + error * (sample.features[index] as number);
  }
  for (let index = 1; index < parameters.length; index++) gradient[index] = (gradient[index] as number) + l2 * (parameters[index] as number);
  return gradient;
}

/**
 * The intercept that flags at most `budget` of benign keys: given, per benign key, the largest
 * Σ w_i x_i it ever reached, the threshold sits just above the value reached by the key ranked
 * just past the budget, and the intercept is minus that threshold.
 */
export function calibratedIntercept(benignMaxima: readonly number[], budget: number): number {
  if (benignMaxima.length === 0) throw new RangeError('calibration needs benign keys');
  const sorted = [...benignMaxima].sort((a, b) => b - a);
  const allowed = Math.floor(budget * sorted.length);
  const threshold = (sorted[Math.min(allowed, sorted.length - 1)] as number) + 1e-6;
  return -threshold;
}

/** A RiskModel from fitted weights in `names` order, an intercept and a provenance line. */
export function riskModel(names: readonly string[], weights: readonly number[], intercept: number, provenance: string): RiskModel {
  return { intercept, weights: Object.fromEntries(names.map((name, index) => [name, weights[index] ?? 0])), provenance };
}

/** One key's scores over its requests (rows × detectors), its label and how much it counts. */
export interface KeyTrace { scores: Float32Array; label: 0 | 1; weight: number }

/** Settings of the detection search. */
export interface DetectionSearchOptions {
  /** Share of benign keys allowed to be flagged; default 0.01. */
  budget?: number;
  /** Passes over the detectors; default 8. */
  rounds?: number;
}

/** Per key, the largest Σ w·x over its requests. */
function keyMaxima(traces: readonly KeyTrace[], weights: readonly number[]): Float64Array {
  const dimensions = weights.length;
  return Float64Array.from(traces, (trace) => {
    let best = 0;
    for (let row = 0; row < trace.scores.length; row += dimensions) {
      let sum = 0;
      for (let index = 0; index < dimensions; index++) sum += (weights[index] as number) * (trace.scores[row + index] as number);
      if (sum > best) best = sum;
    }
    return best;
  });
}

/**
 * How well `weights` do at the budget: the weighted share of harvesting keys whose highest Σ w·x
 * reaches the calibrated threshold, plus a small margin term that breaks ties towards clearer wins.
 */
export function detectionObjective(traces: readonly KeyTrace[], weights: readonly number[], budget: number): { caught: number; threshold: number; objective: number } {
  const maxima = keyMaxima(traces, weights);
  const threshold = -calibratedIntercept(traces.flatMap((trace, index) => (trace.label === 0 ? [maxima[index] as number] : [])), budget);
  const scale = Math.max(1e-9, weights.reduce((sum, weight) => sum + weight, 0));
  let caught = 0;
  let margin = 0;
  let total = 0;
  traces.forEach((trace, index) => {
    if (trace.label === 0) return;
    total += trace.weight;
    const excess = ((maxima[index] as number) - threshold) / scale;
    if (excess >= 0) caught += trace.weight;
    margin += trace.weight / (1 + Math.exp(-excess * 20));
  });
  return { caught: caught / total, threshold, objective: caught / total + 0.01 * (margin / total) };
}

/** Coordinate search from `start` (scaling one weight at a time) for the weights that catch the most at the budget; the sum of weights is kept. */
export function searchDetectionWeights(traces: readonly KeyTrace[], start: readonly number[], options: DetectionSearchOptions = {}): number[] {
  const budget = options.budget ?? 0.01;
  const total = start.reduce((sum, weight) => sum + weight, 0) || start.length;
  const normalise = (weights: number[]) => {
    const sum = weights.reduce((accumulated, weight) => accumulated + weight, 0) || 1;
    return weights.map((weight) => (weight * total) / sum);
  };
  let best = normalise([...start]);
  let bestScore = detectionObjective(traces, best, budget).objective;
  const floor = total / start.length / 4;
  for (let round = 0; round < (options.rounds ?? 8); round++) {
    let improved = false;
    for (let index = 0; index < best.length; index++) {
      for (const factor of [0, 0.5, 0.8, 1.25, 2, 4]) {
        const candidate = [...best];
        candidate[index] = factor === 0 ? 0 : Math.max((best[index] as number) * factor, factor > 1 ? floor : 0);
        const normalised = normalise(candidate);
        const score = detectionObjective(traces, normalised, budget).objective;
        if (score > bestScore + 1e-9) {
          best = normalised;
          bestScore = score;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  return best;
}
