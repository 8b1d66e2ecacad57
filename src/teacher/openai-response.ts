/**
 * Maps a raw chat completion onto the unified TeacherResult, in one function, the way each AI SDK
 * provider maps its raw values. The body is treated as unknown: OpenAI-compatible servers differ.
 */
import { TeacherResponseError } from './errors.js';
import { labelDistribution, type LogprobToken } from './label-distribution.js';
import { matchLabel } from './label-match.js';
import { countTextTokens, estimateInputTokens } from './tokens.js';
import type { ChatMessage, TeacherResult, TeacherUsage } from './types.js';

/** What mapping a response needs to know about the call. */
export interface ResponseContext {
  messages: ChatMessage[];
  labels: readonly string[];
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

/** The first choice of a completion, or a TeacherResponseError explaining why there is none. */
function firstChoice(body: unknown, requestId: string | null): unknown {
  const invalid = (why: string): TeacherResponseError => new TeacherResponseError(`the teacher's answer ${why}`, { status: 200, requestId, isRetryable: true });
  if (body === undefined || body === null || body === '') throw invalid('was empty');
  if (typeof body === 'string') throw invalid(`is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
  const choices = field(body, 'choices');
  if (!Array.isArray(choices) || choices.length === 0) throw invalid('has no choices');
  const choice: unknown = choices[0];
  if (field(choice, 'message') === undefined) throw invalid('has a choice without a message');
  return choice;
}

/** Usage as reported, or estimated (and marked so) when the server sent none. */
function usageOf(body: unknown, messages: ChatMessage[], text: string): TeacherUsage {
  const usage = field(body, 'usage');
  const inputTokens = field(usage, 'prompt_tokens');
  const outputTokens = field(usage, 'completion_tokens');
  if (typeof inputTokens === 'number' && typeof outputTokens === 'number') return { inputTokens, outputTokens, estimated: false };
  return { inputTokens: estimateInputTokens(messages), outputTokens: countTextTokens(text), estimated: true };
}

/** The answer text; a refusal is an answer too (junk), but a message with neither is a broken response. */
function answerText(message: unknown, requestId: string | null, warnings: string[]): string {
  const content = field(message, 'content');
  if (typeof content === 'string') return content;
  const refusal = field(message, 'refusal');
  if (typeof refusal === 'string') {
    warnings.push('the teacher refused to answer');
    return refusal;
  }
  throw new TeacherResponseError("the teacher's answer has no message content", { status: 200, requestId, isRetryable: true });
}

/** Maps a chat completion body to a TeacherResult; throws TeacherResponseError when it is not one. */
export function mapChatCompletion(body: unknown, context: ResponseContext): TeacherResult {
  const { messages, labels, requestId } = context;
  const warnings = [...context.warnings];
  const choice = firstChoice(body, requestId);
  const text = answerText(field(choice, 'message'), requestId, warnings);
  if (field(choice, 'finish_reason') === 'length') warnings.push('the answer was cut off at max_tokens');
  const responseId = typeof field(body, 'id') === 'string' ? (field(body, 'id') as string) : null;
  const usage = usageOf(body, messages, text);
  const label = matchLabel(text, labels);
  if (label === null) {
    return { kind: 'junk', label: null, distribution: null, tailMass: null, text, usage, warnings, responseId };
  }
  let distribution: number[] | null = null;
  let tailMass: number | null = null;
  const content = field(field(choice, 'logprobs'), 'content');
  if (Array.isArray(content) && content.length > 0) {
    const mapped = labelDistribution(content as LogprobToken[], labels);
    if (mapped === null) warnings.push('the logprobs put no probability on any label; hard label only');
    else {
      distribution = mapped.distribution;
      tailMass = mapped.tailMass;
      warnings.push(...mapped.warnings);
    }
  } else if (context.askedForLogprobs) {
    warnings.push('the teacher returned no logprobs; hard label only');
  }
  return { kind: 'label', label, distribution, tailMass, text, usage, warnings, responseId };
}
