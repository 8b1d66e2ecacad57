import { describe, expect, it } from 'vitest';
import { distillationLoss, type DistillationOptions } from '../../train/loss.js';
import { createRandom } from '../../util/random.js';
import { backwardBatch, countParameters, createMlpWeights, createWorkspace, forwardBatch, tensorsOf, zerosLike, type MlpWeights, type MlpWorkspace } from './network.js';

const sizes = [5, 7, 6, 3];
const rows = 4;
const labels = [0, 2, 1, 2];
const teachers: Array<number[] | null> = [[0.6, 0.3, 0.1], null, [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]];
const lossOptions: DistillationOptions = { temperature: 3, alpha: 0.6 };

/** Inputs with some exact zeros, so the sparse paths of the kernels are exercised. */
function inputBatch(): Float32Array {
  const random = createRandom(99);
  return Float32Array.from({ length: rows * (sizes[0] as number) }, (_, index) => (index % 3 === 1 ? 0 : random.next() * 2 - 1));
}

/** Mean loss of the batch; writes ∂loss/∂logits into the workspace when asked. */
function batchLoss(weights: MlpWeights, workspace: MlpWorkspace, dropout: number, writeGradient: boolean): number {
  (workspace.activations[0] as Float32Array).set(inputBatch());
  forwardBatch(weights, workspace, rows, dropout, dropout > 0 ? createRandom(7) : null);
  const labelCount = sizes[sizes.length - 1] as number;
  const logits = workspace.activations[sizes.length - 1] as Float32Array;
  const gradient = workspace.gradients[sizes.length - 1] as Float32Array;
  const scratch = new Float64Array(labelCount);
  let total = 0;
  for (let row = 0; row < rows; row++) {
    total += distillationLoss(Float64Array.from(logits.subarray(row * labelCount, (row + 1) * labelCount)), teachers[row] ?? null, labels[row] as number, lossOptions, scratch).loss;
    if (writeGradient) for (let k = 0; k < labelCount; k++) gradient[row * labelCount + k] = (scratch[k] as number) / rows;
  }
  return total / rows;
}

/** Largest disagreement between backprop and central differences, relative to the gradient's scale. */
function gradientCheck(dropout: number): { worst: number; checked: number } {
  const weights = createMlpWeights(sizes, createRandom(3));
  // Nonzero biases: with zero biases a row whose hidden units all drop out sits exactly on ReLU's kink.
  const random = createRandom(11);
  for (const layer of weights.layers) layer.bias.forEach((_, index) => { layer.bias[index] = random.next() * 0.2 - 0.1; });
  const workspace = createWorkspace(sizes, rows);
  const gradients = zerosLike(weights);
  batchLoss(weights, workspace, dropout, true);
  backwardBatch(weights, workspace, rows, gradients);
  const step = 1e-3;
  let worst = 0;
  let checked = 0;
  tensorsOf(weights).forEach((tensor, tensorIndex) => {
    const analytic = tensorsOf(gradients)[tensorIndex] as Float32Array;
    for (let index = 0; index < tensor.length; index++) {
      const original = tensor[index] as number;
      tensor[index] = original + step;
      const plus = batchLoss(weights, workspace, dropout, false);
      tensor[index] = original - step;
      const minus = batchLoss(weights, workspace, dropout, false);
      tensor[index] = original;
      const numeric = (plus - minus) / (2 * step);
      worst = Math.max(worst, Math.abs(numeric - (analytic[index] as number)) / (1e-3 + Math.abs(numeric)));
      checked++;
    }
  });
  return { worst, checked };
}

describe('MLP backward pass', () => {
  it('matches central finite differences for every weight and bias', () => {
    const { worst, checked } = gradientCheck(0);
    expect(checked).toBe(countParameters(createMlpWeights(sizes, createRandom(3))));
    expect(worst).toBeLessThan(2e-2);
  });

  it('matches finite differences through inverted dropout (same mask for every evaluation)', () => {
    expect(gradientCheck(0.4).worst).toBeLessThan(2e-2);
  });
});

describe('MLP forward pass', () => {
  it('computes ReLU(x·W + b) layers and linear logits', () => {
    const weights = createMlpWeights([2, 2, 1], createRandom(1));
    const [hidden, output] = weights.layers;
    hidden?.weights.set([1, -1, 2, 1]); // input-major: row k holds the weights leaving input k
    hidden?.bias.set([0, -5]);
    output?.weights.set([1, 10]);
    output?.bias.set([0.5]);
    const workspace = createWorkspace([2, 2, 1], 1);
    (workspace.activations[0] as Float32Array).set([1, 2]);
    forwardBatch(weights, workspace, 1, 0, null);
    // hidden = ReLU([1·1 + 2·2, 1·(−1) + 2·1 − 5]) = [5, 0]; logit = 5·1 + 0·10 + 0.5.
    expect(Array.from(workspace.activations[1] as Float32Array)).toEqual([5, 0]);
    expect(Array.from(workspace.activations[2] as Float32Array)).toEqual([5.5]);
  });

  it('drops about the requested share of hidden units while training and none when predicting', () => {
    const wide = [20, 400, 2];
    const weights = createMlpWeights(wide, createRandom(4));
    weights.layers[0]?.bias.fill(10); // every hidden unit active, so only dropout zeroes them
    const workspace = createWorkspace(wide, 8);
    (workspace.activations[0] as Float32Array).fill(0.01);
    const zeros = () => (workspace.activations[1] as Float32Array).filter((value) => value === 0).length / (8 * 400);
    forwardBatch(weights, workspace, 8, 0.5, createRandom(5));
    expect(zeros()).toBeGreaterThan(0.45);
    expect(zeros()).toBeLessThan(0.55);
    forwardBatch(weights, workspace, 8, 0.5, null);
    expect(zeros()).toBe(0);
  });

  it('rejects impossible layer sizes', () => {
    expect(() => createMlpWeights([4], createRandom(1))).toThrow(/layer sizes/);
    expect(() => createMlpWeights([4, 0, 2], createRandom(1))).toThrow(/layer sizes/);
  });
});
