import { describe, expect, it } from 'vitest';
import { calibration } from '../eval/metrics.js';
import { createRandom } from '../util/random.js';
import { fitTemperature, temperatureNll } from './calibration.js';
import { softmaxWithTemperature } from './loss.js';

/** Rows whose labels are drawn from softmax(z) but whose logits are 4·z: a deliberately overconfident model. */
function overconfident(rows: number, labelCount: number, seed: number): { logits: Float64Array; labels: Int32Array } {
  const random = createRandom(seed);
  const logits = new Float64Array(rows * labelCount);
  const labels = new Int32Array(rows);
  const probabilities = new Float64Array(labelCount);
  for (let row = 0; row < rows; row++) {
    const slice = logits.subarray(row * labelCount, (row + 1) * labelCount);
    for (let k = 0; k < labelCount; k++) slice[k] = (random.next() * 2 - 1) * 2;
    softmaxWithTemperature(slice, 1, probabilities);
    let draw = random.next();
    let label = 0;
    while (label < labelCount - 1 && draw >= (probabilities[label] as number)) draw -= probabilities[label++] as number;
    labels[row] = label;
    for (let k = 0; k < labelCount; k++) slice[k] = (slice[k] as number) * 4;
  }
  return { logits, labels };
}

/** ECE of the argmax confidence at temperature T. */
function ece(logits: Float64Array, labels: Int32Array, labelCount: number, temperature: number): number {
  const confidence: number[] = [];
  const correct: boolean[] = [];
  const probabilities = new Float64Array(labelCount);
  for (let row = 0; row < labels.length; row++) {
    softmaxWithTemperature(logits.subarray(row * labelCount, (row + 1) * labelCount), temperature, probabilities);
    let best = 0;
    for (let k = 1; k < labelCount; k++) if ((probabilities[k] as number) > (probabilities[best] as number)) best = k;
    confidence.push(probabilities[best] as number);
    correct.push(best === labels[row]);
  }
  return calibration(confidence, correct).ece;
}

describe('temperature scaling', () => {
  it('finds T near the overconfidence factor and lowers ECE on held-out rows', () => {
    const fitted = overconfident(3000, 4, 1);
    const held = overconfident(3000, 4, 2);
    const temperature = fitTemperature(fitted.logits, fitted.labels, 4);
    expect(temperature).toBeGreaterThan(3);
    expect(temperature).toBeLessThan(5.5);
    expect(ece(held.logits, held.labels, 4, temperature)).toBeLessThan(ece(held.logits, held.labels, 4, 1) / 3);
    expect(temperatureNll(held.logits, held.labels, 4, temperature)).toBeLessThan(temperatureNll(held.logits, held.labels, 4, 1));
  });

  it('leaves T at 1 with nothing to fit on', () => {
    expect(fitTemperature(new Float64Array(0), new Int32Array(0), 3)).toBe(1);
  });
});
