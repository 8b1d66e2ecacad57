/**
 * The KV-cache step model against the batch training pass: the same weights must give the same
 * logits at every position, one token at a time (the golden weights, so both are pinned to PyTorch).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { languageModelConfig } from './config.js';
import { ContextLengthError } from './errors.js';
import { transformerStepModel } from './inference.js';
import { createWorkspace, forward } from './transformer.js';
import { namedTensors, zeroWeights } from './weights.js';

const golden = JSON.parse(readFileSync(new URL('./__golden__/tiny-model.json', import.meta.url), 'utf8')) as { config: Record<string, number>; batch: number; length: number; tokens: number[]; weights: Record<string, number[]>; logits: number[] };
const config = languageModelConfig(golden.config);
const weights = zeroWeights(config);
for (const [name, tensor] of namedTensors(weights)) tensor.set(golden.weights[name] as number[]);

describe('KV-cache inference', () => {
  it('gives the training pass\'s (and PyTorch\'s) logits at every position, on the WebAssembly and the plain kernels', () => {
    for (const wasm of [true, false]) checkModel(transformerStepModel(weights, { wasm }));
    const workspace = createWorkspace(config, golden.batch, golden.length);
    const batchLogits = forward(weights, Int32Array.from(golden.tokens), workspace);
    expect(Math.max(...Array.from(batchLogits, (value, index) => Math.abs(value - (golden.logits[index] as number))))).toBeLessThan(2e-5);
  });

  function checkModel(model: ReturnType<typeof transformerStepModel>): void {
    for (let sequence = 0; sequence < golden.batch; sequence++) {
      const cache = model.newCache();
      for (let position = 0; position < golden.length; position++) {
        const row = sequence * golden.length + position;
        const logits = model.forwardStep(golden.tokens[row] as number, position, cache);
        const expected = golden.logits.slice(row * config.vocabularySize, (row + 1) * config.vocabularySize);
        expect(Math.max(...Array.from(logits, (value, index) => Math.abs(value - (expected[index] as number))))).toBeLessThan(2e-5);
      }
    }
  }

  it('refuses a position past the context', () => {
    const model = transformerStepModel(weights);
    const cache = model.newCache();
    for (let position = 0; position < config.context; position++) model.forwardStep(1, position, cache);
    expect(() => model.forwardStep(1, config.context, cache)).toThrow(ContextLengthError);
  });
});
