/**
 * E2E (DISTILLERY_E2E=1; tens of seconds): the student generalises, not only memorises. Trained on
 * 600 random letter strings and their reversals, it reverses strings it never saw, greedily.
 */
import { describe, expect, it } from 'vitest';
import { trainLanguageModelStudent } from './lm-student.js';
import { reversalExamples } from './synthetic-text.js';

describe.skipIf(process.env.DISTILLERY_E2E !== '1')('language-model student generalises', () => {
  it('reverses unseen strings after training on others', () => {
    const train = reversalExamples(600, 1);
    const seen = new Set(train.map((example) => example.prompt));
    const held = reversalExamples(200, 99).filter((example) => !seen.has(example.prompt)).slice(0, 50);
    const { student } = trainLanguageModelStudent(train, reversalExamples(40, 2), {
      vocabularySize: 280, config: { width: 48, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 96, context: 32 },
      training: { steps: 500, batchSize: 16, learningRate: 3e-3, warmupSteps: 20, evaluateEvery: 50, patience: 4 },
    });
    const correct = held.filter((example) => student.generate(example.prompt, { maxTokens: 12 }).text === example.answer).length;
    expect(correct / held.length).toBeGreaterThanOrEqual(0.9);
  }, 300_000);
});
