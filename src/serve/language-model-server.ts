/**
 * Serves a language-model student behind OpenAI's /v1/chat/completions and /v1/completions, so an
 * app swaps its teacher for the student by changing `baseURL`. A chat request that carries the
 * teacher's templated prompt (the one the student file records) is answered on the input the
 * template recovers, the text the student was trained on; otherwise on the last user message.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WatermarkKey } from '../evidence/watermark-key.js';
import type { StudentPrompt } from '../student/file-format.js';
import type { GenerativeStudent } from '../student/lm/types.js';
import { parseChatCompletionRequest, requireInput } from './chat-request.js';
import { newCompletionIdentity } from './chat-response.js';
import { parseSamplingRequest, warningHeaders } from './generation-request.js';
import { chatLogprobEntries, generatedChatChunk, generatedChatCompletion, generationUsage, usageChunk, type TokenRendering } from './generation-response.js';
import { choiceOptions, drainStream, generateChoices, promptTokenCount, startStream, type GenerationContext } from './generation-runner.js';
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, readJsonBody, sendJson, SseWriter, type Route } from './http.js';
import { completionsRoute } from './legacy-completions.js';
import { listen, type ListeningServer } from './listen.js';
import { modelRoutes } from './model-routes.js';
import { templateInputSelector } from './student-server.js';
import { watermarkIgnores } from './watermark-decoding.js';

/** How to serve a language-model student. */
export interface LanguageModelServerOptions {
  student: GenerativeStudent;
  /** The model name clients send and GET /v1/models lists. */
  modelName: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Request body limit in bytes; default 1 MiB. */
  maxBodyBytes?: number;
  /** The prompt the student was distilled with, inverted to recover the input from a teacher-shaped request. */
  prompt?: StudentPrompt | null;
  /** Watermark every answer with this key (KGW or Gumbel). */
  watermark?: WatermarkKey;
}

/** Streams every choice of a chat request, then the usage chunk when asked, then [DONE]. */
async function streamChat(response: ServerResponse, context: GenerationContext, prompt: string, setup: ChatSetup): Promise<void> {
  const { options, rendering, includeUsage, identity, headers, promptParam } = setup;
  const first = await startStream(context, prompt, options[0] ?? {}, promptParam);
  const events = new SseWriter(response, headers);
  const choices: Array<{ tokens: readonly unknown[] }> = [];
  for (const [index, option] of options.entries()) {
    const started = index === 0 ? first : await startStream(context, prompt, option, promptParam);
    events.send(generatedChatChunk(identity, index, { delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }, includeUsage));
    const finished = await drainStream(started, response, (chunk) => {
      const logprobs = rendering !== null && chunk.token !== undefined ? { content: chatLogprobEntries([chunk.token], rendering), refusal: null } : null;
      if (chunk.text !== '' || logprobs !== null) events.send(generatedChatChunk(identity, index, { delta: { content: chunk.text }, logprobs, finish_reason: null }, includeUsage));
    });
    if (response.destroyed) return;
    events.send(generatedChatChunk(identity, index, { delta: {}, logprobs: null, finish_reason: finished.finishReason }, includeUsage));
    choices.push(finished);
  }
  if (includeUsage) events.send(usageChunk(identity, 'chat.completion.chunk', generationUsage(promptTokenCount(context.student, prompt), choices)));
  events.done();
}

/** What one chat request is answered with. */
interface ChatSetup {
  options: ReturnType<typeof choiceOptions>;
  rendering: TokenRendering | null;
  includeUsage: boolean;
  identity: ReturnType<typeof newCompletionIdentity>;
  headers: Record<string, string>;
  promptParam: string;
}

/** POST /v1/chat/completions: validate, generate, serialise (as JSON or as an SSE stream). */
function chatCompletionsHandler(options: LanguageModelServerOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const selectInput = templateInputSelector(options.prompt, []);
  const context: GenerationContext = { student: options.student, watermark: options.watermark };
  return async (request, response) => {
    const body = await readJsonBody(request, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    // n is the sampler's business here: the classifier parser's one-choice rule does not apply.
    const chat = parseChatCompletionRequest({ ...body, n: null }, options.modelName);
    const sampling = parseSamplingRequest(body, null);
    const selected = selectInput(chat);
    const prompt = requireInput(selected.input, selected.param);
    const rendering = chat.logprobs ? { tokenizer: options.student.tokenizer, topLogprobs: chat.topLogprobs } : null;
    const headers = { ...selected.headers, ...warningHeaders([...sampling.ignored, ...watermarkIgnores(options.watermark, sampling.topP)]) };
    const setup: ChatSetup = { options: choiceOptions(context, sampling, chat.topLogprobs), rendering, includeUsage: chat.includeUsage, identity: newCompletionIdentity(chat.model), headers, promptParam: selected.param };
    if (chat.stream) return streamChat(response, context, prompt, setup);
    const choices = generateChoices(context, prompt, setup.options, selected.param);
    sendJson(response, 200, generatedChatCompletion(setup.identity, choices, rendering, generationUsage(promptTokenCount(options.student, prompt), choices)), headers);
  };
}

/** The route table: chat completions, completions, and the model listing. */
function routes(options: LanguageModelServerOptions): Route[] {
  const context: GenerationContext = { student: options.student, watermark: options.watermark };
  return [
    { method: 'POST', path: '/v1/chat/completions', handler: chatCompletionsHandler(options) },
    { method: 'POST', path: '/v1/completions', handler: completionsRoute(context, options.modelName, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) },
    ...modelRoutes({ modelName: options.modelName, ownedBy: 'distillery:lm' }),
  ];
}

/** Starts an OpenAI-compatible server answering with a language-model student; `url` is the base URL ending in /v1. */
export async function startLanguageModelServer(options: LanguageModelServerOptions): Promise<ListeningServer> {
  if (options.modelName === '') throw new Error('startLanguageModelServer: modelName must not be empty');
  return listen(createRequestListener(routes(options)), options.host, options.port);
}
