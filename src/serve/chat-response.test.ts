import { describe, expect, it } from 'vitest';
import { parseChatCompletionRequest } from './chat-request.js';
import { chatCompletion, chatCompletionChunks, LOGPROB_FLOOR, logprobsContent, newCompletionIdentity, usageFor } from './chat-response.js';

describe('logprobsContent', () => {
  it('floors -Infinity and NaN at -9999 so JSON never carries null logprobs', () => {
    const content = logprobsContent({ label: 'go', ranked: [{ token: 'go', logprob: 0 }, { token: 'c', logprob: -Infinity }, { token: 'rs', logprob: Number.NaN }] }, 3);
    expect(content?.[0]?.top_logprobs.map((alternative) => alternative.logprob)).toEqual([0, LOGPROB_FLOOR, LOGPROB_FLOOR]);
    expect(JSON.parse(JSON.stringify(content))).toEqual(content);
  });

  it('gives the UTF-8 bytes of non-ASCII tokens', () => {
    const content = logprobsContent({ label: 'café', ranked: [{ token: 'café', logprob: -0.1 }] }, 1);
    expect(content?.[0]?.bytes).toEqual([0x63, 0x61, 0x66, 0xc3, 0xa9]);
    expect(content?.[0]?.top_logprobs[0]?.bytes).toEqual([0x63, 0x61, 0x66, 0xc3, 0xa9]);
  });

  it('uses the floor for a label missing from the ranking, and lists only top-k', () => {
    const content = logprobsContent({ label: 'other', ranked: [{ token: 'a', logprob: -0.5 }, { token: 'b', logprob: -1 }] }, 1);
    expect(content?.[0]?.logprob).toBe(LOGPROB_FLOOR);
    expect(content?.[0]?.top_logprobs.map((alternative) => alternative.token)).toEqual(['a']);
  });

  it('is null for an answer without logprobs', () => {
    expect(logprobsContent({ label: 'unknown', ranked: null }, 5)).toBeNull();
  });
});

describe('completion shapes', () => {
  const request = parseChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: 'hello there' }], logprobs: true, top_logprobs: 1, stream: true }, 'm');
  const identity = newCompletionIdentity('m');
  const answer = { label: 'a', ranked: [{ token: 'a', logprob: -0.1 }] };

  it('counts prompt tokens like OpenAI: 3 per message plus 3 for the reply', () => {
    // "user" and "hello there" are one and two o200k tokens.
    expect(usageFor([{ role: 'user', content: 'hello there' }])).toEqual({ prompt_tokens: 3 + 3 + 1 + 2, completion_tokens: 1, total_tokens: 10 });
  });

  it('puts logprobs only on the content chunk and no usage fields unless asked', () => {
    const chunks = chatCompletionChunks(identity, answer, request, usageFor(request.messages));
    expect(chunks.map((chunk) => (chunk.choices as Array<{ logprobs: unknown }>)[0]?.logprobs === null)).toEqual([true, false, true]);
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
  });

  it('leaves logprobs null when they were not asked for', () => {
    const plain = parseChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'm');
    const completion = chatCompletion(identity, answer, plain, usageFor(plain.messages)) as { choices: Array<{ logprobs: unknown }> };
    expect(completion.choices[0]?.logprobs).toBeNull();
  });
});
