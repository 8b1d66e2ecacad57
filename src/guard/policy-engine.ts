/**
 * The policy engine: feeds each request to the detectors (through the observation bus, so replicas'
 * detectors see each other's traffic), combines their scores, picks the action for the key's rule,
 * remembers it in the store, and enforces it (token-bucket throttle, block).
 */
import type { GuardStore, KeyRecord, PolicyState } from './guard-store.js';
import { DEFAULT_LAST_KNOWN_TTL_MS } from './key-cache.js';
import { InProcessObservationBus, type ObservationBus } from './observation-bus.js';
import { actionFor, atLeast, ruleFor, type PolicyConfig } from './policy-config.js';
import type { Replication } from './replication.js';
import { LocalThrottle, type Throttle } from './throttle.js';
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
  /** How detector scores become one risk; default `combineScores` (the strongest signal). The gateway's full detector set uses the calibrated `combineRisk` (risk.ts). */
  combine?: (scores: ReadonlyArray<{ name: string; result: DetectorScore }>) => DetectorScore;
  /** Sharing with other gateway replicas; default: this process alone owns the policy state. */
  replication?: Replication;
  /** A key not seen for this long is forgotten (its state re-read from the store next time); until then its last known state outlives a store outage. Default 5 min. */
  lastKnownTtlMs?: number;
}

/** Combines detector scores: the strongest signal wins (for one detector or a hand-picked set; the default set is calibrated by risk.ts). */
export function combineScores(scores: ReadonlyArray<{ name: string; result: DetectorScore }>): DetectorScore {
  const score = scores.reduce((max, entry) => Math.max(max, Number.isFinite(entry.result.score) ? entry.result.score : 0), 0);
  const reasons = scores.flatMap((entry) => entry.result.reasons.map((reason) => `${entry.name}: ${reason}`));
  return { score: Math.min(1, Math.max(0, score)), reasons };
}

/** The action the policy may take against `key`: an allow-listed key is scored and accounted, never flagged, throttled or blocked. */
export function allowedAction(key: KeyRecord, verdict: PolicyAction): PolicyAction {
  return key.allowListed ? 'log' : verdict;
}

/** Scores changing by less than this are not rewritten to the store: one write per real change, not per request. */
const SCORE_WRITE_STEP = 0.01;

/** Decides and enforces per-key actions from detector scores. */
export class PolicyEngine {
  readonly config: PolicyConfig;
  readonly #store: GuardStore;
  readonly #detectors: readonly Detector[];
  readonly #combine: (scores: ReadonlyArray<{ name: string; result: DetectorScore }>) => DetectorScore;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  /** Each key's policy state as last read or written, when (by this engine's clock), and when the key was last seen. */
  readonly #states = new Map<string, { state: PolicyState; readAt: number; seenAt: number }>();
  readonly #lastKnownTtlMs: number;
  #sweptAt: number;
  /** Requests waiting to be scored (`scoreLater`), in arrival order, and the drain scoring them. */
  #queued: Array<{ key: KeyRecord; features: RequestFeatures }> = [];
  #draining: Promise<void> | null = null;
  readonly #notifications = new Set<Promise<void>>();
  readonly #observations: ObservationBus;
  readonly #throttle: Throttle;
  /** Alone, the cached state is the truth and is never re-read; replicas re-read it this often. */
  readonly #refreshMs: number;
  readonly #holdMs: number;
  readonly #unsubscribe: () => void;
  readonly #changeListeners = new Set<(event: PolicyChangeEvent) => void>();

  constructor(options: PolicyEngineOptions) {
    this.#store = options.store;
    this.#detectors = options.detectors;
    this.config = options.config ?? {};
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
    this.#combine = options.combine ?? combineScores;
    this.#observations = options.replication?.observations ?? new InProcessObservationBus();
    this.#throttle = options.replication?.throttle ?? new LocalThrottle(this.#now);
    this.#refreshMs = options.replication?.policyRefreshMs ?? Number.POSITIVE_INFINITY;
    this.#holdMs = options.replication?.policyHoldMs ?? 0;
    this.#lastKnownTtlMs = options.lastKnownTtlMs ?? DEFAULT_LAST_KNOWN_TTL_MS;
    this.#sweptAt = this.#now();
    this.#unsubscribe = this.#observations.subscribe((keyId, features) => this.#observe(keyId, features));
  }

  /** Observes a request, rescoring its key; rejects only when the store fails (the gateway applies fail-open/closed). */
  async evaluate(key: KeyRecord, features: RequestFeatures): Promise<PolicyDecision> {
    await this.#observations.publish(key.id, features);
    return this.#decide(key);
  }

  /** Scores the key on everything observed so far and records the action; rejects only when the store fails. */
  async #decide(key: KeyRecord): Promise<PolicyDecision> {
    const combined = this.#combine(await this.#scoreAll(key.id));
    const rule = ruleFor(this.config, key.id, key.tier);
    const action = allowedAction(key, actionFor(rule, combined.score));
    const previous = await this.#previousState(key.id);
    if (this.#held(previous, action)) return { action: previous.action, score: previous.score, reasons: previous.reasons, changed: false };
    const changed = previous.action !== action;
    if (changed) this.#notify(key, previous.action, { action, ...combined });
    if (changed || this.#confirms(previous, action) || Math.abs(previous.score - combined.score) >= SCORE_WRITE_STEP) {
      const state: PolicyState = { keyId: key.id, action, score: combined.score, reasons: combined.reasons, updatedAt: this.#now() };
      // Remembered before it is written: a verdict reached while the store is down is still the last known state.
      this.#remember(state);
      await this.#store.setPolicyState(state);
    }
    return { action, score: combined.score, reasons: combined.reasons, changed };
  }

  /**
   * The state to admit a key's next request from: its last decision, cached; read from the store the
   * first time (or, for replicas, once the cached copy is `policyRefreshMs` old). Rejects with the
   * store's error when it must read and cannot; `lastKnownState` then says what this engine last knew.
   */
  currentState(keyId: string): Promise<PolicyState> {
    return this.#previousState(keyId);
  }

  /** The key's state as this engine last read or decided it, while the key was seen within `lastKnownTtlMs`; no store access. */
  lastKnownState(keyId: string): PolicyState | undefined {
    const entry = this.#states.get(keyId);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.seenAt < this.#lastKnownTtlMs) return entry.state;
    this.#states.delete(keyId);
    return undefined;
  }

  /**
   * Observes and scores a request after the current turn of the event loop, off its request path
   * (which admits from `currentState`). Requests queued together are observed in arrival order and
   * each key is then scored once: its next request is admitted under the decision `evaluate` would
   * have reached on its last one, which is the only one admission ever reads. Failures go to onError.
   */
  scoreLater(key: KeyRecord, features: RequestFeatures): void {
    this.#queued.push({ key, features });
    this.#draining ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain());
  }

  /** Resolves once every request queued by `scoreLater` so far has been scored. */
  async settled(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  /** Enforces `action`: block refuses, throttle spends one token from the key's bucket (shared by replicas when replicated). */
  async admit(key: KeyRecord, action: PolicyAction): Promise<Admission> {
    if (action === 'block') return { allowed: false, action: 'block', retryAfterMs: null };
    if (action !== 'throttle') return { allowed: true };
    const taken = await this.#throttle.take(key.id, ruleFor(this.config, key.id, key.tier));
    return taken.allowed ? { allowed: true } : { allowed: false, action: 'throttle', retryAfterMs: taken.retryAfterMs };
  }

  /** Calls `listener` with every change of a key's action this engine makes (the CLI logs them); returns the unsubscribe. */
  onPolicyChange(listener: (event: PolicyChangeEvent) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Stops feeding this engine's detectors from the observation bus. */
  close(): void {
    this.#unsubscribe();
  }

  /** Resolves once every webhook started so far has been delivered or has failed. */
  async flushNotifications(): Promise<void> {
    await Promise.all([...this.#notifications]);
  }

  /** Observes the queued requests in arrival order, then scores each of their keys once. */
  async #drain(): Promise<void> {
    while (this.#queued.length > 0) {
      const batch = this.#queued;
      this.#queued = [];
      const keys = new Map<string, KeyRecord>();
      for (const { key, features } of batch) {
        keys.set(key.id, key);
        try {
          await this.#observations.publish(key.id, features);
        } catch (error) {
          this.#onError(error);
        }
      }
      for (const key of keys.values()) {
        try {
          await this.#decide(key);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
    this.#draining = null;
  }

  /** Caches a state just read or decided; a key already cached keeps its last-seen time. */
  #remember(state: PolicyState): void {
    const now = this.#now();
    this.#states.set(state.keyId, { state, readAt: now, seenAt: this.#states.get(state.keyId)?.seenAt ?? now });
  }

  /** Forgets keys not seen within the TTL, at most once per quarter TTL, so keys that stopped coming do not stay in memory. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#sweptAt < this.#lastKnownTtlMs / 4) return;
    this.#sweptAt = now;
    for (const [keyId, entry] of this.#states) {
      if (now - entry.seenAt >= this.#lastKnownTtlMs) this.#states.delete(keyId);
    }
  }

  /** Feeds one observed request (this replica's or another's) to every detector; a detector that throws is reported. */
  async #observe(keyId: string, features: RequestFeatures): Promise<void> {
    for (const detector of this.#detectors) {
      try {
        await detector.observe(keyId, features);
      } catch (error) {
        this.#onError(new Error(`detector ${detector.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
    }
  }

  /** Scores the key with every detector; a detector that throws counts as score 0 and is reported. */
  async #scoreAll(keyId: string): Promise<Array<{ name: string; result: DetectorScore }>> {
    const results: Array<{ name: string; result: DetectorScore }> = [];
    for (const detector of this.#detectors) {
      try {
        results.push({ name: detector.name, result: await detector.score(keyId) });
      } catch (error) {
        this.#onError(new Error(`detector ${detector.name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
    }
    return results;
  }

  /** The state in force before this request: cached, else (or once the cache is `refreshMs` old) from the store; the key counts as seen. */
  async #previousState(keyId: string): Promise<PolicyState> {
    // A key not seen within the TTL is read afresh, as if never seen.
    const cached = this.lastKnownState(keyId) === undefined ? undefined : this.#states.get(keyId);
    if (cached !== undefined) cached.seenAt = this.#now();
    this.#sweep();
    if (cached !== undefined && this.#now() - cached.readAt < this.#refreshMs) return cached.state;
    const stored = (await this.#store.getPolicyState(keyId)) ?? { keyId, action: 'log', score: 0, reasons: [], updatedAt: 0 };
    this.#remember(stored);
    return stored;
  }

  /** Whether a stronger action in the shared state still stands over this replica's milder verdict (see Replication.policyHoldMs). */
  #held(previous: PolicyState, verdict: PolicyAction): boolean {
    return !atLeast(verdict, previous.action) && this.#now() - previous.updatedAt < this.#holdMs;
  }

  /**
   * Whether to rewrite an unchanged action to renew its hold: a throttle or block stands while any
   * replica still reaches it, not merely for `holdMs` after it was first set (one write per key per half hold).
   */
  #confirms(previous: PolicyState, verdict: PolicyAction): boolean {
    return this.#holdMs > 0 && verdict !== 'log' && verdict === previous.action && this.#now() - previous.updatedAt >= this.#holdMs / 2;
  }

  /** Tells the change listeners, and fires the webhook without delaying the request; failures go to onError. */
  #notify(key: KeyRecord, from: PolicyAction, to: { action: PolicyAction; score: number; reasons: string[] }): void {
    const event: PolicyChangeEvent = {
      type: 'guard.policy_changed', keyId: key.id, keyName: key.name, tier: key.tier, from, to: to.action,
      score: to.score, reasons: to.reasons, at: this.#now(),
    };
    for (const listener of this.#changeListeners) {
      try {
        listener(event);
      } catch (error) {
        this.#onError(error);
      }
    }
    const url = this.config.webhookUrl;
    if (url === undefined) return;
    const delivery = postWebhook(url, event, this.config.webhookSecret === undefined ? {} : { secret: this.config.webhookSecret }).catch((error: unknown) => this.#onError(error));
    this.#notifications.add(delivery);
    void delivery.finally(() => this.#notifications.delete(delivery));
  }
}

/** What an operator's `guard keys unflag` writes: back to 'log', score 0, until the detectors see cause again. */
export function unflaggedState(keyId: string, now: number): PolicyState {
  return { keyId, action: 'log', score: 0, reasons: [`unflagged by an operator at ${new Date(now).toISOString()}`], updatedAt: now };
}
