/**
 * Finite-difference gradient check of the whole model (independent of the PyTorch golden values):
 * central differences on sampled parameters of every tensor, against the analytic backward pass.
 */
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../util/random.js';
import { languageModelConfig } from './config.js';
import { maskedLossAndGradient } from './loss.js';
import { backward, createWorkspace, forward } from './transformer.js';
import { initialWeights, namedTensors, zeroWeights } from './weights.js';

const config = languageModelConfig({ vocabularySize: 23, width: 8, layers: 2, heads: 2, keyValueHeads: 1, hiddenWidth: 12, context: 16 });
const batch = 2;
const length = 9; // ≥ 8 rows per head, so attention runs on the SIMD kernel too
const random = createRandom(7);
const tokens = Int32Array.from({ length: batch * length }, () => random.nextInt(config.vocabularySize));
const targets = Int32Array.from({ length: batch * length }, () => random.nextInt(config.vocabularySize));
const mask = Float32Array.from({ length: batch * length }, (_, row) => (row % length >= 1 ? 1 : 0));
const teacher = Array.from({ length: batch * length }, (_, row) => (row % 2 === 0 ? { tokens: [1, 4, 9], logprobs: [-0.5, -1.5, -2.5] } : undefined));

const weights = initialWeights(config, 5);
// Larger than the training initialisation so every path carries a visible gradient.
for (const [name, tensor] of namedTensors(weights)) if (!name.endsWith('Norm')) for (let index = 0; index < tensor.length; index++) tensor[index] = (tensor[index] as number) * 20;
const workspace = createWorkspace(config, batch, length);

function loss(): number {
  const logits = forward(weights, tokens, workspace);
  return maskedLossAndGradient(logits, workspace.rows, config.vocabularySize, { targets, mask, teacher, distillationWeight: 0.4 });
}

describe('finite-difference gradient check', () => {
  it('matches the analytic gradient of every tensor (KD mixed in)', () => {
    loss();
    const gradients = zeroWeights(config);
    backward(weights, workspace, workspace.logits, gradients);
    const analytic = namedTensors(gradients);
    const step = 1e-2;
    for (const [index, [name, tensor]] of namedTensors(weights).entries()) {
      const gradient = (analytic[index] as [string, Float32Array])[1];
      for (let sample = 0; sample < 4; sample++) {
        const at = random.nextInt(tensor.length);
        const saved = tensor[at] as number;
        tensor[at] = saved + step;
        const plus = loss();
        tensor[at] = saved - step;
        const minus = loss();
        tensor[at] = saved;
        const numeric = (plus - minus) / (2 * step);
        expect(Math.abs(numeric - (gradient[at] as number)), `${name}[${at}]`).toBeLessThan(2e-3 + 0.02 * Math.abs(numeric));
      }
    }
  });
});
