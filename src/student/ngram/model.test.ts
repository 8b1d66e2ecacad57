import { describe, expect, it } from 'vitest';
import { distillationLoss } from '../../train/loss.js';
import { createRandom } from '../../util/random.js';
import { adagradStep, compactWeights, createOptimiserState, createStepScratch, createTrainingWeights, forward } from './model.js';

const touched = Uint8Array.from([0, 1, 0, 1, 1, 0, 0, 0]);
const dense = () => createTrainingWeights(8, 4, 3, touched, createRandom(1));

describe('n-gram model', () => {
  it('initialises only touched rows (so the sparse file predicts like the trained model)', () => {
    const weights = dense();
    for (let bucket = 0; bucket < 8; bucket++) {
      const row = Array.from(weights.embeddings.subarray(bucket * 4, bucket * 4 + 4));
      if (touched[bucket] === 1) expect(row.every((value) => value !== 0 && Math.abs(value) <= 0.25)).toBe(true);
      else expect(row).toEqual([0, 0, 0, 0]);
    }
    expect(Array.from(weights.output)).toEqual(new Array(12).fill(0));
  });

  it('embeds as the mean of the rows (an unknown bucket counts as a zero row) plus a linear layer', () => {
    const weights = dense();
    weights.output.set([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]);
    weights.bias.set([0.5, 0, -0.5]);
    const hidden = new Float64Array(4);
    const logits = new Float64Array(3);
    forward(weights, Int32Array.from([1, 3, 6]), hidden, logits);
    const row = (bucket: number, d: number): number => weights.embeddings[bucket * 4 + d] as number;
    const mean = [0, 1, 2, 3].map((d) => (row(1, d) + row(3, d)) / 3);
    Array.from(hidden).forEach((value, d) => expect(value).toBeCloseTo(mean[d] as number, 6));
    expect(logits[0]).toBeCloseTo((mean[0] as number) + 0.5, 6);
    expect(logits[2]).toBeCloseTo((mean[2] as number) + (mean[3] as number) - 0.5, 6);
    const compact = compactWeights(weights, touched);
    const compactLogits = new Float64Array(3);
    forward(compact, Int32Array.from([1, 3, 6]), hidden, compactLogits);
    expect(Array.from(compactLogits)).toEqual(Array.from(logits));
    expect(compact.embeddings).toHaveLength(3 * 4);
  });

  it('lowers the loss of the example it steps on', () => {
    const weights = dense();
    const state = createOptimiserState(weights);
    const ids = Int32Array.from([1, 4, 4]);
    const [hidden, logits, grad] = [new Float64Array(4), new Float64Array(3), new Float64Array(3)];
    const scratch = createStepScratch(4, 3);
    const lossNow = (): number => { forward(weights, ids, hidden, logits); return distillationLoss(logits, [0.2, 0.7, 0.1], 1, { temperature: 2, alpha: 0.5 }, grad).loss; };
    const losses = [lossNow()];
    for (let step = 0; step < 5; step++) {
      adagradStep(weights, state, ids, hidden, grad, scratch, 0.1);
      losses.push(lossNow());
    }
    losses.slice(1).forEach((loss, index) => expect(loss).toBeLessThan(losses[index] as number));
    expect(Array.from(weights.embeddings.subarray(0, 4))).toEqual([0, 0, 0, 0]); // unused rows untouched
  });
});
