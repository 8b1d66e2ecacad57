/**
 * The extract demo's teacher: compromise's people, places and organisations served as an
 * OpenAI-compatible chat API on loopback, answering the JSON object of ENTITY_SCHEMA for the last
 * user message. It speaks the wire format of an LLM (plain and streamed answers, usage in o200k
 * tokens, max_tokens truncation with finish_reason 'length', response_format accepted), so the
 * pipeline cannot tell it from one. compromise has no probabilities: with logprobs asked, every
 * token of the answer has logprob 0 (probability 1), the honest value of a hard label.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseChatCompletionRequest, requireInput } from '../serve/chat-request.js';
import { newCompletionIdentity } from '../serve/chat-response.js';
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, readJsonBody, sendJson, SseWriter, type Route } from '../serve/http.js';
import { listen } from '../serve/listen.js';
import { modelRoutes } from '../serve/model-routes.js';
import { limitAnswer, parseGenerationSettings, textChatCompletion, textChatCompletionChunks, textUsage } from '../serve/text-completion.js';
import { entityAnswerText, extractEntities } from './entity-extractor.js';

/** The model name the extract teacher serves by default. */
export const EXTRACT_TEACHER_MODEL = 'compromise-entities';

/** How to start the extract teacher. */
export interface ExtractTeacherServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default EXTRACT_TEACHER_MODEL. */
  modelName?: string;
}

/** A running extract teacher. */
export interface ExtractTeacherServer {
  /** Base URL ending in /v1. */
  url: string;
  port: number;
  /** The model name clients must send. */
  modelName: string;
  /** Model calls made so far (what the pipeline's cache should keep low). */
  calls(): number;
  /** Milliseconds spent inside compromise so far (the model's own time, without HTTP). */
  modelMilliseconds(): number;
  close(): Promise<void>;
}

/** The teacher's answer text for one sentence (what a completion's content holds before any truncation). */
export function extractAnswer(sentence: string): string {
  return entityAnswerText(extractEntities(sentence.trim()));
}

/** Starts the extract teacher; compromise is synchronous, so calls never overlap. */
export async function startExtractTeacherServer(options: ExtractTeacherServerOptions = {}): Promise<ExtractTeacherServer> {
  const modelName = options.modelName ?? EXTRACT_TEACHER_MODEL;
  let calls = 0;
  let modelMilliseconds = 0;
  const answer = (sentence: string): string => {
    const started = performance.now();
    const text = extractAnswer(sentence);
    modelMilliseconds += performance.now() - started;
    calls += 1;
    return text;
  };
  const chatCompletions = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readJsonBody(request, DEFAULT_MAX_BODY_BYTES);
    const chat = parseChatCompletionRequest(body, modelName);
    const settings = parseGenerationSettings(body);
    const sent = limitAnswer(answer(requireInput(chat.input, chat.inputParam)), settings.maxTokens);
    const identity = newCompletionIdentity(chat.model);
    const usage = textUsage(chat, sent);
    if (!chat.stream) return sendJson(response, 200, textChatCompletion(identity, sent, chat, usage));
    const events = new SseWriter(response);
    for (const chunk of textChatCompletionChunks(identity, sent, chat, usage)) events.send(chunk);
    events.done();
  };
  const routes: Route[] = [{ method: 'POST', path: '/v1/chat/completions', handler: chatCompletions }, ...modelRoutes({ modelName, ownedBy: 'spencermountain/compromise' })];
  const server = await listen(createRequestListener(routes), options.host, options.port);
  return { url: server.url, port: server.port, modelName, calls: () => calls, modelMilliseconds: () => modelMilliseconds, close: () => server.close() };
}
