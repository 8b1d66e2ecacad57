/**
 * The lexical evidence story's teacher: a rule-based text model from npm (compromise) that rewrites
 * the last user message in the past tense, served as an OpenAI-compatible chat API on loopback with
 * the same wire format as the extract demo's teacher (plain and streamed answers, usage, max_tokens).
 * compromise is deterministic, so an answer is computed once per sentence and kept.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import nlp from 'compromise';
import { parseChatCompletionRequest, requireInput } from '../../src/serve/chat-request.js';
import { newCompletionIdentity } from '../../src/serve/chat-response.js';
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, readJsonBody, sendJson, SseWriter, type Route } from '../../src/serve/http.js';
import { listen } from '../../src/serve/listen.js';
import { modelRoutes } from '../../src/serve/model-routes.js';
import { limitAnswer, parseGenerationSettings, textChatCompletion, textChatCompletionChunks, textUsage } from '../../src/serve/text-completion.js';

/** The model name the teacher serves. */
export const PAST_TENSE_MODEL = 'compromise-past-tense';

/** The teacher's answer: the sentence in the past tense (compromise's verb conjugation). */
export function pastTense(sentence: string): string {
  return nlp(sentence.trim()).sentences().toPastTense().text().trim();
}

/** A running teacher. */
export interface PastTenseTeacher { url: string; calls(): number; close(): Promise<void> }

/** Starts the teacher on a free loopback port. */
export async function startPastTenseTeacher(): Promise<PastTenseTeacher> {
  const memo = new Map<string, string>();
  let calls = 0;
  const answer = (sentence: string): string => {
    calls += 1;
    let text = memo.get(sentence);
    if (text === undefined) {
      text = pastTense(sentence);
      memo.set(sentence, text);
    }
    return text;
  };
  const chatCompletions = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readJsonBody(request, DEFAULT_MAX_BODY_BYTES);
    const chat = parseChatCompletionRequest(body, PAST_TENSE_MODEL);
    const settings = parseGenerationSettings(body);
    const sent = limitAnswer(answer(requireInput(chat.input, chat.inputParam)), settings.maxTokens);
    const identity = newCompletionIdentity(chat.model);
    const usage = textUsage(chat, sent);
    if (!chat.stream) return sendJson(response, 200, textChatCompletion(identity, sent, chat, usage));
    const events = new SseWriter(response);
    for (const chunk of textChatCompletionChunks(identity, sent, chat, usage)) events.send(chunk);
    events.done();
  };
  const routes: Route[] = [{ method: 'POST', path: '/v1/chat/completions', handler: chatCompletions }, ...modelRoutes({ modelName: PAST_TENSE_MODEL, ownedBy: 'spencermountain/compromise' })];
  const server = await listen(createRequestListener(routes), '127.0.0.1', 0);
  return { url: server.url, calls: () => calls, close: () => server.close() };
}
