/**
 * Maps a raw Anthropic Messages API response onto the unified TeacherCompletion, in one function (as
 * each AI SDK provider does). The Messages API gives no logprobs: a completion is text, a stop reason
 * and usage. The body is treated as unknown: a proxy or a broken server may send anything.
 */
import { TeacherResponseError, type ReportedUsage } from './errors.js';
import type { FinishReason, TeacherCompletion } from './types.js';

/** What mapping a response needs to know about the call. */
export interface AnthropicResponseContext {
  requestId: string | null;
  /** Warnings gathered before the response arrived (e.g. logprobs asked of a provider without them). */
  warnings: string[];
}

/** Reads a property of an unknown value. */
function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/** A token count, when `value` is one. */
function tokenCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/**
 * The usage a Messages body reported, or null. Prompt-cache writes and reads are counted as input at
 * the input price: an overestimate (reads are cheaper), never an under-count of what was spent.
 */
export function anthropicReportedUsage(body: unknown): ReportedUsage | null {
  const usage = field(body, 'usage');
  const input = tokenCount(field(usage, 'input_tokens'));
  const output = tokenCount(field(usage, 'output_tokens'));
  if (input === null || output === null) return null;
  const cached = (tokenCount(field(usage, 'cache_creation_input_tokens')) ?? 0) + (tokenCount(field(usage, 'cache_read_input_tokens')) ?? 0);
  return { inputTokens: input + cached, outputTokens: output };
}

/** Anthropic's stop reasons, unified. */
export function anthropicFinishReason(raw: unknown): FinishReason {
  switch (raw) {
    case 'end_turn':
    case 'stop_sequence': return 'stop';
    case 'max_tokens': return 'length';
    case 'tool_use': return 'tool_calls';
    case 'refusal': return 'content_filter';
    default: return 'other';
  }
}

/** A billed answer that cannot be used; carries the usage the body reported, if any. */
function unusable(why: string, body: unknown, requestId: string | null): TeacherResponseError {
  return new TeacherResponseError(`the teacher's answer ${why}`, { status: 200, requestId, isRetryable: false, usage: anthropicReportedUsage(body) });
}

/** The text blocks of the content, joined; a message with no text block is a broken response. */
function contentText(body: unknown, requestId: string | null): string {
  const content = field(body, 'content');
  if (!Array.isArray(content)) throw unusable('has no content', body, requestId);
  const texts = content.filter((block) => field(block, 'type') === 'text' && typeof field(block, 'text') === 'string').map((block) => field(block, 'text') as string);
  // A refusal may come with no text at all: it is an answer (read as junk), not a broken response.
  if (texts.length === 0 && field(body, 'stop_reason') !== 'refusal') throw unusable('has no text content', body, requestId);
  return texts.join('');
}

/** Maps a Messages API body to a TeacherCompletion; throws a billed TeacherResponseError when it is not one. */
export function mapAnthropicMessage(body: unknown, context: AnthropicResponseContext): TeacherCompletion {
  const { requestId } = context;
  if (body === undefined || body === null || body === '') throw unusable('was empty', body, requestId);
  if (typeof body === 'string') throw unusable(`is not JSON: ${JSON.stringify(body.slice(0, 80))}`, body, requestId);
  if (field(body, 'type') === 'error') {
    const message = field(field(body, 'error'), 'message');
    throw unusable(`is an error despite status 200: ${typeof message === 'string' ? message : JSON.stringify(body).slice(0, 120)}`, body, requestId);
  }
  const text = contentText(body, requestId);
  const usage = anthropicReportedUsage(body);
  if (usage === null) throw unusable('reports no usage', body, requestId);
  const rawFinish = field(body, 'stop_reason');
  const warnings = [...context.warnings];
  if (rawFinish === 'max_tokens') warnings.push('the answer was cut off at max_tokens');
  if (rawFinish === 'refusal') warnings.push('the teacher refused to answer');
  const id = field(body, 'id');
  return {
    text, finishReason: anthropicFinishReason(rawFinish), rawFinishReason: typeof rawFinish === 'string' ? rawFinish : null,
    usage: { ...usage, estimated: false }, responseId: typeof id === 'string' ? id : null, raw: body, warnings,
  };
}
