/**
 * A Teacher for Anthropic's Messages API, on the official @anthropic-ai/sdk. Hard labels and text only:
 * the Messages API has no logprobs, so asking for them is a warning on every completion, not an error.
 * System messages go into the top-level `system` field, as the API wants.
 *
 * Retries: none here (maxRetries 0); the collector retries from the TeacherError. Deadline: as for the
 * OpenAI teacher, our own signal covers reading the body, not only the headers.
 */
import Anthropic from '@anthropic-ai/sdk';
import { mapAnthropicMessage } from './anthropic-response.js';
import { toAnthropicTeacherError } from './anthropic-errors.js';
import { CallDeadline } from './call-deadline.js';
import { TeacherResponseError } from './errors.js';
import type { ChatMessage, Teacher, TeacherCompletion, TeacherRequest } from './types.js';

/** How to reach and ask an Anthropic teacher. */
export interface AnthropicTeacherOptions {
  /** e.g. https://api.anthropic.com (the SDK appends /v1/messages). */
  baseURL: string;
  model: string;
  apiKey: string;
  /** Asked for by the task; the Messages API has none, so this only adds a warning. */
  logprobs: boolean;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** The provider name that goes into cache keys. */
const PROVIDER = 'anthropic';

/** Chat messages as the Messages API takes them: system text apart, user/assistant turns in order. */
export function toAnthropicMessages(messages: readonly ChatMessage[]): { system?: string; messages: Array<{ role: 'user' | 'assistant'; content: string }> } {
  const system = messages.filter((message) => message.role === 'system').map((message) => message.content).join('\n\n');
  const turns = messages.filter((message) => message.role !== 'system').map((message) => ({ role: message.role as 'user' | 'assistant', content: message.content }));
  return { ...(system === '' ? {} : { system }), messages: turns };
}

/** Creates a Teacher that calls messages.create on the Anthropic API (or a server speaking it). */
export function createAnthropicTeacher(options: AnthropicTeacherOptions): Teacher {
  const client = new Anthropic({
    baseURL: options.baseURL, apiKey: options.apiKey, maxRetries: 0, timeout: options.timeoutMs,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  const requestParameters = Object.freeze({ model: options.model, temperature: options.temperature, max_tokens: options.maxTokens });
  const settingWarnings = options.logprobs ? ['the Anthropic Messages API gives no logprobs: hard labels only'] : [];

  /** One HTTP call; resolves to the parsed body and the request id. */
  async function send(messages: ChatMessage[], deadline: CallDeadline): Promise<{ body: unknown; requestId: string | null }> {
    const call = client.messages.create({ ...requestParameters, ...toAnthropicMessages(messages) }, { signal: deadline.controller.signal, timeout: options.timeoutMs });
    let requestId: string | null = null;
    let headersArrived = false;
    try {
      const response = await call.asResponse();
      headersArrived = true;
      requestId = response.headers.get('request-id');
      const body: unknown = await call;
      return { body, requestId };
    } catch (error) {
      const mapped = toAnthropicTeacherError(error, { timedOut: deadline.timedOut, cancelled: deadline.cancelled, timeoutMs: options.timeoutMs, requestId });
      // A 2xx whose headers arrived is billed, whatever went wrong with its body afterwards.
      if (headersArrived && !deadline.timedOut && !deadline.cancelled && !(mapped instanceof TeacherResponseError)) {
        throw new TeacherResponseError(`the teacher's answer could not be read: ${mapped.message}`, { status: 200, requestId, isRetryable: false, cause: error });
      }
      throw mapped;
    }
  }

  /** Asks the teacher for one completion. */
  async function complete(request: TeacherRequest): Promise<TeacherCompletion> {
    const deadline = new CallDeadline(options.timeoutMs, request.signal);
    try {
      const { body, requestId } = await send(request.messages, deadline);
      return mapAnthropicMessage(body, { requestId, warnings: [...settingWarnings] });
    } finally {
      deadline.dispose();
    }
  }

  return { specificationVersion: 'v2', provider: PROVIDER, modelId: options.model, requestParameters, complete };
}
