/**
 * OpenAI-shaped answers for a language-model student's generations: `chat.completion` objects and
 * `chat.completion.chunk` stream events for /v1/chat/completions, `text_completion` objects (whole
 * and streamed) for /v1/completions. Token logprobs come from the student's own distribution, each
 * token with its exact bytes from the student's tokenizer.
 */
import type { TokenAlternative, TokenLogprob as StudentToken } from '../student/lm/decoder.js';
import type { Tokenizer } from '../student/lm/tokenizer.js';
import { LOGPROB_FLOOR, type CompletionIdentity, type CompletionUsage, type TokenLogprob } from './chat-response.js';

/** One finished choice: its text, tokens and why it ended. */
export interface GeneratedChoice {
  text: string;
  tokens: readonly StudentToken[];
  finishReason: 'stop' | 'length';
}

/** Renders tokens for an answer: text and bytes from the tokenizer, at most `topLogprobs` alternatives each. */
export interface TokenRendering {
  tokenizer: Tokenizer;
  topLogprobs: number;
}

/** A finite logprob no lower than OpenAI's floor (JSON has no -Infinity). */
function clamp(logprob: number): number {
  return Number.isNaN(logprob) || logprob < LOGPROB_FLOOR ? LOGPROB_FLOOR : logprob;
}

/** One alternative in OpenAI's shape. */
function alternative(entry: TokenAlternative, tokenizer: Tokenizer): { token: string; logprob: number; bytes: number[] } {
  return { token: entry.text, logprob: clamp(entry.logprob), bytes: [...tokenizer.tokenBytes(entry.token)] };
}

/** logprobs.content entries for the chat API. */
export function chatLogprobEntries(tokens: readonly StudentToken[], rendering: TokenRendering): TokenLogprob[] {
  return tokens.map((token) => ({ ...alternative(token, rendering.tokenizer), top_logprobs: token.topLogprobs.slice(0, rendering.topLogprobs).map((entry) => alternative(entry, rendering.tokenizer)) }));
}

/** Usage summed over choices: the prompt counted once, every choice's tokens counted. */
export function generationUsage(promptTokens: number, choices: readonly { tokens: readonly unknown[] }[]): CompletionUsage {
  const completion = choices.reduce((sum, choice) => sum + choice.tokens.length, 0);
  return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
}

/** A complete `chat.completion` object; logprobs only when `rendering` is given. */
export function generatedChatCompletion(identity: CompletionIdentity, choices: readonly GeneratedChoice[], rendering: TokenRendering | null, usage: CompletionUsage): Record<string, unknown> {
  return {
    ...identity,
    object: 'chat.completion',
    choices: choices.map((choice, index) => ({
      index,
      message: { role: 'assistant', content: choice.text, refusal: null, annotations: [] },
      logprobs: rendering === null ? null : { content: chatLogprobEntries(choice.tokens, rendering), refusal: null },
      finish_reason: choice.finishReason,
    })),
    usage,
    system_fingerprint: null,
  };
}

/** One `chat.completion.chunk` for choice `index` (with `usage: null` on every chunk when usage is to come, as OpenAI does). */
export function generatedChatChunk(identity: CompletionIdentity, index: number, choice: Record<string, unknown>, includeUsage: boolean): Record<string, unknown> {
  return { ...identity, object: 'chat.completion.chunk', system_fingerprint: null, choices: [{ index, ...choice }], ...(includeUsage ? { usage: null } : {}) };
}

/** The last chunk of a stream with include_usage: no choices, the usage. */
export function usageChunk(identity: CompletionIdentity, object: string, usage: CompletionUsage): Record<string, unknown> {
  return { ...identity, object, ...(object === 'chat.completion.chunk' ? { system_fingerprint: null } : {}), choices: [], usage };
}

/** The legacy completions logprobs object: tokens, their logprobs, top alternatives as maps, character offsets. */
export function legacyLogprobs(tokens: readonly StudentToken[], rendering: TokenRendering, startOffset: number): Record<string, unknown> {
  let offset = startOffset;
  const textOffset = tokens.map((token) => {
    const at = offset;
    offset += token.text.length;
    return at;
  });
  return {
    tokens: tokens.map((token) => token.text),
    token_logprobs: tokens.map((token) => clamp(token.logprob)),
    top_logprobs: tokens.map((token) => Object.fromEntries(token.topLogprobs.slice(0, rendering.topLogprobs).map((entry) => [entry.text, clamp(entry.logprob)]))),
    text_offset: textOffset,
  };
}

/** A `text_completion` object (whole answer, or one stream event when `choices` carry deltas). */
export function textCompletionObject(identity: CompletionIdentity, choices: Array<Record<string, unknown>>, usage?: CompletionUsage): Record<string, unknown> {
  return { ...identity, object: 'text_completion', system_fingerprint: null, choices, ...(usage === undefined ? {} : { usage }) };
}

/** One legacy completions choice. */
export function legacyChoice(index: number, text: string, logprobs: Record<string, unknown> | null, finishReason: 'stop' | 'length' | null): Record<string, unknown> {
  return { index, text, logprobs, finish_reason: finishReason };
}
