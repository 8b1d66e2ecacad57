/**
 * Maps a raw chat completion onto the unified TeacherCompletion, in one function, the way each AI SDK
 * provider maps its raw values. The body is treated as unknown: OpenAI-compatible servers differ.
 */
import { TeacherResponseError } from './errors.js';
import { countTextTokens, estimateInputTokens } from './tokens.js';
import type { ChatMessage, CompletionToken, FinishReason, TeacherCompletion, TeacherUsage } from './types.js';

/** What mapping a response needs to know about the call. */
export interface ResponseContext {
  messages: ChatMessage[];
  /** Whether this call asked for logprobs. */
  askedForLogprobs: boolean;
  requestId: string | null;
  /** Warnings gathered before the response arrived (e.g. a logprobs fallback). */
  warnings: string[];
}

/** Reads a property of an unknown value. */
function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/** A billed answer that cannot be used; carries the usage the body reported, if any. */
function unusable(why: string, body: unknown, requestId: string | null): TeacherResponseError {
  return new TeacherResponseError(`the teacher's answer ${why}`, { status: 200, requestId, isRetryable: false, usage: reportedUsage(body) });
}

/** The first choice of a completion, or a TeacherResponseError explaining why there is none. */
function firstChoice(body: unknown, requestId: string | null): unknown {
  if (body === undefined || body === null || body === '') throw unusable('was empty', body, requestId);
  if (typeof body === 'string') {
    const why = /^\s*(data|event):/m.test(body) ? 'is an event stream where JSON was expected' : 'is not JSON';
    throw unusable(`${why}: ${JSON.stringify(body.slice(0, 80))}`, body, requestId);
  }
  const error = field(body, 'error');
  if (error !== undefined && error !== null) {
    const message = field(error, 'message');
    throw unusable(`is an error despite status 200: ${typeof message === 'string' ? message : JSON.stringify(error).slice(0, 120)}`, body, requestId);
  }
  const choices = field(body, 'choices');
  if (!Array.isArray(choices) || choices.length === 0) throw unusable('has no choices', body, requestId);
  const choice: unknown = choices[0];
  if (field(choice, 'message') === undefined) throw unusable('has a choice without a message', body, requestId);
  return choice;
}

/** A token count, when `value` is one. */
function tokenCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/** The usage object of a JSON body, or of the last event of an event stream that carries one. */
function usageObject(body: unknown): unknown {
  if (typeof body !== 'string') return field(body, 'usage');
  let found: unknown;
  for (const line of body.split('\n')) {
    const data = /^data:\s*(\{.*\})\s*$/.exec(line)?.[1];
    if (data === undefined) continue;
    try {
      found = field(JSON.parse(data), 'usage') ?? found;
    } catch {
      // A cut or garbled event says nothing about usage.
    }
  }
  return found;
}

/** The usage a body reported (prompt and completion tokens), or null when it reported none. */
export function reportedUsage(body: unknown): { inputTokens: number; outputTokens: number } | null {
  const usage = usageObject(body);
  const inputTokens = tokenCount(field(usage, 'prompt_tokens'));
  const outputTokens = tokenCount(field(usage, 'completion_tokens'));
  return inputTokens === null || outputTokens === null ? null : { inputTokens, outputTokens };
}

/** Usage as reported (reasoning tokens, part of completion_tokens, too), or estimated (and marked so) when the server sent none. */
function usageOf(body: unknown, messages: ChatMessage[], text: string): TeacherUsage {
  const reported = reportedUsage(body);
  const reasoningTokens = tokenCount(field(field(field(body, 'usage'), 'completion_tokens_details'), 'reasoning_tokens'));
  if (reported !== null) return { ...reported, ...(reasoningTokens === null || reasoningTokens === 0 ? {} : { reasoningTokens }), estimated: false };
  return { inputTokens: estimateInputTokens(messages), outputTokens: countTextTokens(text), estimated: true };
}

/** The text of a message content: a string, or an array of parts whose text parts are joined. */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts = content.map((part) => (typeof part === 'string' ? part : field(part, 'text'))).filter((text): text is string => typeof text === 'string');
  return texts.length === 0 ? null : texts.join('');
}

/** The answer text; a refusal is an answer too (junk), but a message with neither is a broken response. */
function answerText(message: unknown, body: unknown, requestId: string | null, warnings: string[]): string {
  const content = contentText(field(message, 'content'));
  if (content !== null) return content;
  const refusal = field(message, 'refusal');
  if (typeof refusal === 'string') {
    warnings.push('the teacher refused to answer');
    return refusal;
  }
  throw unusable('has no message content', body, requestId);
}

/** True for a `{ token, logprob }` pair of the right types. */
function isCandidate(value: unknown): value is { token: string; logprob: number } {
  return typeof field(value, 'token') === 'string' && typeof field(value, 'logprob') === 'number';
}

/** The byte values of a token, when the server listed them. */
function tokenBytes(value: unknown): { bytes?: number[] } {
  const bytes = field(value, 'bytes');
  return Array.isArray(bytes) && bytes.every((byte) => typeof byte === 'number') ? { bytes: bytes as number[] } : {};
}

/**
 * The logprobs content with malformed entries taken out (some servers omit `token`, or send nulls):
 * an alternative without a token is dropped; a chosen token without one makes the logprobs unusable.
 */
function wellFormedLogprobs(content: unknown[], warnings: string[]): CompletionToken[] | null {
  const positions: CompletionToken[] = [];
  let dropped = 0;
  for (const position of content) {
    if (!isCandidate(position)) {
      warnings.push('the logprobs name a chosen token without a token or logprob; hard label only');
      return null;
    }
    const listed: unknown = field(position, 'top_logprobs');
    const alternatives = Array.isArray(listed) ? listed : [];
    const valid = alternatives.filter(isCandidate);
    dropped += alternatives.length - valid.length;
    positions.push({ token: position.token, logprob: position.logprob, ...tokenBytes(position), topLogprobs: valid.map((candidate) => ({ token: candidate.token, logprob: candidate.logprob })) });
  }
  if (dropped > 0) warnings.push(`${dropped} top_logprobs entr${dropped === 1 ? 'y' : 'ies'} without a token or logprob were ignored`);
  return positions;
}

/** OpenAI's finish reasons, unified (`function_call` is the older name of `tool_calls`). */
export function unifiedFinishReason(raw: unknown): FinishReason {
  switch (raw) {
    case 'stop': return 'stop';
    case 'length': return 'length';
    case 'content_filter': return 'content_filter';
    case 'tool_calls':
    case 'function_call': return 'tool_calls';
    default: return 'other';
  }
}

/**
 * Maps a chat completion body to a TeacherCompletion; throws TeacherResponseError (billed, carrying the
 * reported usage) when it is not one, whatever the body trips over: never a bare TypeError.
 */
export function mapChatCompletion(body: unknown, context: ResponseContext): TeacherCompletion {
  try {
    return mapCompletion(body, context);
  } catch (error) {
    if (error instanceof TeacherResponseError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new TeacherResponseError(`the teacher's answer has an unexpected shape (${reason})`, {
      status: 200, requestId: context.requestId, isRetryable: false, cause: error, usage: reportedUsage(body),
    });
  }
}

/** `mapChatCompletion` without the net for unexpected shapes. */
function mapCompletion(body: unknown, context: ResponseContext): TeacherCompletion {
  const { messages, requestId } = context;
  const warnings = [...context.warnings];
  const choice = firstChoice(body, requestId);
  const text = answerText(field(choice, 'message'), body, requestId, warnings);
  const rawFinish = field(choice, 'finish_reason');
  if (rawFinish === 'length') warnings.push('the answer was cut off at max_tokens');
  const responseId = typeof field(body, 'id') === 'string' ? (field(body, 'id') as string) : null;
  const usage = usageOf(body, messages, text);
  const content = field(field(choice, 'logprobs'), 'content');
  const positions = Array.isArray(content) && content.length > 0 ? wellFormedLogprobs(content, warnings) : undefined;
  if (positions === undefined && context.askedForLogprobs) warnings.push('the teacher returned no logprobs; hard label only');
  // (null: malformed logprobs, already warned about; the text stands without them.)
  return {
    text, finishReason: unifiedFinishReason(rawFinish), rawFinishReason: typeof rawFinish === 'string' ? rawFinish : null,
    ...(positions === undefined || positions === null ? {} : { tokens: positions }), usage, responseId, raw: body, warnings,
  };
}
