import { describe, expect, it } from 'vitest';
import { createOpenAITeacher } from './openai-teacher.js';
import { requestKey, requestKeyReference } from './request-key.js';
import type { ChatMessage } from './types.js';

describe('requestKey', () => {
  it('is byte for byte the hash of the sorted-key JSON of provider, model, parameters and messages', () => {
    const teachers = [
      createOpenAITeacher({ baseURL: 'http://127.0.0.1:1/v1', model: 'gpt-4o-mini', apiKey: 'k', logprobs: true, topLogprobs: 5, temperature: 0, maxTokens: 4, timeoutMs: 1000 }),
      createOpenAITeacher({ baseURL: 'http://127.0.0.1:1/v1', model: 'llama "3"', apiKey: 'k', logprobs: false, topLogprobs: 0, temperature: 0.7, maxTokens: 1, timeoutMs: 1000 }),
    ];
    const conversations: ChatMessage[][] = [
      [{ role: 'user', content: 'great film' }],
      [{ role: 'system', content: 'Answer with one label:\npositive, negative' }, { role: 'user', content: 'unicode ✓ "quotes" \\ \u2028 \u0000 😀' }],
      [{ role: 'user', content: '' }, { role: 'assistant', content: 'positive' }, { role: 'user', content: 'and this?' }],
    ];
    for (const teacher of teachers) {
      for (const messages of conversations) expect(requestKey(teacher, messages)).toBe(requestKeyReference(teacher, messages));
    }
  });
});
