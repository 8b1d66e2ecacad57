/** The guard: an OpenAI-compatible gateway with keys, accounting, detectors and policies. */
export { startGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { openSqliteGuardStore } from './sqlite-guard-store.js';
export type { AuditEntry, AuditQuery, GuardStore, KeyRecord, PolicyState, UsageEntry, UsageWindow } from './guard-store.js';
export { createKey, authenticate, type AuthFailure, type CreateKeyOptions } from './key-registry.js';
export { KEY_PREFIX, bearerToken, hashKey, issueKey, keyMatches, visiblePrefixOf, type IssuedKey } from './keys.js';
export { PolicyEngine, combineScores, type Admission, type PolicyDecision, type PolicyEngineOptions } from './policy-engine.js';
export { DEFAULT_POLICY_RULE, actionFor, atLeast, ruleFor, type PolicyConfig, type PolicyRule } from './policy-config.js';
export { VolumeDetector, type VolumeDetectorOptions } from './volume-detector.js';
export { postWebhook, type PolicyChangeEvent } from './webhook.js';
export { DEFAULT_ACCOUNTING_WINDOW_MS, usageEntry, windowStart, type TokenPrices } from './accounting.js';
export { explainKey, type KeyExplanation } from './explain.js';
export { POLICY_ACTIONS, type Detector, type DetectorScore, type PolicyAction, type RequestFeatures } from './types.js';
