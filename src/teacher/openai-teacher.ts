/**
 * A Teacher for any OpenAI-compatible chat completions API (OpenAI, Ollama, llama.cpp, vLLM), on
 * the official openai SDK.
 *
 * Retries: none here. The SDK is built with maxRetries 0; retrying lives in one layer, the
 * collector, which reads `isRetryable` and `retryAfterMs` off the TeacherError.
 *
 * Deadline: the SDK's `timeout` stops at the response headers; a server that sends headers and then
 * stalls the body would hang forever. So every call also carries our own signal, aborted after
 * timeoutMs, which the SDK keeps wired to the body read.
 *
 * Logprobs fallback and cache keys: a server that answers 400 mentioning logprobs is asked again
 * once without them, and this instance stops asking (a warning says so on every affected answer).
 * `requestParameters` stays the *requested* parameters even then: the collector computes cache
 * keys before calling, and a rerun against the same server must hit the answers of the first run.
 * Whether an answer has soft labels is recorded on the answer (distribution null + a warning),
 * not in its key.
 *
 * Reasoning models (reasoning.ts) are sent `max_completion_tokens` = maxTokens + the reasoning
 * allowance; the settings they reject (temperature, logprobs) are left out, each with a warning.
 */
import OpenAI from 'openai';
import { CallDeadline } from './call-deadline.js';
import { withOpenAIErrorBodies } from './compatible-fetch.js';
import { isLogprobsRejection, toTeacherError } from './openai-errors.js';
import { TeacherResponseError } from './errors.js';
import { mapChatCompletion } from './openai-response.js';
import { isReasoningModel, outputTokenLimit } from './reasoning.js';
import type { ChatMessage, Teacher, TeacherCompletion, TeacherRequest } from './types.js';

/** How to reach and ask an OpenAI-compatible teacher. */
export interface OpenAITeacherOptions {
  baseURL: string;
  model: string;
  apiKey: string;
  logprobs: boolean;
  topLogprobs: number;
  temperature: number;
  maxTokens: number;
  /** Reasoning models only: tokens allowed for thinking on top of maxTokens (default 1024). */
  reasoningTokens?: number;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** The provider name that goes into cache keys. */
const PROVIDER = 'openai-compatible';

/** Creates a Teacher that calls chat.completions on an OpenAI-compatible server. */
export function createOpenAITeacher(options: OpenAITeacherOptions): Teacher {
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    maxRetries: 0,
    timeout: options.timeoutMs,
    fetch: withOpenAIErrorBodies(options.fetch ?? globalThis.fetch),
  });
  const reasoning = isReasoningModel(options.model);
  const settingWarnings = reasoning ? reasoningWarnings(options) : [];
  const asksLogprobs = options.logprobs && !reasoning;
  // What is sent besides the messages: the cache key's parameters are exactly these.
  const sentParameters = reasoning
    ? { model: options.model, max_completion_tokens: outputTokenLimit(options.model, options.maxTokens, options.reasoningTokens ?? 1024) }
    : { model: options.model, temperature: options.temperature, max_tokens: options.maxTokens };
  const requestParameters = Object.freeze({
    ...sentParameters,
    logprobs: asksLogprobs,
    ...(asksLogprobs ? { top_logprobs: options.topLogprobs } : {}),
  });
  let logprobsRejected = false;

  /** One HTTP call; resolves to the parsed body and the request id. */
  async function send(messages: ChatMessage[], withLogprobs: boolean, deadline: CallDeadline): Promise<{ body: unknown; requestId: string | null }> {
    const call = client.chat.completions.create(
      {
        ...sentParameters,
        messages,
        ...(withLogprobs ? { logprobs: true, top_logprobs: options.topLogprobs } : {}),
      },
      { signal: deadline.controller.signal, timeout: options.timeoutMs },
    );
    let requestId: string | null = null;
    let headersArrived = false;
    try {
      const response = await call.asResponse();
      headersArrived = true;
      requestId = response.headers.get('x-request-id');
      // Parsing reads the body; the SDK surfaces a non-JSON 200 as a string, invalid JSON as a
      // SyntaxError and a body cut mid-way as a TypeError ("terminated"): all mapped downstream.
      const body: unknown = await call;
      return { body, requestId };
    } catch (error) {
      const mapped = toTeacherError(error, { timedOut: deadline.timedOut, cancelled: deadline.cancelled, timeoutMs: options.timeoutMs, requestId });
      // A 2xx whose headers arrived is billed, whatever went wrong with its body afterwards.
      if (headersArrived && !deadline.timedOut && !deadline.cancelled && !(mapped instanceof TeacherResponseError)) {
        throw new TeacherResponseError(`the teacher's answer could not be read: ${mapped.message}`, { status: 200, requestId, isRetryable: false, cause: error });
      }
      throw mapped;
    }
  }

  /** Sends with logprobs if wanted, falling back once (for good) when the server rejects them. */
  async function sendWithFallback(messages: ChatMessage[], deadline: CallDeadline, warnings: string[]): Promise<{ body: unknown; requestId: string | null; askedForLogprobs: boolean }> {
    const wantLogprobs = asksLogprobs && !logprobsRejected;
    if (asksLogprobs && logprobsRejected) warnings.push('logprobs are off for this teacher (it rejected them earlier); hard label only');
    try {
      return { ...(await send(messages, wantLogprobs, deadline)), askedForLogprobs: wantLogprobs };
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (!wantLogprobs || !isLogprobsRejection(cause)) throw error;
      logprobsRejected = true;
      warnings.push(`the teacher rejected logprobs (${(cause as Error).message}); asked again without them and will not ask again: hard labels only`);
      return { ...(await send(messages, false, deadline)), askedForLogprobs: false };
    }
  }

  /** Asks the teacher for one completion. */
  async function complete(request: TeacherRequest): Promise<TeacherCompletion> {
    const deadline = new CallDeadline(options.timeoutMs, request.signal);
    try {
      const warnings: string[] = [...settingWarnings];
      const { body, requestId, askedForLogprobs } = await sendWithFallback(request.messages, deadline, warnings);
      return mapChatCompletion(body, { messages: request.messages, askedForLogprobs, requestId, warnings });
    } finally {
      deadline.dispose();
    }
  }

  return { specificationVersion: 'v2', provider: PROVIDER, modelId: options.model, requestParameters, complete };
}

/** The settings a reasoning model does not take, as warnings (they are left out of the request). */
function reasoningWarnings(options: OpenAITeacherOptions): string[] {
  const warnings: string[] = [];
  if (options.temperature !== 1) warnings.push(`${options.model} is a reasoning model: temperature ${options.temperature} is not supported and was not sent`);
  if (options.logprobs) warnings.push(`${options.model} is a reasoning model: logprobs are not supported, hard labels only`);
  return warnings;
}
