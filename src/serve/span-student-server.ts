/**
 * Serves a span-tagger student (an extract task's student that tags spans of the input) behind
 * OpenAI's /v1/chat/completions, so an app swaps its teacher for it by changing `baseURL`. The answer
 * is the task schema's JSON object, valid by construction; a `response_format` json_schema must ask
 * for that same object (else a 400). What it does not have, it says: there are no token logprobs
 * (`logprobs: true` answers `logprobs: null` and names it in the warning header), sampling settings do
 * not apply (the tagger is deterministic and writes the whole object), and its confidence is the Viterbi
 * margin in the `x-distillery-span-margin` header. Usage counts are o200k counts, as the teacher bills.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StudentPrompt } from '../student/file-format.js';
import type { SpanGeneration, SpanStudent } from '../student/span/span-student.js';
import { schemaMismatch } from '../student/span/span-student.js';
import { countTextTokens, estimateInputTokens } from '../teacher/tokens.js';
import { parseChatCompletionRequest, requireInput } from './chat-request.js';
import { newCompletionIdentity, type CompletionUsage } from './chat-response.js';
import { parseSamplingRequest, WARNING_HEADER } from './generation-request.js';
import { generatedChatChunk, generatedChatCompletion, usageChunk } from './generation-response.js';
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, HttpError, invalidParameter, readJsonBody, sendJson, SseWriter, type Route } from './http.js';
import { listen, type ListeningServer } from './listen.js';
import { modelRoutes } from './model-routes.js';
import { templateInputSelector } from './student-server.js';

/** The header carrying the answer's Viterbi margin (best path score minus the second best; `inf` for an input without words). */
export const SPAN_MARGIN_HEADER = 'x-distillery-span-margin';

/** How to serve a span student. */
export interface SpanStudentServerOptions {
  student: SpanStudent;
  /** The model name clients send and GET /v1/models lists. */
  modelName: string;
  host?: string;
  port?: number;
  maxBodyBytes?: number;
  /** The prompt the student was distilled with, inverted to recover the input (default: the one its file records). */
  prompt?: StudentPrompt | null;
}

/** Settings a span answer cannot follow (it is deterministic and whole), named in the warning header when set. */
const NOT_APPLIED = ['temperature', 'top_p', 'seed', 'stop', 'max_tokens', 'max_completion_tokens', 'logit_bias', 'presence_penalty', 'frequency_penalty'] as const;

/** The warning header for a request: settings not applied, and logprobs when asked for. */
function warnings(body: Record<string, unknown>, ignored: readonly string[], logprobs: boolean): Record<string, string> {
  const names = [...new Set([...NOT_APPLIED.filter((name) => body[name] !== undefined && body[name] !== null), ...ignored])];
  const parts = [
    ...(names.length > 0 ? [`ignored: ${names.join(', ')} (the span tagger is deterministic and writes the whole object)`] : []),
    ...(logprobs ? [`logprobs: the span tagger has no token logprobs (logprobs is null); its confidence is the Viterbi margin in ${SPAN_MARGIN_HEADER}`] : []),
  ];
  return parts.length === 0 ? {} : { [WARNING_HEADER]: parts.join('; ') };
}

/** Usage as the teacher would be billed for the same call: o200k tokens of the messages and of the answer. */
function spanUsage(messages: readonly { role: string; content: string }[], text: string): CompletionUsage {
  const prompt = estimateInputTokens(messages);
  const completion = countTextTokens(text);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** The margin as a header value. */
const marginText = (generation: SpanGeneration): string => (Number.isFinite(generation.margin) ? generation.margin.toFixed(4) : 'inf');

/** POST /v1/chat/completions: validate, tag, serialise (as JSON or as an SSE stream). */
function chatHandler(options: SpanStudentServerOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const selectInput = templateInputSelector(options.prompt === undefined ? options.student.prompt : options.prompt, []);
  return async (request, response) => {
    const body = await readJsonBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    const chat = parseChatCompletionRequest(body, options.modelName);
    const sampling = parseSamplingRequest(body, null);
    const mismatch = schemaMismatch(options.student.fields, sampling.schema);
    if (mismatch !== null) throw invalidParameter('response_format', `response_format: ${mismatch}`, 'unsupported_value');
    const selected = selectInput(chat);
    const input = requireInput(selected.input, selected.param);
    const generation = options.student.generate(input);
    const headers = { ...selected.headers, ...warnings(body, sampling.ignored, chat.logprobs), [SPAN_MARGIN_HEADER]: marginText(generation) };
    const usage = spanUsage(chat.messages, generation.text);
    const identity = newCompletionIdentity(chat.model);
    if (!chat.stream) return sendJson(response, 200, generatedChatCompletion(identity, [{ text: generation.text, tokens: [], finishReason: 'stop' }], null, usage), headers);
    const events = new SseWriter(response, headers);
    const send = (choice: Record<string, unknown>) => events.send(generatedChatChunk(identity, 0, choice, chat.includeUsage));
    send({ delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null });
    send({ delta: { content: generation.text }, logprobs: null, finish_reason: null });
    send({ delta: {}, logprobs: null, finish_reason: 'stop' });
    if (chat.includeUsage) events.send(usageChunk(identity, 'chat.completion.chunk', usage));
    events.done();
  };
}

/** The route table: chat completions, a clear refusal of legacy completions, and the model listing. */
function routes(options: SpanStudentServerOptions): Route[] {
  return [
    { method: 'POST', path: '/v1/chat/completions', handler: chatHandler(options) },
    {
      method: 'POST', path: '/v1/completions',
      handler: () => { throw new HttpError(404, 'a span-tagger student answers POST /v1/chat/completions only (its answer is the task\'s JSON object, not a text continuation)', { code: 'unknown_url' }); },
    },
    ...modelRoutes({ modelName: options.modelName, ownedBy: 'distillery:span-tagger' }),
  ];
}

/** Starts an OpenAI-compatible server answering with a span student; `url` is the base URL ending in /v1. */
export async function startSpanStudentServer(options: SpanStudentServerOptions): Promise<ListeningServer> {
  if (options.modelName === '') throw new Error('startSpanStudentServer: modelName must not be empty');
  return listen(createRequestListener(routes(options)), options.host, options.port);
}
