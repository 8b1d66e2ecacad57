/**
 * Policy settings: score thresholds that pick an action, per tier and per key, plus what to do when
 * the guard store is down. Plain JSON-able data so it can come from a file or the command line.
 */
import type { GateConfig } from './capability-gates.js';
import { POLICY_ACTIONS, type PolicyAction } from './types.js';

/** The thresholds and throttle of one key or tier. A null threshold means never. */
export interface PolicyRule {
  flagAt: number | null;
  throttleAt: number | null;
  blockAt: number | null;
  /** Token bucket of a throttled key: burst size and requests per minute. */
  throttleBurst: number;
  throttleRequestsPerMinute: number;
}

/** The whole policy: a default rule, overridden by tier and then by key id. */
export interface PolicyConfig {
  default?: Partial<PolicyRule>;
  tiers?: Readonly<Record<string, Partial<PolicyRule>>>;
  keys?: Readonly<Record<string, Partial<PolicyRule>>>;
  /**
   * When the guard store cannot be read or written: 'open' serves the request (availability first,
   * unaccounted), 'closed' answers 503 (protection first). Default 'open'.
   */
  onStoreFailure?: 'open' | 'closed';
  /** URL that receives a JSON POST whenever a key's action changes. */
  webhookUrl?: string;
  /** Shared secret the webhook's POSTs are signed with (HMAC-SHA256 of the body; see webhook.ts). */
  webhookSecret?: string;
  /** Capability gates per tier and key (logprobs, n, max tokens, reasoning), announced in `x-distillery-gated`. */
  gates?: GateConfig;
}

/** Flag early, throttle when sure, never block automatically: blocking a paying customer by mistake costs more than a slow harvest. */
export const DEFAULT_POLICY_RULE: Readonly<PolicyRule> = Object.freeze({
  flagAt: 0.5,
  throttleAt: 0.8,
  blockAt: null,
  throttleBurst: 10,
  throttleRequestsPerMinute: 10,
});

/** Drops undefined fields so they do not override the layer below under exactOptionalPropertyTypes. */
function defined(rule: Partial<PolicyRule> | undefined): Partial<PolicyRule> {
  return Object.fromEntries(Object.entries(rule ?? {}).filter(([, value]) => value !== undefined)) as Partial<PolicyRule>;
}

/** The rule in force for a key: default, then its tier, then the key itself. */
export function ruleFor(config: PolicyConfig, keyId: string, tier: string): PolicyRule {
  return { ...DEFAULT_POLICY_RULE, ...defined(config.default), ...defined(config.tiers?.[tier]), ...defined(config.keys?.[keyId]) };
}

/** The strongest action whose threshold `score` reaches. */
export function actionFor(rule: PolicyRule, score: number): PolicyAction {
  if (rule.blockAt !== null && score >= rule.blockAt) return 'block';
  if (rule.throttleAt !== null && score >= rule.throttleAt) return 'throttle';
  if (rule.flagAt !== null && score >= rule.flagAt) return 'flag';
  return 'log';
}

/** Whether `action` is at least as severe as `than`. */
export function atLeast(action: PolicyAction, than: PolicyAction): boolean {
  return POLICY_ACTIONS.indexOf(action) >= POLICY_ACTIONS.indexOf(than);
}
