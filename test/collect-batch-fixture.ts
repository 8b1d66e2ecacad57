/** Inputs, prompt and collect options shared by the batch tests and the child process they SIGKILL. */
import type { BatchCollectOptions } from '../src/collect/batch-collector.js';
import type { InputRecord, Store } from '../src/store/types.js';
import { createOpenAITeacher } from '../src/teacher/openai-teacher.js';
import { costUSD } from '../src/teacher/prices.js';
import { estimateInputTokens, requestKey } from '../src/teacher/tokens.js';
import type { ChatMessage } from '../src/teacher/types.js';
import { sha256Hex } from '../src/util/hash.js';

/** The live price the tests cost calls at ($ per 1M tokens). */
export const BATCH_TEST_PRICES = { inputPer1M: 2.5, outputPer1M: 10 };

/** `count` inputs; every third is "fine" (positive), the others negative; `tag` goes into the text of those listed. */
export function batchTestInputs(count: number, tagged: ReadonlySet<number> = new Set(), tag = 'FAILME'): InputRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const text = `review ${index}: the product was ${index % 3 === 0 ? 'fine' : 'not what I expected'}${tagged.has(index) ? ` ${tag}` : ''}`;
    return { id: sha256Hex(text).slice(0, 16), text, gold: null, source: `batch-test:${index}` };
  });
}

/** The prompt of one input. */
export function batchTestMessages(input: InputRecord): ChatMessage[] {
  return [{ role: 'system', content: 'Answer positive or negative.' }, { role: 'user', content: input.text }];
}

/** Batch collect options against the scripted server at `baseURL`; polls without waiting. */
export function batchTestOptions(store: Store, baseURL: string, inputs: readonly InputRecord[], overrides: Partial<BatchCollectOptions> = {}): BatchCollectOptions {
  const teacher = createOpenAITeacher({ baseURL, model: 'batch-model', apiKey: 'sk-batch-test', logprobs: true, topLogprobs: 2, temperature: 0, maxTokens: 4, timeoutMs: 10_000 });
  return {
    store, teacher, inputs, labels: ['positive', 'negative'], buildMessages: batchTestMessages,
    requestKey: (messages) => requestKey(teacher, messages), estimateInputTokens,
    costUSD: (usage) => costUSD(usage, BATCH_TEST_PRICES), maxOutputTokens: 4, budgetUSD: 100,
    batch: { baseURL, apiKey: 'sk-batch-test', pollIntervalMs: 1, maxPollIntervalMs: 5, maxRetries: 2 },
    sleep: () => new Promise((resolve) => setImmediate(resolve)), teacherURL: baseURL,
    ...overrides,
  };
}
