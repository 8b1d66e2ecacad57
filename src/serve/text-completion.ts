/**
 * OpenAI-shaped chat completions for an answer that is free text (JSON included): the text is cut
 * into o200k tokens (gpt-tokenizer, the tokenizer the usage counts use), `max_tokens` truncates it
 * with finish_reason 'length', a stream sends one delta per whole character run, and logprobs give
 * each token the probability the answering system has for it. A system without probabilities (a
 * rule-based teacher) answers logprob 0 for every token: a hard label, said as such.
 */
import api, { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { estimateInputTokens } from '../teacher/tokens.js';
import type { ChatCompletionRequest } from './chat-request.js';
import { chunk, type CompletionIdentity, type CompletionUsage, type TokenLogprob } from './chat-response.js';
import { invalidParameter } from './http.js';

/** One o200k token of an answer: its text as OpenAI shows it, and its exact UTF-8 bytes. */
export interface AnswerToken {
  /** The token decoded alone (a piece of a multi-byte character shows as U+FFFD, as in OpenAI's answers). */
  token: string;
  bytes: number[];
  /** Natural-log probability the answering system gives this token (0 for a system without probabilities). */
  logprob: number;
}

/** A text answer, cut to the request's token limit. */
export interface TextAnswer {
  /** The text sent: the whole answer, or its first `maxTokens` tokens. */
  text: string;
  tokens: AnswerToken[];
  finishReason: 'stop' | 'length';
}

/** The generation settings a text server acts on, beyond what chat-request parses. */
export interface GenerationSettings {
  /** max_completion_tokens, or the older max_tokens; null when neither is set. */
  maxTokens: number | null;
  /** response_format.type; 'text' when not set. */
  responseFormat: 'text' | 'json_object' | 'json_schema';
}

/** The part of gpt-tokenizer's encoder that yields each token's bytes; not in its public types. */
interface TokenBytesSource {
  decodeNativeGenerator(tokens: Iterable<number>): Iterable<Uint8Array | string>;
}

const utf8 = new TextDecoder('utf-8');

/** The bytes of each token of `ids`, one entry per token (the encoder's own table, so split characters stay exact). */
function tokenBytes(ids: readonly number[]): Array<Uint8Array | string> {
  const source = (api as unknown as { bytePairEncodingCoreProcessor?: TokenBytesSource }).bytePairEncodingCoreProcessor;
  if (source === undefined) throw new Error('gpt-tokenizer no longer exposes its byte table; pin gpt-tokenizer 4.x');
  const parts = [...source.decodeNativeGenerator(ids)];
  if (parts.length !== ids.length) throw new Error(`gpt-tokenizer decoded ${parts.length} parts for ${ids.length} tokens`);
  return parts;
}

/** `text` as o200k tokens, each with the given logprob. */
export function answerTokens(text: string, logprob = 0): AnswerToken[] {
  const ids = encode(text, { disallowedSpecial: new Set() });
  return tokenBytes(ids).map((part) =>
    typeof part === 'string' ? { token: part, bytes: [...Buffer.from(part, 'utf8')], logprob } : { token: utf8.decode(part), bytes: [...part], logprob },
  );
}

/** The text of whole tokens (their bytes joined, then decoded). */
function textOf(tokens: readonly AnswerToken[]): string {
  return Buffer.from(tokens.flatMap((token) => token.bytes)).toString('utf8');
}

/** The answer as sent under a token limit: cut to `maxTokens` tokens with finish_reason 'length', whole otherwise. */
export function limitAnswer(text: string, maxTokens: number | null, logprob = 0): TextAnswer {
  const tokens = answerTokens(text, logprob);
  if (maxTokens === null || tokens.length <= maxTokens) return { text, tokens, finishReason: 'stop' };
  const kept = tokens.slice(0, maxTokens);
  return { text: textOf(kept), tokens: kept, finishReason: 'length' };
}

/** An optional positive integer field, or a 400 naming it. */
function optionalPositiveInteger(body: Record<string, unknown>, name: string): number | null {
  const value = body[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidParameter(name, `${name} must be a positive integer`);
  return value;
}

/** response_format: text, json_object, or json_schema with a schema object (as OpenAI requires); a 400 otherwise. */
function parseResponseFormat(value: unknown): GenerationSettings['responseFormat'] {
  if (value === undefined || value === null) return 'text';
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter('response_format', 'response_format must be an object such as {"type":"json_schema","json_schema":{...}}', 'invalid_type');
  const { type, json_schema: jsonSchema } = value as Record<string, unknown>;
  if (type === 'text' || type === 'json_object') return type;
  if (type !== 'json_schema') throw invalidParameter('response_format.type', 'response_format.type must be one of text, json_object, json_schema');
  const schema = (jsonSchema ?? null) as Record<string, unknown> | null;
  if (schema === null || typeof schema !== 'object' || typeof schema.name !== 'string' || schema.name === '') {
    throw invalidParameter('response_format.json_schema', 'response_format.json_schema must be an object with a non-empty name (and a schema)', 'missing_required_parameter');
  }
  if (schema.schema !== undefined && (schema.schema === null || typeof schema.schema !== 'object' || Array.isArray(schema.schema))) {
    throw invalidParameter('response_format.json_schema.schema', 'response_format.json_schema.schema must be a JSON Schema object', 'invalid_type');
  }
  return 'json_schema';
}

/** Reads max_completion_tokens / max_tokens and response_format from a chat-completions body; 400s name the field. */
export function parseGenerationSettings(body: Record<string, unknown>): GenerationSettings {
  const maxCompletionTokens = optionalPositiveInteger(body, 'max_completion_tokens');
  const maxTokens = optionalPositiveInteger(body, 'max_tokens');
  if (maxCompletionTokens !== null && maxTokens !== null && maxCompletionTokens !== maxTokens) {
    throw invalidParameter('max_tokens', 'max_tokens and max_completion_tokens disagree; send one of them');
  }
  return { maxTokens: maxCompletionTokens ?? maxTokens, responseFormat: parseResponseFormat(body.response_format) };
}

/** Usage of a text answer: prompt tokens counted as OpenAI counts chat messages, completion tokens as sent. */
export function textUsage(request: ChatCompletionRequest, answer: TextAnswer): CompletionUsage {
  const promptTokens = estimateInputTokens(request.messages);
  return { prompt_tokens: promptTokens, completion_tokens: answer.tokens.length, total_tokens: promptTokens + answer.tokens.length };
}

/** logprobs.content entries for tokens; top_logprobs lists the chosen token alone, the only one this system gives a probability. */
function logprobEntries(tokens: readonly AnswerToken[], topLogprobs: number): TokenLogprob[] {
  return tokens.map(({ token, bytes, logprob }) => ({ token, logprob, bytes, top_logprobs: topLogprobs > 0 ? [{ token, logprob, bytes }] : [] }));
}

/** The logprobs field of a choice: present only when asked for. */
function choiceLogprobs(tokens: readonly AnswerToken[], request: ChatCompletionRequest): { content: TokenLogprob[]; refusal: null } | null {
  return request.logprobs ? { content: logprobEntries(tokens, request.topLogprobs), refusal: null } : null;
}

/** A complete `chat.completion` object for a non-streamed text answer. */
export function textChatCompletion(identity: CompletionIdentity, answer: TextAnswer, request: ChatCompletionRequest, usage: CompletionUsage): Record<string, unknown> {
  return {
    ...identity,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: answer.text, refusal: null, annotations: [] }, logprobs: choiceLogprobs(answer.tokens, request), finish_reason: answer.finishReason }],
    usage,
  };
}

/** Tokens grouped so each group's bytes are whole UTF-8 characters: a stream never sends half a character. */
export function wholeCharacterGroups(tokens: readonly AnswerToken[]): AnswerToken[][] {
  const groups: AnswerToken[][] = [];
  let pending: AnswerToken[] = [];
  const strict = new TextDecoder('utf-8', { fatal: true });
  for (const token of tokens) {
    pending.push(token);
    try {
      strict.decode(Uint8Array.from(pending.flatMap((item) => item.bytes)));
    } catch {
      continue;
    }
    groups.push(pending);
    pending = [];
  }
  if (pending.length > 0) groups.push(pending);
  return groups;
}

/** The chunks of a streamed text answer in OpenAI's order: role, one content delta per character-whole group (+ logprobs), finish, optional usage. */
export function textChatCompletionChunks(identity: CompletionIdentity, answer: TextAnswer, request: ChatCompletionRequest, usage: CompletionUsage): Array<Record<string, unknown>> {
  const { includeUsage } = request;
  const chunks = [chunk(identity, { delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }, includeUsage)];
  for (const group of wholeCharacterGroups(answer.tokens)) {
    chunks.push(chunk(identity, { delta: { content: textOf(group) }, logprobs: choiceLogprobs(group, request), finish_reason: null }, includeUsage));
  }
  chunks.push(chunk(identity, { delta: {}, logprobs: null, finish_reason: answer.finishReason }, includeUsage));
  if (includeUsage) chunks.push({ ...identity, object: 'chat.completion.chunk', choices: [], usage });
  return chunks;
}
