import { describe, expect, it } from 'vitest';
import { adamWStep, clipGradients, createAdamWState, learningRateAt, type AdamWSettings } from './adamw.js';

const settings: AdamWSettings = { learningRate: 0.1, minimumLearningRateFraction: 0.1, warmupSteps: 10, totalSteps: 110, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.5, gradientClip: 1 };

describe('AdamW, schedule and clipping', () => {
  it('warms up linearly, then decays by a cosine to the minimum', () => {
    expect(learningRateAt(5, settings)).toBeCloseTo(0.05);
    expect(learningRateAt(10, settings)).toBeCloseTo(0.1);
    expect(learningRateAt(60, settings)).toBeCloseTo(0.01 + 0.5 * 0.09);
    expect(learningRateAt(110, settings)).toBeCloseTo(0.01);
  });

  it('clips the global norm and reports the norm before clipping', () => {
    const gradients = [Float32Array.from([3, 0]), Float32Array.from([4])];
    expect(clipGradients(gradients, 1)).toBeCloseTo(5);
    expect(Array.from(gradients[0] as Float32Array).map((value) => Number(value.toFixed(5)))).toEqual([0.6, 0]);
    expect(gradients[1]?.[0]).toBeCloseTo(0.8);
  });

  it('takes a bias-corrected first step of the learning rate, and decays only tensors marked for it', () => {
    const decayed = Float32Array.from([1]);
    const kept = Float32Array.from([1]);
    const state = createAdamWState([decayed, kept], [true, false]);
    adamWStep([decayed, kept], [Float32Array.from([2]), Float32Array.from([2])], state, settings, 0.1);
    expect(kept[0]).toBeCloseTo(1 - 0.1, 5);
    expect(decayed[0]).toBeCloseTo(1 * (1 - 0.1 * 0.5) - 0.1, 5);
  });
});
