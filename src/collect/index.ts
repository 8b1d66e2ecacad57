export { collect, type CollectOptions } from './collector.js';
export { collectBatch, type BatchCollectOptions, type BatchEvent } from './batch-collector.js';
export { BATCH_MAX_BYTES, BATCH_MAX_REQUESTS } from './batch-files.js';
export type { CollectEvent, CollectSummary, StopReason } from './events.js';
export { Budget, type BudgetDecision } from './budget.js';
export { TokenBucket } from '../util/token-bucket.js';
export { RateLimiter, type RateLimits } from './rate-limiter.js';
export { backoffDelayMs, type BackoffOptions } from './backoff.js';
export { seededRandom } from '../util/random.js';
