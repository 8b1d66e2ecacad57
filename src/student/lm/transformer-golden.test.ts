/**
 * Golden test (llm.c style): a tiny fixed model's logits, loss (cross-entropy with a loss mask,
 * mixed with token-level KD on some rows) and every gradient, against values computed once by an
 * independent PyTorch implementation (__golden__/make-golden.py; this test reads only its JSON).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TeacherTopLogprobs } from '../../train/token-kd.js';
import { languageModelConfig } from './config.js';
import { maskedLossAndGradient } from './loss.js';
import { backward, createWorkspace, forward, setWorkspaceLength } from './transformer.js';
import { namedTensors, zeroWeights, type LanguageModelWeights } from './weights.js';

interface Golden {
  config: Record<string, number>; batch: number; length: number; alpha: number;
  tokens: number[]; targets: number[]; mask: number[];
  teacher: Array<{ row: number; tokens: number[]; logprobs: number[] }>;
  weights: Record<string, number[]>; logits: number[]; loss: number; crossEntropyOnly: number; gradients: Record<string, number[]>;
}

const golden = JSON.parse(readFileSync(new URL('./__golden__/tiny-model.json', import.meta.url), 'utf8')) as Golden;
const config = languageModelConfig(golden.config);

function goldenWeights(): LanguageModelWeights {
  const weights = zeroWeights(config);
  for (const [name, tensor] of namedTensors(weights)) tensor.set(golden.weights[name] as number[]);
  return weights;
}

/** Largest absolute difference ("TENSOR OK, maxdiff" in llm.c). */
function maxDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let index = 0; index < actual.length; index++) worst = Math.max(worst, Math.abs((actual[index] as number) - (expected[index] as number)));
  return worst;
}

/** Runs the golden batch; `capacity` > length checks a workspace made for longer sequences and shortened. */
function run(withTeacher: boolean, capacity = golden.length): { logits: Float32Array; loss: number; gradients: LanguageModelWeights } {
  const weights = goldenWeights();
  const workspace = createWorkspace(config, golden.batch, capacity);
  setWorkspaceLength(workspace, golden.length);
  const logits = forward(weights, Int32Array.from(golden.tokens), workspace);
  const logitsCopy = logits.slice(0, workspace.rows * config.vocabularySize);
  const teacher: Array<TeacherTopLogprobs | undefined> = golden.targets.map(() => undefined);
  if (withTeacher) for (const entry of golden.teacher) teacher[entry.row] = { tokens: entry.tokens, logprobs: entry.logprobs };
  const loss = maskedLossAndGradient(logits, workspace.rows, config.vocabularySize, { targets: Int32Array.from(golden.targets), mask: Float32Array.from(golden.mask), teacher, distillationWeight: golden.alpha });
  const gradients = zeroWeights(config);
  backward(weights, workspace, logits, gradients);
  return { logits: logitsCopy, loss, gradients };
}

describe('transformer against PyTorch (tiny config, grouped-query attention)', () => {
  const result = run(true);

  it('matches the logits', () => {
    expect(maxDifference(result.logits, golden.logits)).toBeLessThan(2e-5);
  });

  it('matches the masked loss mixed with token-level KD, and plain masked cross-entropy', () => {
    expect(result.loss).toBeCloseTo(golden.loss, 5);
    expect(run(false).loss).toBeCloseTo(golden.crossEntropyOnly, 5);
  });

  it('matches every gradient, also from a workspace made for longer sequences', () => {
    const shortened = run(true, golden.length + 5);
    expect(maxDifference(shortened.logits, golden.logits)).toBeLessThan(2e-5);
    for (const [name, tensor] of [...namedTensors(result.gradients), ...namedTensors(shortened.gradients)]) {
      const expected = golden.gradients[name] as number[];
      const scale = Math.max(1e-3, ...expected.map(Math.abs));
      expect(maxDifference(tensor, expected) / scale, name).toBeLessThan(1e-4);
    }
  });
});
