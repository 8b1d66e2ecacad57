/**
 * Builds OpenAI-shaped chat completions and stream chunks from a classifier's answer. The answer is
 * a single "token" (the label), so logprobs.content has exactly one entry and completion_tokens is 1.
 */
import { randomBytes } from 'node:crypto';
import { estimateInputTokens } from '../teacher/tokens.js';
import type { ChatCompletionRequest, TextMessage } from './chat-request.js';

/** One candidate answer with its natural-log probability. */
export interface RankedToken {
  token: string;
  logprob: number;
}

/** What a classifier answers for one input. */
export interface ClassifierAnswer {
  /** The answer text (a label, or a junk answer such as "unknown"). */
  label: string;
  /** Candidates sorted by probability, highest first; null when this answer has no logprobs. */
  ranked: readonly RankedToken[] | null;
}

/** OpenAI's logprob for "outside what we can tell"; also keeps -Infinity out of JSON (it would become null). */
export const LOGPROB_FLOOR = -9999;

/** OpenAI's per-token logprob entry. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

/** OpenAI's usage block. */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What every completion or chunk of one answer shares. */
export interface CompletionIdentity {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
}

/** Random bytes for ids, drawn 4 KiB at a time: one call into the CSPRNG per 341 answers instead of one per answer. */
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** `bytes` random bytes as hex, from the pool. */
function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomPool = randomBytes(4096);
    randomOffset = 0;
  }
  randomOffset += bytes;
  return randomPool.toString('hex', randomOffset - bytes, randomOffset);
}

/** A fresh identity for one answer: a random chatcmpl- id and the current second. */
export function newCompletionIdentity(model: string): CompletionIdentity {
  return { id: `chatcmpl-${randomHex(12)}`, created: Math.floor(Date.now() / 1000), model };
}

/** Usage with prompt tokens counted by o200k (gpt-tokenizer) the way OpenAI counts chat messages (the teacher's own estimate). */
export function usageFor(messages: readonly TextMessage[]): CompletionUsage {
  const promptTokens = estimateInputTokens(messages);
  return { prompt_tokens: promptTokens, completion_tokens: 1, total_tokens: promptTokens + 1 };
}

/** A finite logprob no lower than OpenAI's floor. */
function clampLogprob(logprob: number): number {
  return Number.isNaN(logprob) || logprob < LOGPROB_FLOOR ? LOGPROB_FLOOR : logprob;
}

/** Tokens are a classifier's few labels: their byte lists are computed once (and never mutated). */
const MAX_CACHED_TOKENS = 1024;
const tokenBytes = new Map<string, number[]>();

/** UTF-8 bytes of a token, as OpenAI reports them. */
function utf8Bytes(token: string): number[] {
  const cached = tokenBytes.get(token);
  if (cached !== undefined) return cached;
  const bytes = [...Buffer.from(token, 'utf8')];
  if (tokenBytes.size < MAX_CACHED_TOKENS) tokenBytes.set(token, bytes);
  return bytes;
}

/** logprobs.content for an answer: one entry for the label with its top-k alternatives; null without logprobs. */
export function logprobsContent(answer: ClassifierAnswer, topLogprobs: number): TokenLogprob[] | null {
  if (answer.ranked === null) return null;
  const chosen = answer.ranked.find((candidate) => candidate.token === answer.label);
  const alternatives = answer.ranked.slice(0, topLogprobs).map(({ token, logprob }) => ({ token, logprob: clampLogprob(logprob), bytes: utf8Bytes(token) }));
  return [{ token: answer.label, logprob: clampLogprob(chosen?.logprob ?? LOGPROB_FLOOR), bytes: utf8Bytes(answer.label), top_logprobs: alternatives }];
}

/** The logprobs field of a choice: present only when asked for and available. */
function choiceLogprobs(answer: ClassifierAnswer, request: ChatCompletionRequest): { content: TokenLogprob[]; refusal: null } | null {
  if (!request.logprobs) return null;
  const content = logprobsContent(answer, request.topLogprobs);
  return content === null ? null : { content, refusal: null };
}

/** A complete `chat.completion` object for a non-streamed answer. */
export function chatCompletion(identity: CompletionIdentity, answer: ClassifierAnswer, request: ChatCompletionRequest, usage: CompletionUsage): Record<string, unknown> {
  return {
    id: identity.id,
    created: identity.created,
    model: identity.model,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer.label, refusal: null, annotations: [] },
        logprobs: choiceLogprobs(answer, request),
        finish_reason: 'stop',
      },
    ],
    usage,
  };
}

/** One `chat.completion.chunk` with a single choice. */
export function chunk(identity: CompletionIdentity, choice: Record<string, unknown>, includeUsage: boolean): Record<string, unknown> {
  // With include_usage OpenAI sends `usage: null` on every chunk before the final usage chunk.
  return { ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, ...choice }], ...(includeUsage ? { usage: null } : {}) };
}

/** The chunks of a streamed answer, in OpenAI's order: role, content (+ logprobs), finish, optional usage. */
export function chatCompletionChunks(identity: CompletionIdentity, answer: ClassifierAnswer, request: ChatCompletionRequest, usage: CompletionUsage): Array<Record<string, unknown>> {
  const { includeUsage } = request;
  const chunks = [
    chunk(identity, { delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }, includeUsage),
    chunk(identity, { delta: { content: answer.label }, logprobs: choiceLogprobs(answer, request), finish_reason: null }, includeUsage),
    chunk(identity, { delta: {}, logprobs: null, finish_reason: 'stop' }, includeUsage),
  ];
  if (includeUsage) chunks.push({ ...identity, object: 'chat.completion.chunk', choices: [], usage });
  return chunks;
}
