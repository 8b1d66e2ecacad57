/** The decoder on toy step models (no transformer): stopping, streaming, sampling, logprobs and the processor hook. */
import { describe, expect, it } from 'vitest';
import { decode, decodeSteps, type DecodeOptions } from './decoder.js';
import { ContextLengthError } from './errors.js';
import type { StepModel } from './step-model.js';
import { bpeTokenizer } from './tokenizer.js';

const tokenizer = bpeTokenizer({ kind: 'bpe', merges: [] });
const bytesOf = (text: string): number[] => Array.from(new TextEncoder().encode(text));

/** Predicts the next byte up (strongly), ending after `last`; every other token gets a small, fixed logit. */
function countingModel(last = 0x7a, context = 1000): StepModel<null> {
  const logits = new Float32Array(tokenizer.vocabularySize);
  return {
    vocabularySize: tokenizer.vocabularySize, context, newCache: () => null,
    forwardStep(token) {
      for (let index = 0; index < logits.length; index++) logits[index] = ((index * 7919) % 13) / 13;
      logits[token >= last ? tokenizer.endToken : token + 1] = 6;
      return logits;
    },
  };
}

const run = (prompt: string, options: DecodeOptions, model = countingModel()) => decode(model, tokenizer, bytesOf(prompt), options);

describe('decoder', () => {
  it('decodes greedily to max tokens, or to the end token', () => {
    expect(run('a', { maxTokens: 4 })).toMatchObject({ text: 'bcde', finishReason: 'length' });
    expect(run('a', { maxTokens: 40 }, countingModel(0x65))).toMatchObject({ text: 'bcde', finishReason: 'stop' });
    expect(run('a', { maxTokens: 4 }).tokens).toEqual(bytesOf('bcde'));
  });

  it('stops at a stop sequence and never streams any part of it', () => {
    expect(run('a', { maxTokens: 20, stop: ['xyz', 'ef'] })).toMatchObject({ text: 'bcd', finishReason: 'stop' });
    const steps = decodeSteps(countingModel(), tokenizer, bytesOf('a'), { maxTokens: 20, stop: ['ef'] });
    const chunks: string[] = [];
    for (let next = steps.next(); next.done !== true; next = steps.next()) chunks.push(next.value.text);
    expect(chunks.join('')).toBe('bcd');
    expect(chunks.some((chunk) => chunk.includes('e'))).toBe(false);
  });

  it('reports logprobs and sorted top alternatives that form a distribution', () => {
    const { logprobs } = run('a', { maxTokens: 2, topLogprobs: 5 });
    const first = logprobs[0];
    expect(first?.text).toBe('b');
    expect(first?.topLogprobs.length).toBe(5);
    expect(first?.topLogprobs[0]?.token).toBe(0x62);
    const values = first?.topLogprobs.map((alternative) => alternative.logprob) ?? [];
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    expect(first?.logprob).toBeCloseTo(values[0] ?? 0, 10);
    expect(first?.logprob).toBeLessThan(0);
  });

  it('lets a logits processor change what is sampled', () => {
    const banC = (logits: Float32Array): void => { logits[0x63] = -Infinity; };
    const text = run('a', { maxTokens: 2, logitsProcessor: banC }).text;
    expect(text[0]).toBe('b');
    expect(text[1]).not.toBe('c');
  });

  it('samples reproducibly for a seed; top-k 1 and a tiny top-p are greedy', () => {
    const hot = { maxTokens: 30, temperature: 8 };
    const seeded = run('a', { ...hot, seed: 1 }).text;
    expect(run('a', { ...hot, seed: 1 }).text).toBe(seeded);
    expect(run('a', { ...hot, seed: 2 }).text).not.toBe(seeded);
    expect(seeded).not.toBe(run('a', { maxTokens: 30 }).text);
    expect(run('a', { ...hot, seed: 1, topK: 1 }).text).toBe(run('a', { maxTokens: 30 }).text);
    expect(run('a', { ...hot, seed: 1, topP: 1e-6 }).text).toBe(run('a', { maxTokens: 30 }).text);
  });

  it('stops at the model\'s context, and refuses a prompt that fills it', () => {
    expect(run('a', { maxTokens: 100 }, countingModel(0x7a, 4))).toMatchObject({ text: 'bcd', finishReason: 'length' });
    expect(() => run('abcd', {}, countingModel(0x7a, 4))).toThrow(ContextLengthError);
  });

  it('holds back a split multi-byte character until it is whole', () => {
    const euro = bytesOf('€');
    let step = 0;
    const logits = new Float32Array(tokenizer.vocabularySize);
    const model: StepModel<null> = { vocabularySize: tokenizer.vocabularySize, context: 100, newCache: () => null, forwardStep: () => { logits.fill(0); logits[euro[step++] ?? tokenizer.endToken] = 9; return logits; } };
    const steps = decodeSteps(model, tokenizer, [1], { maxTokens: 10 });
    const chunks: string[] = [];
    let next = steps.next();
    for (; next.done !== true; next = steps.next()) chunks.push(next.value.text);
    expect(chunks).toEqual(['', '', '€']);
    expect(next.value.text).toBe('€');
  });
});
