/** Classification metrics over label indices; pure functions on arrays. */

/** Fraction of positions where `a` and `b` agree (0 for empty input). */
export function agreement(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`agreement: lengths differ (${a.length} vs ${b.length})`);
  if (a.length === 0) return 0;
  let same = 0;
  for (let index = 0; index < a.length; index++) if (a[index] === b[index]) same++;
  return same / a.length;
}

/** Rows: reference label, columns: predicted label. */
export function confusionMatrix(reference: readonly number[], predicted: readonly number[], labelCount: number): number[][] {
  const matrix = Array.from({ length: labelCount }, () => new Array<number>(labelCount).fill(0));
  reference.forEach((row, index) => {
    const column = predicted[index];
    if (column !== undefined && matrix[row]) matrix[row][column] = (matrix[row][column] ?? 0) + 1;
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

/** One bin of a reliability diagram. */
export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number;
  accuracy: number;
}

/** Expected calibration error with equal-width bins on the top probability, and the bins themselves. */
export function calibration(confidence: readonly number[], correct: readonly boolean[], binCount = 15): { ece: number; bins: CalibrationBin[] } {
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

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** Latency summary in milliseconds. */
export interface LatencySummary {
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

/** Mean, p50 and p99 of latency samples in ms. */
export function summariseLatency(samples: readonly number[]): LatencySummary {
  const meanMs = samples.length === 0 ? Number.NaN : samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return { meanMs, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), samples: samples.length };
}
