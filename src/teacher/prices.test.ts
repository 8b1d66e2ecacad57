import { describe, expect, it } from 'vitest';
import { costUSD, lookupPrices, resolvePrices } from './prices.js';

describe('lookupPrices', () => {
  it('knows the common OpenAI models', () => {
    expect(lookupPrices('gpt-4o')).toEqual({ inputPer1M: 2.5, outputPer1M: 10 });
    expect(lookupPrices('gpt-5-nano')).toEqual({ inputPer1M: 0.05, outputPer1M: 0.4 });
    expect(lookupPrices('o4-mini')).toEqual({ inputPer1M: 1.1, outputPer1M: 4.4 });
  });

  it('matches dated snapshots by the longest name', () => {
    expect(lookupPrices('gpt-4o-2024-08-06')).toEqual({ inputPer1M: 2.5, outputPer1M: 10 });
    expect(lookupPrices('gpt-4o-mini-2024-07-18')).toEqual({ inputPer1M: 0.15, outputPer1M: 0.6 });
    expect(lookupPrices('gpt-4.1-nano-2025-04-14')).toEqual({ inputPer1M: 0.1, outputPer1M: 0.4 });
    expect(lookupPrices('gpt-3.5-turbo-0125')).toEqual({ inputPer1M: 0.5, outputPer1M: 1.5 });
  });

  it('does not take differently priced variants or strangers for a known model', () => {
    expect(lookupPrices('gpt-4o-audio-preview')).toBeUndefined();
    expect(lookupPrices('o3-pro')).toBeUndefined();
    expect(lookupPrices('llama3.2:3b')).toBeUndefined();
  });

  it('returns a copy the caller cannot use to change the table', () => {
    const prices = lookupPrices('gpt-4o');
    if (prices !== undefined) prices.inputPer1M = 0;
    expect(lookupPrices('gpt-4o')?.inputPer1M).toBe(2.5);
  });
});

describe('resolvePrices', () => {
  it('prefers the override, then the table', () => {
    expect(resolvePrices('gpt-4o', { inputPer1M: 1, outputPer1M: 2 })).toEqual({ prices: { inputPer1M: 1, outputPer1M: 2 }, source: 'override' });
    expect(resolvePrices('gpt-4o-mini', undefined, 'https://api.openai.com/v1').source).toBe('table');
  });

  it('treats an unknown model on a loopback server as free', () => {
    for (const baseURL of ['http://127.0.0.1:11434/v1', 'http://localhost:8080/v1', 'http://[::1]:8000/v1']) {
      expect(resolvePrices('llama3.2:3b', undefined, baseURL)).toEqual({ prices: { inputPer1M: 0, outputPer1M: 0 }, source: 'local-free' });
    }
  });

  it('refuses an unknown remote model without an override, naming budget.prices', () => {
    expect(() => resolvePrices('mystery-model', undefined, 'https://api.example.com/v1')).toThrow(/budget\.prices/);
    expect(() => resolvePrices('mystery-model')).toThrow(/budget\.prices/);
  });
});

describe('costUSD', () => {
  it('charges input and output tokens at their per-million prices', () => {
    expect(costUSD({ inputTokens: 1_000_000, outputTokens: 0 }, { inputPer1M: 2.5, outputPer1M: 10 })).toBeCloseTo(2.5, 12);
    expect(costUSD({ inputTokens: 42, outputTokens: 1 }, { inputPer1M: 0.15, outputPer1M: 0.6 })).toBeCloseTo((42 * 0.15 + 0.6) / 1e6, 15);
  });
});
