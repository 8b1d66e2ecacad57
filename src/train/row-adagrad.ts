/**
 * Row-wise Adagrad: one accumulator per weight row (per embedding bucket, per output label) instead
 * of per weight, so the state is tiny (buckets floats) while the step still adapts per row.
 *
 * Why not fastText's plain SGD: the embedding bag averages n feature rows, so each row's gradient is
 * scaled by 1/n; with char n-grams n is in the thousands per snippet and SGD at a fixed rate barely
 * moves. Adagrad divides by the root of the accumulated squared gradient, which cancels that scale:
 * on small sets (a few hundred examples) it converged in 1–3 epochs where SGD needed 10–20 or stalled.
 */

/** Added under the square root so a row with no history takes a finite first step. */
const EPSILON = 1e-8;

/** Accumulated mean squared gradient per row. */
export type RowAccumulators = Float32Array;

/** Fresh accumulators for `rows` rows. */
export function createRowAccumulators(rows: number): RowAccumulators {
  return new Float32Array(rows);
}

/** Adds a row's mean squared gradient to its accumulator and returns the row's step size. */
export function rowStepSize(accumulators: RowAccumulators, row: number, meanSquaredGradient: number, learningRate: number): number {
  const total = (accumulators[row] as number) + meanSquaredGradient;
  accumulators[row] = total;
  return learningRate / Math.sqrt(total + EPSILON);
}
