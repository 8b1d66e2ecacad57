import { describe, expect, it } from 'vitest';
import { distillationLoss } from '../../train/loss.js';
import { createRandom } from '../../util/random.js';
import { adagradStep, adagradStepBag, compactWeights, computeLogits, createOptimiserState, createStepScratch, createTrainingWeights, embedMean, embedMeanBag, forward, packRows, unpackRows, type NgramWeights } from './model.js';

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

  it('packed rows (by use, zero row last) train and compact to exactly the bucket-indexed weights', () => {
    for (const dim of [4, 16]) {
      const touchedHere = Uint8Array.from([0, 1, 0, 1, 1, 0, 0, 0]);
      const plain = createTrainingWeights(8, dim, 3, touchedHere, createRandom(3));
      const packed = packRows(plain, touchedHere, Int32Array.from([0, 2, 0, 9, 5, 0, 0, 0]));
      expect(Array.from(packed.bucketOfRow)).toEqual([3, 4, 1]);
      expect(packed.rowOfBucket[6]).toBe(3); // the zero row
      const step = (weights: NgramWeights, ids: Int32Array) => {
        const hidden = new Float64Array(dim), logits = new Float64Array(3), grad = new Float64Array(3);
        const state = createOptimiserState(weights), scratch = createStepScratch(dim, 3);
        for (let round = 0; round < 3; round++) {
          forward(weights, ids, hidden, logits);
          distillationLoss(logits, null, round % 3, { temperature: 1, alpha: 0 }, grad);
          adagradStep(weights, state, ids, hidden, grad, scratch, 0.1);
        }
      };
      const bucketIds = Int32Array.from([1, 4, 4, 3]);
      step(plain, bucketIds);
      step(packed.weights, bucketIds.map((bucket) => packed.rowOfBucket[bucket] as number));
      const fromPacked = unpackRows(packed.weights, packed.bucketOfRow, 8);
      const fromPlain = compactWeights(plain, touchedHere);
      expect(Array.from(fromPacked.embeddings)).toEqual(Array.from(fromPlain.embeddings));
      expect(Array.from(fromPacked.rowOf ?? [])).toEqual(Array.from(fromPlain.rowOf ?? []));
      expect(Array.from(fromPacked.output)).toEqual(Array.from(fromPlain.output));
    }
  });

  it('the distinct-ids-with-counts step (Hogwild) matches the plain step up to float32 rounding', () => {
    for (const dim of [4, 16]) {
      const touchedHere = Uint8Array.from([0, 1, 0, 1, 1, 0, 0, 0]);
      const plain = createTrainingWeights(8, dim, 3, touchedHere, createRandom(5));
      const bag = createTrainingWeights(8, dim, 3, touchedHere, createRandom(5));
      const [plainState, bagState] = [createOptimiserState(plain), createOptimiserState(bag)];
      const ids = Int32Array.from([4, 1, 4, 3, 4, 1]);
      const unique = Int32Array.from([4, 1, 3]), counts = Int32Array.from([3, 2, 1]);
      const buffers = () => ({ hidden: new Float64Array(dim), logits: new Float64Array(3), grad: new Float64Array(3), scratch: createStepScratch(dim, 3) });
      const a = buffers(), b = buffers();
      for (let round = 0; round < 4; round++) {
        forward(plain, ids, a.hidden, a.logits);
        embedMeanBag(bag, unique, counts, ids.length, b.hidden);
        computeLogits(bag, b.hidden, b.logits);
        Array.from(b.logits).forEach((value, k) => expect(value).toBeCloseTo(a.logits[k] as number, 6));
        distillationLoss(a.logits, [0.2, 0.5, 0.3], round % 3, { temperature: 2, alpha: 0.5 }, a.grad);
        distillationLoss(b.logits, [0.2, 0.5, 0.3], round % 3, { temperature: 2, alpha: 0.5 }, b.grad);
        adagradStep(plain, plainState, ids, a.hidden, a.grad, a.scratch, 0.5);
        adagradStepBag(bag, bagState, unique, counts, ids.length, b.hidden, b.grad, b.scratch, 0.5);
      }
      Array.from(bag.embeddings).forEach((value, index) => expect(value).toBeCloseTo(plain.embeddings[index] as number, 5));
      Array.from(bagState.embedding).forEach((value, index) => expect(value).toBeCloseTo(plainState.embedding[index] as number, 7));
      const hidden = new Float64Array(dim);
      embedMean(plain, ids, hidden);
      expect(Math.max(...Array.from(hidden, Math.abs))).toBeGreaterThan(0);
    }
  });
});
