/** The teacher module's public API: the seam (v2, completions), its errors, the OpenAI-compatible and Anthropic clients, reasoning models, prices, tokens. */
export type { ChatMessage, CompletionToken, FinishReason, Teacher, TeacherCompletion, TeacherRequest, TeacherUsage, TokenAlternative } from './types.js';
export { TeacherAuthError, TeacherConnectionError, TeacherError, TeacherResponseError, TeacherTimeoutError, isRetryableStatus } from './errors.js';
export { createOpenAITeacher, type OpenAITeacherOptions } from './openai-teacher.js';
export { createAnthropicTeacher, type AnthropicTeacherOptions } from './anthropic-teacher.js';
export { isReasoningModel, outputTokenLimit } from './reasoning.js';
export { costUSD, lookupPrices, resolvePrices, type PriceSource, type Prices } from './prices.js';
export { countTextTokens, estimateInputTokens } from './tokens.js';
export { requestKey } from './request-key.js';
