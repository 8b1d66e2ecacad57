/**
 * Temperature scaling (Guo et al. 2017): one scalar T > 0 that divides a trained model's logits so
 * its probabilities match how often it is right. Argmax is unchanged, so agreement is too; only the
 * confidence a router or a user reads moves.
 */
import { softmaxWithTemperature } from './loss.js';

/** Search range of T: wide enough for any model seen so far, narrow enough to stay finite. */
const LOWEST = 0.05;
const HIGHEST = 20;
const STEPS = 60;

/** Mean negative log-likelihood of `labels` under softmax(logits / T); logits are rows of `labelCount`. */
export function temperatureNll(logits: Float64Array, labels: ArrayLike<number>, labelCount: number, temperature: number): number {
  const rows = labels.length;
  const probabilities = new Float64Array(labelCount);
  let total = 0;
  for (let row = 0; row < rows; row++) {
    const slice = logits.subarray(row * labelCount, (row + 1) * labelCount);
    softmaxWithTemperature(slice, temperature, probabilities);
    total -= Math.log(Math.max(probabilities[labels[row] as number] as number, 1e-12));
  }
  return rows === 0 ? 0 : total / rows;
}

/**
 * The T minimising the NLL of the hard labels (golden-section search over log T, where the NLL is
 * unimodal); 1 when there is nothing to fit on.
 */
export function fitTemperature(logits: Float64Array, labels: ArrayLike<number>, labelCount: number): number {
  if (labels.length === 0) return 1;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(LOWEST);
  let high = Math.log(HIGHEST);
  const nll = (logTemperature: number): number => temperatureNll(logits, labels, labelCount, Math.exp(logTemperature));
  let left = high - ratio * (high - low);
  let right = low + ratio * (high - low);
  let leftValue = nll(left);
  let rightValue = nll(right);
  for (let step = 0; step < STEPS; step++) {
    if (leftValue <= rightValue) {
      high = right; right = left; rightValue = leftValue;
      left = high - ratio * (high - low); leftValue = nll(left);
    } else {
      low = left; left = right; leftValue = rightValue;
      right = low + ratio * (high - low); rightValue = nll(right);
    }
  }
  const fitted = Math.exp((low + high) / 2);
  // Keep T = 1 unless scaling actually helps, so a calibrated model is left alone.
  return nll(Math.log(fitted)) < nll(0) ? fitted : 1;
}
