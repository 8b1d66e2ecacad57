/**
 * Reading a client's request at the gateway: the body within a size limit and a deadline (so a
 * client trickling bytes cannot hold a connection forever), the JSON, and the features detectors see.
 */
import type { IncomingMessage } from 'node:http';
import { readBody } from '../serve/http.js';
import type { RequestFeatures } from './types.js';

/** Reads the body, failing with 413 past `maxBytes` and with 408 when it has not all arrived within `timeoutMs`. */
export function readBodyWithin(request: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return readBody(request, maxBytes, timeoutMs);
}

/** Text of a message content: a string, or the text parts of a content array. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : '')).join('');
}

/** What a body says, as text: all of it, its newest message, and its system message. */
interface PromptParts { prompt: string; messageCount: number; lastMessage: string; systemPrompt: string | null }

/** The prompt of a body: chat messages, a completion prompt, or an embedding input, as one text. */
function promptOf(body: Record<string, unknown>): PromptParts {
  if (Array.isArray(body.messages)) {
    const messages = body.messages.map((message) => (message !== null && typeof message === 'object' ? (message as { role?: unknown; content?: unknown }) : {}));
    const texts = messages.map((message) => contentText(message.content));
    const system = messages.flatMap((message, index) => (message.role === 'system' || message.role === 'developer' ? [texts[index] ?? ''] : []));
    return { prompt: texts.join('\n'), messageCount: texts.length, lastMessage: texts[texts.length - 1] ?? '', systemPrompt: system.length > 0 ? system.join('\n') : null };
  }
  const input = body.prompt ?? body.input;
  if (typeof input === 'string') return { prompt: input, messageCount: 1, lastMessage: input, systemPrompt: null };
  if (Array.isArray(input)) {
    const texts = input.filter((item): item is string => typeof item === 'string');
    return { prompt: texts.join('\n'), messageCount: input.length, lastMessage: texts[texts.length - 1] ?? '', systemPrompt: null };
  }
  return { prompt: '', messageCount: 0, lastMessage: '', systemPrompt: null };
}

/** A finite number field, or null. */
function numberField(body: Record<string, unknown>, ...names: string[]): number | null {
  for (const name of names) {
    const value = body[name];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}

/** The features of one request that detectors observe. */
export function requestFeatures(route: string, body: Record<string, unknown>, at: number): RequestFeatures {
  const logprobs = body.logprobs === true || (typeof body.logprobs === 'number' && body.logprobs > 0);
  return {
    at, route, model: typeof body.model === 'string' ? body.model : null, ...promptOf(body), stream: body.stream === true,
    maxTokens: numberField(body, 'max_completion_tokens', 'max_tokens'), logprobs,
    topLogprobs: numberField(body, 'top_logprobs') ?? (typeof body.logprobs === 'number' ? body.logprobs : null),
    temperature: numberField(body, 'temperature'), n: numberField(body, 'n'),
  };
}

/**
 * For a stream, asks the upstream for the final usage chunk (accounting needs it); returns the body to
 * send and whether that chunk was our addition, to be held back from a client that did not ask for it.
 */
export function withStreamUsage(body: Record<string, unknown>): { body: Record<string, unknown>; injectedUsage: boolean } {
  if (body.stream !== true) return { body, injectedUsage: false };
  const options = body.stream_options;
  const asked = options !== null && typeof options === 'object' && (options as { include_usage?: unknown }).include_usage === true;
  if (asked) return { body, injectedUsage: false };
  const merged = options !== null && typeof options === 'object' && !Array.isArray(options) ? { ...(options as Record<string, unknown>) } : {};
  return { body: { ...body, stream_options: { ...merged, include_usage: true } }, injectedUsage: true };
}
