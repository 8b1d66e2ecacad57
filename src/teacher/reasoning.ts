/**
 * Reasoning models (OpenAI's o-series and gpt-5 family) think in tokens that are billed as output but
 * never shown. They take `max_completion_tokens` (which caps thinking and answer together) instead of
 * `max_tokens`, reject `temperature` other than 1 and `logprobs`; their usage reports the thinking in
 * `completion_tokens_details.reasoning_tokens`, already inside `completion_tokens`.
 */

/** Model names of reasoning models: o1, o3, o4-mini, … and gpt-5, gpt-5-mini, … (a dated snapshot included). */
const REASONING_MODEL = /^(o\d+(?:-[a-z0-9-]+)?|gpt-5(?:[.-][a-z0-9.-]+)?)$/i;

/** True when `model` is a reasoning model (its output limit is `max_completion_tokens`). */
export function isReasoningModel(model: string): boolean {
  return REASONING_MODEL.test(model.trim()) && !/^gpt-5-chat/i.test(model.trim());
}

/**
 * The output tokens a call may be billed for: the answer's `maxTokens`, plus the thinking allowance
 * for a reasoning model (what `max_completion_tokens` is sent as, and what the budget reserves).
 */
export function outputTokenLimit(model: string, maxTokens: number, reasoningTokens: number): number {
  return isReasoningModel(model) ? maxTokens + reasoningTokens : maxTokens;
}
