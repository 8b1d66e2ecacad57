import { describe, expect, it } from 'vitest';
import { adamSettings, adamStep, createAdamState } from './adam.js';

describe('Adam', () => {
  it('takes a first step of the learning rate against the gradient’s sign, whatever its scale', () => {
    const parameters = [Float32Array.from([1, 1, 1])];
    const state = createAdamState(parameters);
    adamStep(parameters, [Float32Array.from([1e-3, -50, 0])], state, adamSettings(0.1));
    expect(parameters[0]?.[0]).toBeCloseTo(0.9, 5);
    expect(parameters[0]?.[1]).toBeCloseTo(1.1, 5);
    expect(parameters[0]?.[2]).toBe(1);
    expect(state.steps).toBe(1);
  });

  it('matches the paper’s update over several steps (reference computed in float64)', () => {
    const gradients = [0.5, -0.2, 0.3, 0.1];
    const settings = adamSettings(0.01);
    let m = 0;
    let v = 0;
    let x = 2;
    gradients.forEach((g, step) => {
      m = settings.beta1 * m + (1 - settings.beta1) * g;
      v = settings.beta2 * v + (1 - settings.beta2) * g * g;
      const mHat = m / (1 - settings.beta1 ** (step + 1));
      const vHat = v / (1 - settings.beta2 ** (step + 1));
      x -= (settings.learningRate * mHat) / (Math.sqrt(vHat) + settings.epsilon);
    });
    const parameters = [Float32Array.from([2])];
    const state = createAdamState(parameters);
    for (const g of gradients) adamStep(parameters, [Float32Array.from([g])], state, settings);
    expect(parameters[0]?.[0]).toBeCloseTo(x, 5);
  });

  it('minimises a quadratic', () => {
    const parameters = [Float32Array.from([3, -4])];
    const state = createAdamState(parameters);
    for (let step = 0; step < 2000; step++) {
      const [a = 0, b = 0] = parameters[0] ?? [];
      adamStep(parameters, [Float32Array.from([2 * (a - 1), 2 * (b + 2)])], state, adamSettings(0.05));
    }
    expect(parameters[0]?.[0]).toBeCloseTo(1, 2);
    expect(parameters[0]?.[1]).toBeCloseTo(-2, 2);
  });
});
