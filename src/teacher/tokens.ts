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

/**
 * Counts of texts that recur from one request to the next: the roles, and a task's system prompt,
 * which every input repeats. Bounded; emptied when full.
 */
const recurring = new Map<string, number>();
const MAX_RECURRING = 256;
const MAX_RECURRING_LENGTH = 4096;

/** `countTextTokens`, remembered for the texts seen before. */
function countRecurring(text: string): number {
  const known = recurring.get(text);
  if (known !== undefined) return known;
  const count = countTextTokens(text);
  if (text.length <= MAX_RECURRING_LENGTH) {
    if (recurring.size >= MAX_RECURRING) recurring.clear();
    recurring.set(text, count);
  }
  return count;
}

/** Estimates the input tokens of a chat request before sending it (for budget reservations). */
export function estimateInputTokens(messages: ReadonlyArray<Pick<ChatMessage, 'content'> & { role: string }>): number {
  let total = TOKENS_PER_REPLY;
  for (const message of messages) {
    // The last message is the new input, almost never seen before: not worth remembering.
    const content = message === messages[messages.length - 1] ? countTextTokens(message.content) : countRecurring(message.content);
    total += TOKENS_PER_MESSAGE + countRecurring(message.role) + content;
  }
  return total;
}
