/**
 * An OpenAI-compatible server in front of any text classifier: the student server and the demo's
 * teacher server are both this, with a different `classify`. The answer is the label; logprobs
 * carry the classifier's probabilities, so a distillation client cannot tell it from an LLM.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseChatCompletionRequest, requireInput, type ChatCompletionRequest } from './chat-request.js';
import { chatCompletion, chatCompletionChunks, newCompletionIdentity, usageFor, type ClassifierAnswer } from './chat-response.js';
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, readJsonBody, sendJson, SseWriter, type Route } from './http.js';
import { listen, type ListeningServer } from './listen.js';
import { modelRoutes } from './model-routes.js';

/** Classifies one input text. */
export type Classify = (input: string) => ClassifierAnswer | Promise<ClassifierAnswer>;

/** The text a request asks about, where it came from (for a 400 when it is empty), and headers that say how it was found. */
export interface SelectedInput {
  input: string;
  param: string;
  headers?: Record<string, string>;
}

/** Picks the text to classify out of a validated request (default: the last user message). */
export type SelectInput = (chat: ChatCompletionRequest) => SelectedInput;

/** How to start a classifier server. */
export interface ClassifierServerOptions {
  classify: Classify;
  /** The model name clients must send, listed by GET /v1/models. */
  modelName: string;
  /** `owned_by` in the model listing. */
  ownedBy?: string;
  /** Default 127.0.0.1: a student is served on loopback unless asked otherwise. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Request body limit in bytes (413 beyond it); default 1 MiB. */
  maxBodyBytes?: number;
  /** Which text of a request to classify; default the last user message. */
  selectInput?: SelectInput;
}

/** POST /v1/chat/completions: validate, classify, serialise (as JSON or as an SSE stream). */
function chatCompletionsHandler(options: ClassifierServerOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (request, response) => {
    const chat = parseChatCompletionRequest(await readJsonBody(request, maxBodyBytes), options.modelName);
    const selected = options.selectInput?.(chat) ?? { input: chat.input, param: chat.inputParam };
    const answer = await options.classify(requireInput(selected.input, selected.param));
    const identity = newCompletionIdentity(chat.model);
    const usage = usageFor(chat.messages);
    if (!chat.stream) return sendJson(response, 200, chatCompletion(identity, answer, chat, usage), selected.headers);
    const events = new SseWriter(response, selected.headers);
    for (const chunk of chatCompletionChunks(identity, answer, chat, usage)) events.send(chunk);
    events.done();
  };
}

/** The route table: chat completions and the model listing (all and one). */
function routes(options: ClassifierServerOptions): Route[] {
  return [{ method: 'POST', path: '/v1/chat/completions', handler: chatCompletionsHandler(options) }, ...modelRoutes(options)];
}

/** Starts an OpenAI-compatible server answering chat completions with `options.classify`. */
export async function startClassifierServer(options: ClassifierServerOptions): Promise<ListeningServer> {
  if (options.modelName === '') throw new Error('startClassifierServer: modelName must not be empty');
  return listen(createRequestListener(routes(options)), options.host, options.port);
}
