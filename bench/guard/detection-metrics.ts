/** Detection figures: ROC curves and their area with weighted positives, medians. */

/** A scored positive example and how much it counts (e.g. 1 / keys of its strategy, so each strategy counts once). */
export interface WeightedScore { score: number; weight: number }

/**
 * Area under the ROC curve: the weighted chance that a positive outscores a negative (ties count
 * half); with all weights equal it is the Mann–Whitney U statistic divided by P × N.
 */
export function rocAuc(positives: readonly WeightedScore[], negatives: readonly number[]): number {
  const total = positives.reduce((sum, item) => sum + item.weight, 0);
  if (!(total > 0) || negatives.length === 0) return Number.NaN;
  const sorted = [...negatives].sort((a, b) => a - b);
  let sum = 0;
  for (const { score, weight } of positives) {
    const below = lowerBound(sorted, score);
    const ties = lowerBound(sorted, nextUp(score)) - below;
    sum += weight * (below + ties / 2);
  }
  return sum / (total * negatives.length);
}

/** ROC points (false-positive rate, weighted true-positive rate), one per distinct threshold, from (0,0) to (1,1). */
export function rocCurve(positives: readonly WeightedScore[], negatives: readonly number[]): Array<{ x: number; y: number }> {
  const total = positives.reduce((sum, item) => sum + item.weight, 0);
  const thresholds = [...new Set([...positives.map((item) => item.score), ...negatives])].sort((a, b) => b - a);
  const points = [{ x: 0, y: 0 }];
  for (const threshold of thresholds) {
    const caught = positives.reduce((sum, item) => sum + (item.score >= threshold ? item.weight : 0), 0);
    points.push({ x: negatives.filter((score) => score >= threshold).length / negatives.length, y: caught / total });
  }
  points.push({ x: 1, y: 1 });
  return points;
}

/** Index of the first element ≥ value in an ascending array. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The smallest double above `value` (so lowerBound(next) − lowerBound(value) counts the ties). */
function nextUp(value: number): number {
  if (value === Number.POSITIVE_INFINITY || Number.isNaN(value)) return value;
  const buffer = new DataView(new ArrayBuffer(8));
  buffer.setFloat64(0, value === 0 ? 0 : value);
  const bits = buffer.getBigInt64(0);
  buffer.setBigInt64(0, value >= 0 ? bits + 1n : bits - 1n);
  return value === 0 ? Number.MIN_VALUE : buffer.getFloat64(0);
}

/** The median (NaN for an empty list). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
