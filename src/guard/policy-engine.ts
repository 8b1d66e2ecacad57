/**
 * The policy engine: feeds each request to the detectors, combines their scores, picks the action
 * for the key's rule, remembers it in the store, and enforces it (token-bucket throttle, block).
 */
import { TokenBucket } from '../collect/token-bucket.js';
import type { GuardStore, KeyRecord, PolicyState } from './guard-store.js';
import { actionFor, ruleFor, type PolicyConfig, type PolicyRule } from './policy-config.js';
import type { Detector, DetectorScore, PolicyAction, RequestFeatures } from './types.js';
import { postWebhook, type PolicyChangeEvent } from './webhook.js';

/** What the engine decided for one request. */
export interface PolicyDecision {
  action: PolicyAction;
  score: number;
  reasons: string[];
  /** Whether the key's action differs from the one in force before this request. */
  changed: boolean;
}

/** Whether a request may go on, and if not, how to refuse it. */
export type Admission = { allowed: true } | { allowed: false; action: 'throttle' | 'block'; retryAfterMs: number | null };

/** How to build the engine. */
export interface PolicyEngineOptions {
  store: GuardStore;
  detectors: readonly Detector[];
  config?: PolicyConfig;
  now?: () => number;
  /** Called with failures that must not fail a request (a webhook that did not answer, a detector that threw). */
  onError?: (error: unknown) => void;
}

/** Combines detector scores: the strongest signal wins until the calibrated combination replaces it. */
export function combineScores(scores: ReadonlyArray<{ name: string; result: DetectorScore }>): DetectorScore {
  const score = scores.reduce((max, entry) => Math.max(max, Number.isFinite(entry.result.score) ? entry.result.score : 0), 0);
  const reasons = scores.flatMap((entry) => entry.result.reasons.map((reason) => `${entry.name}: ${reason}`));
  return { score: Math.min(1, Math.max(0, score)), reasons };
}

/** Scores changing by less than this are not rewritten to the store: one write per real change, not per request. */
const SCORE_WRITE_STEP = 0.01;

/** Decides and enforces per-key actions from detector scores. */
export class PolicyEngine {
  readonly config: PolicyConfig;
  readonly #store: GuardStore;
  readonly #detectors: readonly Detector[];
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #states = new Map<string, PolicyState>();
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #notifications = new Set<Promise<void>>();

  constructor(options: PolicyEngineOptions) {
    this.#store = options.store;
    this.#detectors = options.detectors;
    this.config = options.config ?? {};
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Observes a request, rescoring its key; rejects only when the store fails (the gateway applies fail-open/closed). */
  async evaluate(key: KeyRecord, features: RequestFeatures): Promise<PolicyDecision> {
    const combined = combineScores(await this.#scoreAll(key.id, features));
    const rule = ruleFor(this.config, key.id, key.tier);
    const action = actionFor(rule, combined.score);
    const previous = await this.#previousState(key.id);
    const changed = previous.action !== action;
    if (changed || Math.abs(previous.score - combined.score) >= SCORE_WRITE_STEP) {
      const state: PolicyState = { keyId: key.id, action, score: combined.score, reasons: combined.reasons, updatedAt: this.#now() };
      await this.#store.setPolicyState(state);
      this.#states.set(key.id, state);
    }
    if (changed) this.#notify(key, previous.action, { action, ...combined });
    return { action, score: combined.score, reasons: combined.reasons, changed };
  }

  /** Enforces `action`: block refuses, throttle spends one token from the key's bucket. */
  admit(key: KeyRecord, action: PolicyAction): Admission {
    if (action === 'block') return { allowed: false, action: 'block', retryAfterMs: null };
    if (action !== 'throttle') return { allowed: true };
    const bucket = this.#bucketFor(key, ruleFor(this.config, key.id, key.tier));
    if (bucket.tryTake(1)) return { allowed: true };
    return { allowed: false, action: 'throttle', retryAfterMs: bucket.waitTime(1) };
  }

  /** Resolves once every webhook started so far has been delivered or has failed. */
  async flushNotifications(): Promise<void> {
    await Promise.all([...this.#notifications]);
  }

  /** Observes then scores with every detector; a detector that throws counts as score 0 and is reported. */
  async #scoreAll(keyId: string, features: RequestFeatures): Promise<Array<{ name: string; result: DetectorScore }>> {
    const results: Array<{ name: string; result: DetectorScore }> = [];
    for (const detector of this.#detectors) {
      try {
        await detector.observe(keyId, features);
        results.push({ name: detector.name, result: await detector.score(keyId) });
      } catch (error) {
        this.#onError(new Error(`detector ${detector.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
    }
    return results;
  }

  /** The state in force before this request: cached, else from the store (so decisions survive a restart). */
  async #previousState(keyId: string): Promise<PolicyState> {
    const cached = this.#states.get(keyId);
    if (cached !== undefined) return cached;
    const stored = (await this.#store.getPolicyState(keyId)) ?? { keyId, action: 'log', score: 0, reasons: [], updatedAt: 0 };
    this.#states.set(keyId, stored);
    return stored;
  }

  /** The key's throttle bucket, rebuilt if its rule's size changed. */
  #bucketFor(key: KeyRecord, rule: PolicyRule): TokenBucket {
    const existing = this.#buckets.get(key.id);
    if (existing !== undefined && existing.capacity === rule.throttleBurst && existing.refillPerMs === rule.throttleRequestsPerMinute / 60_000) return existing;
    const bucket = new TokenBucket(rule.throttleBurst, rule.throttleRequestsPerMinute, this.#now);
    this.#buckets.set(key.id, bucket);
    return bucket;
  }

  /** Fires the webhook without delaying the request; failures go to onError. */
  #notify(key: KeyRecord, from: PolicyAction, to: { action: PolicyAction; score: number; reasons: string[] }): void {
    const url = this.config.webhookUrl;
    if (url === undefined) return;
    const event: PolicyChangeEvent = {
      type: 'guard.policy_changed', keyId: key.id, keyName: key.name, tier: key.tier, from, to: to.action,
      score: to.score, reasons: to.reasons, at: this.#now(),
    };
    const delivery = postWebhook(url, event).catch((error: unknown) => this.#onError(error));
    this.#notifications.add(delivery);
    void delivery.finally(() => this.#notifications.delete(delivery));
  }
}
