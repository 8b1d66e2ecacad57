/**
 * The sampling settings of an OpenAI chat-completions or completions request, validated for a
 * language-model student. A setting the student cannot honour either changes what the app gets
 * (tools, audio, echo, suffix: a 400 naming it, so the app never mistakes plain text for a tool
 * call) or only nudges sampling (penalties, logit_bias, reasoning_effort: served without it, and
 * the `x-distillery-warning` header says so). Everything else OpenAI accepts is accepted.
 */
import { invalidParameter } from './http.js';
import { parseGenerationSettings } from './text-completion.js';

/** The response header that lists the settings a reply ignored. */
export const WARNING_HEADER = 'x-distillery-warning';

/** The most choices one request may ask for. */
export const MAX_CHOICES = 16;

/** What a language-model server samples with, from either endpoint. */
export interface SamplingRequest {
  /** Choices to generate (n). */
  n: number;
  /** max_completion_tokens / max_tokens; null: up to the model's context (chat) or the endpoint default. */
  maxTokens: number | null;
  temperature: number;
  topP: number;
  /** null: a fresh seed per request. */
  seed: number | null;
  stop: string[];
  /** The JSON Schema constrained decoding follows (response_format); undefined for free text. */
  schema: unknown;
  /** Settings accepted but not applied, for the warning header. */
  ignored: string[];
}

/** Settings that change the kind of answer: refused rather than silently dropped. */
const REFUSED: Readonly<Record<string, string>> = {
  tools: 'this student writes text and cannot call tools',
  functions: 'this student writes text and cannot call functions',
  function_call: 'this student writes text and cannot call functions',
  audio: 'this student writes text only',
  prediction: 'predicted outputs are not supported by this server',
  suffix: 'this student cannot fill in the middle (suffix)',
};

/** Settings that only shape sampling: served without them, said in the warning header. */
const IGNORED = ['logit_bias', 'presence_penalty', 'frequency_penalty', 'reasoning_effort', 'web_search_options', 'verbosity'] as const;

/** Whether a value was left out (absent and null count alike, as in OpenAI's API). */
function isUnset(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** Whether a setting carries something other than its neutral value. */
function isSet(value: unknown): boolean {
  if (isUnset(value) || value === 0 || value === false) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** An optional number in [minimum, maximum], or a 400 naming it. */
function numberIn(body: Record<string, unknown>, name: string, minimum: number, maximum: number, fallback: number): number {
  const value = body[name];
  if (isUnset(value)) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum || value > maximum) throw invalidParameter(name, `${name} must be a number from ${minimum} to ${maximum}`);
  return value;
}

/** seed: any integer (OpenAI's range), or null for a fresh one. */
function parseSeed(value: unknown): number | null {
  if (isUnset(value)) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidParameter('seed', 'seed must be an integer');
  return value;
}

/** stop: a string or up to 4 strings. */
function parseStop(value: unknown): string[] {
  if (isUnset(value)) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length > 4 || list.some((stop) => typeof stop !== 'string')) throw invalidParameter('stop', 'stop must be a string or an array of up to 4 strings', 'invalid_type');
  return list as string[];
}

/** n: 1 to MAX_CHOICES. */
function parseChoiceCount(value: unknown): number {
  if (isUnset(value)) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidParameter('n', 'n must be a positive integer');
  if (value > MAX_CHOICES) throw invalidParameter('n', `n=${value} is more than this server generates per request (${MAX_CHOICES})`, 'unsupported_value');
  return value;
}

/** The JSON Schema of response_format: json_schema's schema (any JSON when it has none), json_object's "an object". */
function responseSchema(body: Record<string, unknown>): unknown {
  const format = parseGenerationSettings(body).responseFormat;
  if (format === 'json_object') return { type: 'object' };
  if (format !== 'json_schema') return undefined;
  const schema = ((body.response_format as Record<string, unknown>).json_schema as Record<string, unknown>).schema;
  return schema ?? true;
}

/** 400 for settings that would change the kind of answer; tool_choice is fine when it asks for no tool. */
function refuseUnsupported(body: Record<string, unknown>): void {
  for (const [name, why] of Object.entries(REFUSED)) {
    if (isSet(body[name])) throw invalidParameter(name, `${name} is not supported: ${why}`, 'unsupported_parameter');
  }
  const toolChoice = body.tool_choice;
  if (!isUnset(toolChoice) && toolChoice !== 'none' && toolChoice !== 'auto') throw invalidParameter('tool_choice', 'tool_choice is not supported: this student cannot call tools', 'unsupported_parameter');
  const modalities = body.modalities;
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== 'text')) throw invalidParameter('modalities', 'modalities must be ["text"]: this student writes text only', 'unsupported_value');
}

/** Validates the sampling settings shared by both endpoints; `defaultMaxTokens` applies when neither limit is set. */
export function parseSamplingRequest(body: Record<string, unknown>, defaultMaxTokens: number | null): SamplingRequest {
  refuseUnsupported(body);
  const { maxTokens } = parseGenerationSettings(body);
  return {
    n: parseChoiceCount(body.n),
    maxTokens: maxTokens ?? defaultMaxTokens,
    temperature: numberIn(body, 'temperature', 0, 2, 1),
    topP: numberIn(body, 'top_p', 0, 1, 1),
    seed: parseSeed(body.seed),
    stop: parseStop(body.stop),
    schema: responseSchema(body),
    ignored: IGNORED.filter((name) => isSet(body[name])),
  };
}

/** The warning header for settings a reply ignored (none when all were applied). */
export function warningHeaders(ignored: readonly string[]): Record<string, string> {
  return ignored.length === 0 ? {} : { [WARNING_HEADER]: `ignored: ${ignored.join(', ')} (not supported by this student)` };
}
