/** Classification metrics over label indices; pure functions on arrays. */
import { percentile } from '../util/percentile.js';

export { percentile };

/** Fraction of positions where `a` and `b` agree (0 for empty input): agreement with the teacher, or accuracy against gold. */
export function agreement(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`agreement: lengths differ (${a.length} vs ${b.length})`);
  if (a.length === 0) return 0;
  let same = 0;
  for (let index = 0; index < a.length; index++) if (a[index] === b[index]) same++;
  return same / a.length;
}

/** A two-sided confidence interval for a proportion. */
export interface ProportionInterval {
  lower: number;
  upper: number;
  /** The confidence level, e.g. 0.95. */
  confidence: number;
}

/** The standard normal quantile for a two-sided 95% interval (Φ⁻¹(0.975)). */
const Z_95 = 1.959963984540054;

/**
 * Wilson score interval for `successes` out of `trials` at 95% (Wilson 1927): unlike the normal
 * approximation p ± z·√(p(1−p)/n), it stays inside [0, 1] and is honest at 0/n, n/n and small n.
 * With no trials it is the whole of [0, 1].
 */
export function wilsonInterval(successes: number, trials: number): ProportionInterval {
  if (trials <= 0) return { lower: 0, upper: 1, confidence: 0.95 };
  const p = successes / trials;
  const z2 = Z_95 * Z_95;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const halfWidth = (Z_95 / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { lower: Math.max(0, centre - halfWidth), upper: Math.min(1, centre + halfWidth), confidence: 0.95 };
}

/** Rows: reference label, columns: predicted label. Pairs with an index outside 0..labelCount-1 are not counted. */
export function confusionMatrix(reference: readonly number[], predicted: readonly number[], labelCount: number): number[][] {
  if (reference.length !== predicted.length) throw new Error(`confusionMatrix: lengths differ (${reference.length} vs ${predicted.length})`);
  const matrix = Array.from({ length: labelCount }, () => new Array<number>(labelCount).fill(0));
  const valid = (index: number | undefined): index is number => index !== undefined && Number.isInteger(index) && index >= 0 && index < labelCount;
  reference.forEach((row, index) => {
    const column = predicted[index];
    // A -1 ("no label") must not become an array property that JSON silently drops.
    const cells = matrix[row];
    if (valid(row) && valid(column) && cells) cells[column] = (cells[column] ?? 0) + 1;
  });
  return matrix;
}

/** Precision, recall, F1 and support of one class. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
  predicted: number;
}

/** Per-class scores from a confusion matrix. */
export function classScores(matrix: readonly (readonly number[])[]): ClassScores[] {
  return matrix.map((row, label) => {
    const truePositives = row[label] ?? 0;
    const support = row.reduce((sum, value) => sum + value, 0);
    const predicted = matrix.reduce((sum, other) => sum + (other[label] ?? 0), 0);
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1, support, predicted };
  });
}

/**
 * Macro-F1 over the classes that occur in the reference or the predictions; classes absent from
 * both would add a meaningless 0 (or 1), so they are left out of the average.
 */
export function macroF1(scores: readonly ClassScores[]): number {
  const present = scores.filter((score) => score.support > 0 || score.predicted > 0);
  return present.length === 0 ? 0 : present.reduce((sum, score) => sum + score.f1, 0) / present.length;
}

/** Accuracy and macro-F1 against gold labels. */
export interface GoldScores {
  /** Records that had a gold label (the only ones scored). */
  examples: number;
  accuracy: number;
  /** 95% Wilson interval of the accuracy (absent in reports written before it existed). */
  accuracyInterval?: ProportionInterval;
  macroF1: number;
}

/**
 * Accuracy and macro-F1 of `predicted` against `gold`, over the positions that have a gold label
 * (null = none); undefined when no position has one.
 */
export function scoreAgainstGold(gold: readonly (number | null)[], predicted: readonly number[], labelCount: number): GoldScores | undefined {
  if (gold.length !== predicted.length) throw new Error(`scoreAgainstGold: lengths differ (${gold.length} vs ${predicted.length})`);
  const reference: number[] = [];
  const chosen: number[] = [];
  gold.forEach((label, index) => {
    if (label === null) return;
    reference.push(label);
    chosen.push(predicted[index] ?? -1);
  });
  if (reference.length === 0) return undefined;
  const accuracy = agreement(reference, chosen);
  const correct = reference.filter((label, index) => label === chosen[index]).length;
  return { examples: reference.length, accuracy, accuracyInterval: wilsonInterval(correct, reference.length), macroF1: macroF1(classScores(confusionMatrix(reference, chosen, labelCount))) };
}

/** One bin of a reliability diagram. */
export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/**
 * Expected calibration error with equal-width bins on the top probability, and the bins themselves:
 * ECE = Σ (n_bin / n) · |accuracy_bin − mean confidence_bin|. A confidence of exactly 1 falls in the last bin.
 */
export function calibration(confidence: readonly number[], correct: readonly boolean[], binCount = 15): { ece: number; bins: CalibrationBin[] } {
  if (confidence.length !== correct.length) throw new Error(`calibration: lengths differ (${confidence.length} vs ${correct.length})`);
  const bins: CalibrationBin[] = Array.from({ length: binCount }, (_, index) => ({
    lower: index / binCount, upper: (index + 1) / binCount, count: 0, meanConfidence: 0, accuracy: 0,
  }));
  confidence.forEach((value, index) => {
    const bin = bins[Math.min(binCount - 1, Math.floor(value * binCount))];
    if (!bin) return;
    bin.count++;
    bin.meanConfidence += value;
    bin.accuracy += correct[index] ? 1 : 0;
  });
  let ece = 0;
  for (const bin of bins) {
    if (bin.count === 0) continue;
    bin.meanConfidence /= bin.count;
    bin.accuracy /= bin.count;
    ece += (bin.count / Math.max(1, confidence.length)) * Math.abs(bin.accuracy - bin.meanConfidence);
  }
  return { ece, bins };
}

/** Latency summary in milliseconds. */
export interface LatencySummary {
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  samples: number;
}

/** Mean and nearest-rank p50, p90, p99 of latency samples in ms (NaN for no samples). */
export function summariseLatency(samples: readonly number[]): LatencySummary {
  const meanMs = samples.length === 0 ? Number.NaN : samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return { meanMs, p50Ms: percentile(samples, 50), p90Ms: percentile(samples, 90), p99Ms: percentile(samples, 99), samples: samples.length };
}

/** USD per 1,000 calls from the recorded cost of each call (0 for no calls). */
export function costPer1kCalls(costsUSD: readonly number[]): number {
  if (costsUSD.length === 0) return 0;
  return (costsUSD.reduce((sum, value) => sum + value, 0) / costsUSD.length) * 1000;
}

/** USD per 1,000 calls of a CPU-bound model: mean CPU milliseconds per call priced per vCPU-hour. */
export function cpuCostPer1kCalls(meanMsPerCall: number, cpuHourUSD: number): number {
  return (meanMsPerCall / 3_600_000) * cpuHourUSD * 1000;
}
