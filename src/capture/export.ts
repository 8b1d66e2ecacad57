/**
 * `distillery capture export`: captured calls as JSONL, either Distillery's own rows
 * ({messages, answer, usage, tags, model, at}) or OpenAI's chat fine-tuning format ({messages}).
 */
import type { StoredCall } from './capture-store.js';

/** The export formats. */
export const EXPORT_FORMATS = ['jsonl', 'openai'] as const;
/** One export format. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The first choice's message of an answer, or null. */
function answerMessage(response: unknown): Record<string, unknown> | null {
  const choices = (response as { choices?: unknown } | null)?.choices;
  const message = Array.isArray(choices) ? (choices[0] as { message?: unknown } | undefined)?.message : undefined;
  return message !== null && typeof message === 'object' ? (message as Record<string, unknown>) : null;
}

/** The request's messages, or a single user message for a text completion's prompt. */
function messagesOf(request: unknown): unknown[] {
  const fields = (request ?? {}) as { messages?: unknown; prompt?: unknown };
  if (Array.isArray(fields.messages)) return fields.messages;
  return typeof fields.prompt === 'string' ? [{ role: 'user', content: fields.prompt }] : [];
}

/** One exported line, or null when the call has no usable answer (an error, a cut stream) for fine-tuning. */
export function exportLine(call: StoredCall, format: ExportFormat): string | null {
  const message = answerMessage(call.response);
  if (format === 'openai') {
    // Fine-tuning wants a complete exchange: a failed call or an empty answer would teach the wrong thing.
    if (call.status !== 200 || message === null) return null;
    const { role = 'assistant', content = null, tool_calls: toolCalls } = message as { role?: unknown; content?: unknown; tool_calls?: unknown };
    const assistant = { role, content, ...(toolCalls === undefined ? {} : { tool_calls: toolCalls }) };
    return JSON.stringify({ messages: [...messagesOf(call.request), assistant] });
  }
  const text = (call.response as { choices?: Array<{ text?: unknown }> } | null)?.choices?.[0]?.text;
  const answer = message === null ? (typeof text === 'string' ? text : null) : (message['content'] ?? null);
  return JSON.stringify({ messages: messagesOf(call.request), answer, usage: call.usage, tags: call.tags, model: call.model, at: new Date(call.at).toISOString(), status: call.status });
}
