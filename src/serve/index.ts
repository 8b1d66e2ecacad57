export { startStudentServer, studentAnswer, type StudentServerOptions } from './student-server.js';
export { startClassifierServer, type Classify, type ClassifierServerOptions } from './classifier-server.js';
export { LOGPROB_FLOOR, type ClassifierAnswer, type RankedToken, type TokenLogprob, type CompletionUsage } from './chat-response.js';
export { parseChatCompletionRequest, MAX_TOP_LOGPROBS, type ChatCompletionRequest, type TextMessage } from './chat-request.js';
export { HttpError, readJsonBody, sendJson, SseWriter, createRequestListener, DEFAULT_MAX_BODY_BYTES, type OpenAIErrorBody, type Route, type RouteHandler } from './http.js';
export { listen, type ListeningServer } from './listen.js';
export { modelRoutes, type ServedModel } from './model-routes.js';
export { answerTokens, limitAnswer, parseGenerationSettings, textChatCompletion, textChatCompletionChunks, textUsage, wholeCharacterGroups, type AnswerToken, type TextAnswer, type GenerationSettings } from './text-completion.js';
