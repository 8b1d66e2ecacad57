/**
 * Validates an OpenAI chat-completions request body for a classifier server. Every rejection is a
 * 400 naming the offending parameter, so a client sees what to fix instead of a generic failure.
 */
import { HttpError, invalidParameter } from './http.js';

/** A message reduced to what a classifier reads: its role and its text. */
export interface TextMessage {
  role: string;
  content: string;
}

/** The parts of a chat-completions request a classifier server acts on. */
export interface ChatCompletionRequest {
  model: string;
  messages: TextMessage[];
  /** The last user message's text: what gets classified when no template recovers the input. */
  input: string;
  /** Where `input` came from, e.g. `messages[2].content` (named by a 400 when it is empty). */
  inputParam: string;
  logprobs: boolean;
  /** Alternatives to list per token (0..20); 0 when not asked. */
  topLogprobs: number;
  stream: boolean;
  /** Whether a streamed answer ends with a usage chunk (stream_options.include_usage). */
  includeUsage: boolean;
}

/** OpenAI's limit on top_logprobs. */
export const MAX_TOP_LOGPROBS = 20;

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);

/** Whether a value was left out (absent or null count alike, as in OpenAI's API). */
function isUnset(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** The text of a message's content: a string, or text parts joined; null content reads as empty. */
function contentText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (isUnset(content)) return '';
  if (!Array.isArray(content)) throw invalidParameter(param, `${param} must be a string or an array of text parts`);
  return content
    .map((part: unknown, index) => {
      const record = (part ?? {}) as Record<string, unknown>;
      if (record.type !== 'text' || typeof record.text !== 'string') {
        throw invalidParameter(`${param}[${index}]`, `${param}[${index}] must be a text part ({"type":"text","text":"…"}); this server classifies text only`);
      }
      return record.text;
    })
    .join('');
}

/** The messages as role + text, or a 400 for a missing, empty or malformed array. */
function parseMessages(value: unknown): TextMessage[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidParameter('messages', 'messages must be a non-empty array of {role, content} objects', isUnset(value) ? 'missing_required_parameter' : 'invalid_type');
  }
  return value.map((message: unknown, index) => {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw invalidParameter(`messages[${index}]`, `messages[${index}] must be an object with role and content`, 'invalid_type');
    }
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role)) {
      throw invalidParameter(`messages[${index}].role`, `messages[${index}].role must be one of ${[...ROLES].join(', ')}`);
    }
    // An assistant message may carry tool calls instead of content; a user message is nothing without it.
    if (role === 'user' && isUnset(content)) {
      throw invalidParameter(`messages[${index}].content`, `messages[${index}].content is required for a user message: it is the input to classify`, 'missing_required_parameter');
    }
    return { role, content: contentText(content, `messages[${index}].content`) };
  });
}

/** The last user message's text and its parameter name, which is what the classifier answers. */
function lastUserText(messages: readonly TextMessage[]): { input: string; inputParam: string } {
  const index = messages.findLastIndex((message) => message.role === 'user');
  if (index === -1) throw invalidParameter('messages', 'messages must contain a user message: its content is the input to classify');
  return { input: messages[index]?.content ?? '', inputParam: `messages[${index}].content` };
}

/** The text to classify, or a 400 naming where it came from when it is empty: an empty text is no input, not a prediction. */
export function requireInput(input: string, param: string): string {
  if (input.trim() === '') throw invalidParameter(param, `${param} is empty: there is no input to answer`);
  return input;
}

/** The requested model, which must be the one served (the error says which that is); a 400 otherwise. */
export function parseModel(value: unknown, servedModel: string): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidParameter('model', `model is required; this server serves "${servedModel}"`, 'missing_required_parameter');
  }
  if (value !== servedModel) {
    throw new HttpError(400, `the model "${value}" is not served here; this server serves "${servedModel}"`, { param: 'model', code: 'model_not_found' });
  }
  return value;
}

/** An optional boolean, or a 400. */
function optionalBoolean(body: Record<string, unknown>, name: string): boolean {
  const value = body[name];
  if (isUnset(value)) return false;
  if (typeof value !== 'boolean') throw invalidParameter(name, `${name} must be a boolean`, 'invalid_type');
  return value;
}

/** top_logprobs: an integer 0..20, and only together with logprobs: true (as OpenAI requires). */
function parseTopLogprobs(value: unknown, logprobs: boolean): number {
  if (isUnset(value)) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TOP_LOGPROBS) {
    throw invalidParameter('top_logprobs', `top_logprobs must be an integer from 0 to ${MAX_TOP_LOGPROBS}`);
  }
  if (!logprobs) throw invalidParameter('logprobs', 'logprobs must be true when top_logprobs is set');
  return value;
}

/** n: one choice only, because a classifier's answer is deterministic and n copies would add nothing. */
function checkChoiceCount(value: unknown): void {
  if (isUnset(value) || value === 1) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidParameter('n', 'n must be a positive integer');
  throw invalidParameter('n', `n=${value} is not supported: this server returns exactly one choice (its answer is deterministic); send n=1 or leave it out`, 'unsupported_value');
}

/** stream_options.include_usage, allowed only with stream: true (as OpenAI requires). */
function parseIncludeUsage(value: unknown, stream: boolean): boolean {
  if (isUnset(value)) return false;
  if (!stream) throw invalidParameter('stream_options', 'stream_options is only allowed when stream is true');
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter('stream_options', 'stream_options must be an object', 'invalid_type');
  const includeUsage = (value as Record<string, unknown>).include_usage;
  if (isUnset(includeUsage)) return false;
  if (typeof includeUsage !== 'boolean') throw invalidParameter('stream_options.include_usage', 'stream_options.include_usage must be a boolean', 'invalid_type');
  return includeUsage;
}

/** Validates a chat-completions body against the served model; other OpenAI settings are accepted and ignored. */
export function parseChatCompletionRequest(body: Record<string, unknown>, servedModel: string): ChatCompletionRequest {
  const model = parseModel(body.model, servedModel);
  const messages = parseMessages(body.messages);
  const { input, inputParam } = lastUserText(messages);
  const logprobs = optionalBoolean(body, 'logprobs');
  const topLogprobs = parseTopLogprobs(body.top_logprobs, logprobs);
  checkChoiceCount(body.n);
  const stream = optionalBoolean(body, 'stream');
  const includeUsage = parseIncludeUsage(body.stream_options, stream);
  return { model, messages, input, inputParam, logprobs, topLogprobs, stream, includeUsage };
}
