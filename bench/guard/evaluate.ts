/**
 * From replayed trajectories to the figures: training samples for the risk model, the calibrated
 * model, and per key the largest score and the query at which the risk first reached 0.5.
 */
import { calibratedIntercept, fitNonNegativeLogistic, riskModel, searchDetectionWeights, type KeyTrace, type RiskSample } from '../../src/guard/risk-fit.js';
import type { RiskModel } from '../../src/guard/risk.js';
import { DETECTION_HORIZON } from './distillers.js';
import type { Replay, Trajectory } from './simulate.js';

/** Benign personas whose keys are people; the others (integrations) are reported apart. */
export const PERSONAL_PERSONAS: ReadonlySet<string> = new Set(['chatter', 'asker', 'developer', 'student', 'writer']);

/** Snapshots per key used for fitting (spread evenly over its requests). */
const SNAPSHOTS_PER_KEY = 60;

/** Requests of a key that count: a distiller's first DETECTION_HORIZON, a benign key's all. */
export function countedRequests(trajectory: Trajectory): number {
  return trajectory.key.group === 'distiller' ? Math.min(DETECTION_HORIZON, trajectory.key.requests.length) : trajectory.key.requests.length;
}

/** Whether a key takes part in fitting and in the false-positive budget. */
export function inBudget(trajectory: Trajectory): boolean {
  return trajectory.key.group === 'distiller' || PERSONAL_PERSONAS.has(trajectory.key.kind);
}

/**
 * Training samples. Each key's snapshots weigh 1 in all; within a class each kind (persona or strategy)
 * weighs the same, so forty slow-and-low keys do not outvote one scripted strategy; the classes weigh the same.
 */
export function trainingSamples(replay: Replay): RiskSample[] {
  const detectors = replay.names.length;
  const used = replay.trajectories.filter(inBudget);
  const keysOfKind = new Map<string, number>();
  for (const item of used) keysOfKind.set(item.key.kind, (keysOfKind.get(item.key.kind) ?? 0) + 1);
  const kindsOfGroup = { benign: 0, distiller: 0 };
  for (const kind of keysOfKind.keys()) kindsOfGroup[used.find((item) => item.key.kind === kind)?.key.group ?? 'benign']++;
  return used.flatMap((trajectory) => {
    const count = countedRequests(trajectory);
    const stride = Math.max(1, Math.floor(count / SNAPSHOTS_PER_KEY));
    const rows = Array.from({ length: Math.ceil(count / stride) }, (_, index) => index * stride);
    const weight = 1 / rows.length / (keysOfKind.get(trajectory.key.kind) ?? 1) / kindsOfGroup[trajectory.key.group];
    return rows.map((row) => ({ features: trajectory.scores.subarray(row * detectors, (row + 1) * detectors), label: trajectory.key.group === 'distiller' ? 1 as const : 0 as const, weight }));
  });
}

/** Σ w·x for every counted request of a key (the log-odds without the intercept). */
export function linearScores(trajectory: Trajectory, weights: readonly number[]): Float64Array {
  const detectors = weights.length;
  return Float64Array.from({ length: countedRequests(trajectory) }, (_, row) => {
    let sum = 0;
    for (let index = 0; index < detectors; index++) sum += (weights[index] as number) * (trajectory.scores[row * detectors + index] as number);
    return sum;
  });
}

/** Each key's counted scores, positives weighted so every strategy counts once, benign keys 1 each. */
export function keyTraces(replay: Replay): KeyTrace[] {
  const used = replay.trajectories.filter(inBudget);
  const keysOfKind = new Map<string, number>();
  for (const item of used) keysOfKind.set(item.key.kind, (keysOfKind.get(item.key.kind) ?? 0) + 1);
  return used.map((trajectory) => ({
    scores: trajectory.scores.subarray(0, countedRequests(trajectory) * replay.names.length),
    label: trajectory.key.group === 'distiller' ? 1 : 0,
    weight: trajectory.key.group === 'distiller' ? 1 / (keysOfKind.get(trajectory.key.kind) ?? 1) : 1,
  }));
}

/** Fits the weights on `replay`: logistic regression, then the search for the most keys caught at the budget. */
export function fitWeights(replay: Replay, budget: number): number[] {
  const logistic = fitNonNegativeLogistic(trainingSamples(replay), replay.names.length).weights;
  return searchDetectionWeights(keyTraces(replay), logistic, { budget }).map((weight) => Number(weight.toFixed(3)));
}

/** A model with `weights` whose intercept flags at most `budget` of `replay`'s benign personal keys. */
export function calibratedModel(replay: Replay, weights: readonly number[], budget: number, provenance: string): RiskModel {
  const benignMaxima = replay.trajectories.filter((item) => item.key.group === 'benign' && inBudget(item)).map((item) => Math.max(...linearScores(item, weights)));
  return riskModel(replay.names, weights, Number(calibratedIntercept(benignMaxima, budget).toFixed(3)), provenance);
}

/** One key's outcome under a model: the largest log-odds it reached and the query that first reached 0 (risk 0.5). */
export interface KeyOutcome { trajectory: Trajectory; maxLogOdds: number; detectedAt: number | null }

/** Outcomes of every key under `model`. */
export function outcomes(replay: Replay, model: RiskModel): KeyOutcome[] {
  const weights = replay.names.map((name) => model.weights[name] ?? 0);
  return replay.trajectories.map((trajectory) => {
    const scores = linearScores(trajectory, weights);
    let maxLogOdds = Number.NEGATIVE_INFINITY;
    let detectedAt: number | null = null;
    scores.forEach((score, row) => {
      const logOdds = score + model.intercept;
      maxLogOdds = Math.max(maxLogOdds, logOdds);
      if (detectedAt === null && logOdds >= 0) detectedAt = row + 1;
    });
    return { trajectory, maxLogOdds, detectedAt };
  });
}

/** The largest score a detector gave a key over its counted requests. */
export function detectorMaximum(trajectory: Trajectory, detector: number, detectors: number): number {
  let max = 0;
  for (let row = 0; row < countedRequests(trajectory); row++) max = Math.max(max, trajectory.scores[row * detectors + detector] as number);
  return max;
}
