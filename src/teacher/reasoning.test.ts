/**
 * Reasoning models (o-series, gpt-5*): sent max_completion_tokens (answer + thinking allowance) instead
 * of max_tokens, without the settings they reject; their reasoning tokens are priced as output, and the
 * budget reserves the allowance.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { collect } from '../collect/collector.js';
import { createFakeTeacher } from '../collect/fake-teacher.js';
import { UsageRatio } from '../collect/usage-ratio.js';
import { makeTeacher } from '../pipeline/make-teacher.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { parseTaskSpec } from '../task/load.js';
import { sendJSON, startFaultInjectionServer, type FaultInjectionServer } from './__fixtures__/fault-injection-server.js';
import { createOpenAITeacher } from './openai-teacher.js';
import { costUSD } from './prices.js';
import { isReasoningModel, outputTokenLimit } from './reasoning.js';

/** A chat completion from a reasoning model that thought for 900 tokens and answered in 1. */
const REASONING_BODY = {
  id: 'chatcmpl-reasoning', object: 'chat.completion', model: 'o4-mini-2025-04-16',
  choices: [{ index: 0, message: { role: 'assistant', content: 'positive' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 40, completion_tokens: 901, total_tokens: 941, completion_tokens_details: { reasoning_tokens: 900 } },
};

let server: FaultInjectionServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('reasoning models', () => {
  it('are told apart by name', () => {
    for (const model of ['o1', 'o3', 'o3-mini', 'o4-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5-mini', 'gpt-5-nano-2025-08-07']) expect(isReasoningModel(model)).toBe(true);
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-3.5-turbo', 'llama3', 'gpt-5-chat-latest']) expect(isReasoningModel(model)).toBe(false);
    expect(outputTokenLimit('o4-mini', 5, 1000)).toBe(1005);
    expect(outputTokenLimit('gpt-4o-mini', 5, 1000)).toBe(5);
  });

  it('are sent max_completion_tokens (answer + allowance), not max_tokens, temperature or logprobs, each left out with a warning', async () => {
    server = await startFaultInjectionServer([(_request, response) => sendJSON(response, 200, REASONING_BODY)]);
    const teacher = createOpenAITeacher({ baseURL: server.baseURL, model: 'o4-mini', apiKey: 'sk-test', logprobs: true, topLogprobs: 5, temperature: 0, maxTokens: 5, reasoningTokens: 1000, timeoutMs: 5_000 });
    const completion = await teacher.complete({ messages: [{ role: 'user', content: 'Sentiment of: I loved it' }] });
    const body = server.requests[0]?.body ?? {};
    expect(body['max_completion_tokens']).toBe(1005);
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('logprobs');
    expect(teacher.requestParameters).toEqual({ model: 'o4-mini', max_completion_tokens: 1005, logprobs: false });
    expect(completion.warnings.join(' ')).toMatch(/temperature 0 is not supported/);
    expect(completion.warnings.join(' ')).toMatch(/logprobs are not supported/);
    expect(completion.usage).toEqual({ inputTokens: 40, outputTokens: 901, reasoningTokens: 900, estimated: false });
    // Priced as output: 40 × $1.1/1M + 901 × $4.4/1M.
    expect(costUSD(completion.usage, { inputPer1M: 1.1, outputPer1M: 4.4 })).toBeCloseTo((40 * 1.1 + 901 * 4.4) / 1e6, 12);
  });

  it('other models keep max_tokens and the same request parameters as before (cache keys unchanged)', async () => {
    server = await startFaultInjectionServer([(_request, response) => sendJSON(response, 200, REASONING_BODY)]);
    const teacher = createOpenAITeacher({ baseURL: server.baseURL, model: 'gpt-4o-mini', apiKey: 'sk-test', logprobs: true, topLogprobs: 5, temperature: 0, maxTokens: 5, reasoningTokens: 1000, timeoutMs: 5_000 });
    await teacher.complete({ messages: [{ role: 'user', content: 'x' }] });
    expect(server.requests[0]?.body).toMatchObject({ max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 5 });
    expect(server.requests[0]?.body).not.toHaveProperty('max_completion_tokens');
    expect(teacher.requestParameters).toEqual({ model: 'gpt-4o-mini', temperature: 0, max_tokens: 5, logprobs: true, top_logprobs: 5 });
  });

  it('the budget reserves the reasoning allowance (teacher.reasoningTokens), so a long think never overshoots it', async () => {
    const task = (model: string): string => `name: t
teacher:
  baseURL: https://api.openai.com/v1
  model: ${model}
  apiKeyEnv: KEY
  maxTokens: 5
  reasoningTokens: 2000
prompt:
  messages:
    - role: user
      content: "{{labels}}: {{text}}"
labels: [positive, negative]
inputs:
  path: in.jsonl
budget:
  maxUSD: 1
`;
    expect(makeTeacher(parseTaskSpec(task('o4-mini')), { KEY: 'k' }).maxOutputTokens).toBe(2005);
    expect(makeTeacher(parseTaskSpec(task('gpt-4o-mini')), { KEY: 'k' }).maxOutputTokens).toBe(5);

    // A collection whose answers each think 1,900 tokens: reserved at 2,005 output tokens, none overshoots.
    const store = openSqliteStore(':memory:');
    try {
      const thinking = createFakeTeacher(() => ({
        text: 'positive', finishReason: 'stop', rawFinishReason: 'stop', responseId: null, raw: {}, warnings: [],
        usage: { inputTokens: 10, outputTokens: 1901, reasoningTokens: 1900, estimated: false },
      }));
      const prices = { inputPer1M: 1.1, outputPer1M: 4.4 };
      const summary = await collect({
        store, teacher: thinking, labels: ['positive', 'negative'], inputs: [0, 1, 2].map((index) => ({ id: `i${index}`, text: `t${index}`, gold: null, source: 't' })),
        buildMessages: (input) => [{ role: 'user', content: input.text }], requestKey: (messages) => messages[0]?.content ?? '',
        estimateInputTokens: () => 10, costUSD: (usage) => costUSD(usage, prices), maxOutputTokens: 2005, budgetUSD: 1, concurrency: 1, maxRetries: 0,
        usageRatio: new UsageRatio('fake-model', 1, { margin: 0 }),
      });
      expect(summary.called).toBe(3);
      expect(summary.overshoot.answers).toBe(0);
      expect(summary.spentUSD).toBeCloseTo(3 * (10 * 1.1 + 1901 * 4.4) / 1e6, 12);
    } finally {
      await store.close();
    }
  });
});
