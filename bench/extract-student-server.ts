/**
 * The extract student behind the same loopback OpenAI-compatible wire as the extract teacher
 * (src/demo/extract-teacher-server.ts: the same request parsing and completion shapes), so the two
 * are timed through identical openai clients. A bench stand-in until `distillery serve` serves
 * language-model students; the student decodes greedily under the answer's JSON Schema.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseChatCompletionRequest, requireInput } from '../src/serve/chat-request.js';
import { newCompletionIdentity } from '../src/serve/chat-response.js';
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, readJsonBody, sendJson } from '../src/serve/http.js';
import { listen } from '../src/serve/listen.js';
import { modelRoutes } from '../src/serve/model-routes.js';
import { limitAnswer, parseGenerationSettings, textChatCompletion, textUsage } from '../src/serve/text-completion.js';
import type { GenerativeStudent } from '../src/student/lm/index.js';

/** A running student server. */
export interface ExtractStudentServer { url: string; modelName: string; close(): Promise<void> }

/** Serves `answer(sentence)` (the student's generation) as chat completions on loopback. */
export async function startExtractStudentServer(student: GenerativeStudent, answer: (student: GenerativeStudent, sentence: string) => string): Promise<ExtractStudentServer> {
  const modelName = 'extract-student';
  const chatCompletions = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readJsonBody(request, DEFAULT_MAX_BODY_BYTES);
    const chat = parseChatCompletionRequest(body, modelName);
    const settings = parseGenerationSettings(body);
    const sent = limitAnswer(answer(student, requireInput(chat.input, chat.inputParam)), settings.maxTokens);
    sendJson(response, 200, textChatCompletion(newCompletionIdentity(chat.model), sent, chat, textUsage(chat, sent)));
  };
  const server = await listen(createRequestListener([{ method: 'POST', path: '/v1/chat/completions', handler: chatCompletions }, ...modelRoutes({ modelName, ownedBy: 'distillery' })]));
  return { url: server.url, modelName, close: () => server.close() };
}
