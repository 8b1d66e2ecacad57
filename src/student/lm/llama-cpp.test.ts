/**
 * E2E (DISTILLERY_E2E=1): the GGUF export run by llama.cpp through node-llama-cpp — it tokenises
 * like the student, generates the same greedy answer, and gives the same next-token probabilities.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { languageModelConfig } from './config.js';
import { exportGguf } from './gguf.js';
import { transformerStepModel } from './inference.js';
import { encodeExamples, promptTokens } from './sequences.js';
import { colourExamples } from './synthetic-text.js';
import { trainTokenizer } from './tokenizer.js';
import { DEFAULT_TRAINING, trainLanguageModel } from './training.js';
import { importOptional, type LlamaModule, type LlamaSequence } from './optional-modules.js';
import { initialWeights } from './weights.js';

const E2E = process.env.DISTILLERY_E2E === '1';

describe.skipIf(!E2E)('GGUF export in llama.cpp (node-llama-cpp)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'distillery-gguf-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const examples = colourExamples(4);
  const tokenizer = trainTokenizer(examples.flatMap((example) => [example.prompt, example.answer]), 300);
  const config = languageModelConfig({ vocabularySize: tokenizer.vocabularySize, width: 32, layers: 2, heads: 4, keyValueHeads: 2, hiddenWidth: 64, context: 48 });
  const weights = initialWeights(config, 3);
  trainLanguageModel(weights, encodeExamples(tokenizer, examples, 48, 'training'), encodeExamples(tokenizer, colourExamples(1), 48, 'validation'), { ...DEFAULT_TRAINING, steps: 150, batchSize: 12, learningRate: 1e-2, warmupSteps: 10, evaluateEvery: 25, patience: 100 });
  for (const half of [false, true]) {
    const path = join(directory, `student-${half ? 'f16' : 'f32'}.gguf`);
    writeFileSync(path, exportGguf(weights, tokenizer, { half }));

    it(`tokenises, generates greedily and scores next tokens like the student (${half ? 'float16' : 'float32'} export)`, async () => {
      const { getLlama } = await importOptional<LlamaModule>('node-llama-cpp');
      const llama = await getLlama({ gpu: false, build: 'never' });
      const model = await llama.loadModel({ modelPath: path });
      const context = await model.createContext({ contextSize: 48 });
      const sequence = context.getSequence();
      const prompt = 'colour: blue';
      expect(model.tokenize(`${prompt} {"x": 1}`)).toEqual(tokenizer.encode(`${prompt} {"x": 1}`));
      const step = transformerStepModel(weights);
      const cache = step.newCache();
      const input = promptTokens(tokenizer, prompt);
      let ours: Float32Array = new Float32Array(0);
      input.forEach((token, position) => { ours = step.forwardStep(token, position, cache); });
      const generated: number[] = [];
      let next = input;
      let worst = 0;
      for (let index = 0; index < 40; index++) {
        const results = await sequence.controlledEvaluate(next.map((token, at): Parameters<LlamaSequence['controlledEvaluate']>[0][number] => (at === next.length - 1 ? [token, { generateNext: { probabilities: true, token: true, options: { temperature: 0 } } }] : token)));
        const result = results[next.length - 1];
        const probabilities = result?.next?.probabilities as Map<number, number>;
        const max = Math.max(...ours);
        const sum = ours.reduce((total, value) => total + Math.exp(value - max), 0);
        for (const [token, probability] of [...probabilities.entries()].slice(0, 5)) worst = Math.max(worst, Math.abs(probability - Math.exp((ours[token] as number) - max) / sum));
        const token = result?.next?.token as number;
        if (token === tokenizer.endToken) break;
        generated.push(token);
        ours = step.forwardStep(token, input.length + generated.length - 1, cache);
        next = [token];
      }
      expect(tokenizer.decode(generated)).toBe(examples[2]?.answer);
      // float16 weights move probabilities by rounding; float32 agrees to llama.cpp's own float error.
      expect(worst).toBeLessThan(half ? 2e-2 : 1e-3);
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    }, 120_000);
  }
});
