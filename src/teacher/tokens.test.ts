import { describe, expect, it } from 'vitest';
import { countTextTokens, estimateInputTokens, requestKey } from './tokens.js';
import type { Teacher } from './types.js';

/** A minimal Teacher: only identity and parameters matter for request keys. */
function teacher(parameters: Record<string, unknown>, model = 'gpt-4o-mini'): Teacher {
  return { specificationVersion: 'v2', provider: 'openai-compatible', modelId: model, requestParameters: parameters, complete: () => Promise.reject(new Error('not called')) };
}

describe('estimateInputTokens', () => {
  it('counts content with o200k plus 3 tokens per message, its role, and 3 for the reply', () => {
    const messages = [
      { role: 'system' as const, content: 'Classify the sentiment.' },
      { role: 'user' as const, content: 'I loved it' },
    ];
    const expected = 3 + (3 + countTextTokens('system') + countTextTokens('Classify the sentiment.')) + (3 + countTextTokens('user') + countTextTokens('I loved it'));
    expect(estimateInputTokens(messages)).toBe(expected);
    expect(countTextTokens('I loved it')).toBe(3);
  });

  it('counts special-token look-alikes in user text instead of throwing', () => {
    expect(estimateInputTokens([{ role: 'user', content: 'hello <|endoftext|>' }])).toBeGreaterThan(8);
  });
});

describe('requestKey', () => {
  const messages = [{ role: 'user' as const, content: 'I loved it' }];

  it('is stable and ignores parameter order', () => {
    expect(requestKey(teacher({ a: 1, b: 2 }), messages)).toBe(requestKey(teacher({ b: 2, a: 1 }), messages));
  });

  it('changes with the model, the parameters and the messages', () => {
    const base = requestKey(teacher({ temperature: 0 }), messages);
    expect(requestKey(teacher({ temperature: 0 }, 'gpt-4o'), messages)).not.toBe(base);
    expect(requestKey(teacher({ temperature: 1 }), messages)).not.toBe(base);
    expect(requestKey(teacher({ temperature: 0 }), [{ role: 'user', content: 'I hated it' }])).not.toBe(base);
  });
});
