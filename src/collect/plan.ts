import type { InputRecord, Store } from '../store/types.js';
import type { ChatMessage } from '../teacher/types.js';

/** One request this run has to make. */
export interface PlannedCall {
  input: InputRecord;
  messages: ChatMessage[];
  cacheKey: string;
  inputTokens: number;
}

/** The requests left after the cache and in-run duplicates are taken out. */
export interface CallPlan {
  calls: PlannedCall[];
  cached: number;
  duplicates: number;
  /** Requests not sent because an earlier run got a billed answer for them that could not be used. */
  failedBefore: number;
}

/** What planning needs from the collect options. */
export interface PlanOptions {
  store: Store;
  inputs: readonly InputRecord[];
  buildMessages: (input: InputRecord) => ChatMessage[];
  requestKey: (messages: ChatMessage[]) => string;
  estimateInputTokens: (messages: ChatMessage[]) => number;
  /** Send again the requests whose billed answer could not be used in an earlier run (`--retry-failed`). */
  retryFailed?: boolean;
}

/**
 * Works out which inputs still need a call: never one whose request already has an answer, nor,
 * unless asked, one that already failed for good with a billed answer (it would be paid again).
 */
export async function planCalls(options: PlanOptions): Promise<CallPlan> {
  const calls: PlannedCall[] = [];
  const seen = new Set<string>();
  const failedForGood = options.retryFailed === true
    ? new Set<string>()
    : new Set((await options.store.listBilledAttempts()).filter((attempt) => attempt.final).map((attempt) => attempt.cacheKey));
  let cached = 0;
  let duplicates = 0;
  let failedBefore = 0;
  for (const input of options.inputs) {
    const messages = options.buildMessages(input);
    const cacheKey = options.requestKey(messages);
    if (seen.has(cacheKey)) {
      duplicates++;
      continue;
    }
    seen.add(cacheKey);
    if ((await options.store.getResponse(cacheKey)) !== undefined) {
      cached++;
      continue;
    }
    if (failedForGood.has(cacheKey)) {
      failedBefore++;
      continue;
    }
    calls.push({ input, messages, cacheKey, inputTokens: options.estimateInputTokens(messages) });
  }
  return { calls, cached, duplicates, failedBefore };
}
