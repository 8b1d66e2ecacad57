/** The teacher module's public API: the seam, its errors, the OpenAI-compatible client, logprobs → labels, prices, tokens. */
export type { ChatMessage, Teacher, TeacherRequest, TeacherResult, TeacherUsage } from './types.js';
export { TeacherAuthError, TeacherConnectionError, TeacherError, TeacherResponseError, TeacherTimeoutError, isRetryableStatus } from './errors.js';
export { createOpenAITeacher, type OpenAITeacherOptions } from './openai-teacher.js';
export { labelDistribution, matchLabel, type LabelDistribution, type LogprobCandidate, type LogprobToken } from './label-distribution.js';
export { costUSD, lookupPrices, resolvePrices, type PriceSource, type Prices } from './prices.js';
export { countTextTokens, estimateInputTokens } from './tokens.js';
export { requestKey } from './request-key.js';
