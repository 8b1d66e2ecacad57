import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage } from './types.js';

export { requestKey } from './request-key.js';

/** Tokens OpenAI's chat format adds around each message (cookbook "num_tokens_from_messages"). */
const TOKENS_PER_MESSAGE = 3;
/** Tokens that prime the assistant's reply. */
const TOKENS_PER_REPLY = 3;

/** Counts tokens of plain text with o200k; special-token look-alikes in user text are counted as text, not rejected. */
export function countTextTokens(text: string): number {
  return countTokens(text, { disallowedSpecial: new Set() });
}

/** Estimates the input tokens of a chat request before sending it (for budget reservations). */
export function estimateInputTokens(messages: ChatMessage[]): number {
  let total = TOKENS_PER_REPLY;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE + countTextTokens(message.role) + countTextTokens(message.content);
  }
  return total;
}
