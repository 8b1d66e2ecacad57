/**
 * `distillery guard serve`: an OpenAI-compatible reverse proxy that authenticates guard keys, lets
 * the policy engine throttle or block suspected harvesters, relays the upstream's answer unchanged
 * (streams included), and records per-key accounting and an audit row for every request.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { createRequestListener, DEFAULT_MAX_BODY_BYTES, HttpError, type Route } from '../serve/http.js';
import { listen, type ListeningServer } from '../serve/listen.js';
import { DEFAULT_ACCOUNTING_WINDOW_MS, UsageBatch, usageEntry, type TokenPrices } from './accounting.js';
import type { AuditEntry, GuardStore, KeyRecord } from './guard-store.js';
import { KeyCache } from './key-cache.js';
import { AUTH_FAILURE_RESPONSES, authenticate } from './key-registry.js';
import { bearerToken, hashKey } from './keys.js';
import { parseJsonObject } from '../serve/http.js';
import { readBodyWithin, requestFeatures, withStreamUsage } from './gateway-request.js';
import type { PolicyConfig } from './policy-config.js';
import { PolicyEngine, type Admission } from './policy-engine.js';
import { relayResponse, type ResponseRewriter } from './relay.js';
import { answerGate, chainRewriters } from './answer-gate.js';
import { GATED_HEADER, gatedHeaderValue, gateRequest, gatesFor, hasGates, type CapabilityGates } from './capability-gates.js';
import type { Replication } from './replication.js';
import type { Detector, DetectorScore, PolicyAction, RequestFeatures } from './types.js';
import { forwardedRequestHeaders, sendUpstream, upstreamUrlFor, type UpstreamTarget } from './upstream-proxy.js';
import { defaultDetectors } from './detectors/index.js';
import { combineRisk } from './risk.js';
import { StoreError } from '../store/errors.js';

/** How to start a gateway. */
export interface GatewayOptions {
  /** The upstream's OpenAI base URL, e.g. http://127.0.0.1:8000/v1. */
  upstreamUrl: string;
  /** Name of the environment variable holding the gateway's own upstream key; unset sends none. */
  upstreamApiKeyEnv?: string;
  store: GuardStore;
  /** Default: every harvesting detector (`defaultDetectors`), combined into the calibrated risk of risk.ts. */
  detectors?: readonly Detector[];
  /** How detector scores become one risk; default `combineRisk` for the default set, the strongest signal for a given one. */
  combine?: (scores: ReadonlyArray<{ name: string; result: DetectorScore }>) => DetectorScore;
  policy?: PolicyConfig;
  host?: string;
  port?: number;
  /** Request body limit (413 beyond it); default 1 MiB. */
  maxBodyBytes?: number;
  /** The whole body must arrive within this many ms (408 otherwise); default 10 s. */
  bodyTimeoutMs?: number;
  /** Upstream idle limit (504 before headers, a cut stream after); default 120 s. */
  upstreamTimeoutMs?: number;
  /** Store prompt text in the audit log; off by default (prompts are the users' data). */
  logPrompts?: boolean;
  accountingWindowMs?: number;
  prices?: TokenPrices;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Failures that must not fail a request (accounting writes, webhooks); default: stderr. */
  onError?: (error: unknown) => void;
  /** What this gateway shares with its other replicas (see openRedisReplica); default: it is alone. */
  replication?: Replication;
  /**
   * How long a key that authenticated is trusted before the store is asked again (ms): a key revoked
   * by another process (`guard keys revoke`) is refused within this. Default 1 s alone, 0 for replicas
   * (a key revoked on one is refused by all from the next request).
   */
  keyTrustMs?: number;
  /**
   * With the store down, a fail-open gateway keeps serving a key that last authenticated within this
   * many ms, under its last known policy state (blocked stays blocked), and forgets keys not seen for
   * this long. Default 5 min.
   */
  lastKnownTtlMs?: number;
  /**
   * Score each request before admitting it, as replicas do by default (their scores and shared state
   * move with the other replicas' traffic); default for a lone gateway: admit from the key's last
   * decision and score after, off the request path.
   */
  scoreInline?: boolean;
  /** Accounting is summed in memory per key and window and written this often (ms); default 1 s. */
  accountingFlushMs?: number;
  /** Rewrites chat completion answers on the way through, announced in `x-distillery-watermark` (`guard serve --watermark`). */
  watermark?: ResponseRewriter;
}

/** A running gateway. */
export interface Gateway extends ListeningServer {
  readonly engine: PolicyEngine;
  /** Resolves when the scoring and bookkeeping (accounting, audit) of every finished request are done and written. */
  settled(): Promise<void>;
  /** Forgets a cached key, so its next request is checked against the store (call after revoking it in this process). */
  forgetKey(keyId: string): void;
}

/** The routes the gateway serves; everything else is 404/405 from the shared error boundary. */
const POST_ROUTES = ['/v1/chat/completions', '/v1/completions', '/v1/embeddings'] as const;

/** A failure of the guard's store (SQLite or Redis), the trigger for fail-open/closed. */
function isStoreError(error: unknown): boolean {
  return error instanceof StoreError;
}

/** The 503 of a gateway whose store is down and whose policy is fail-closed. */
function storeUnavailable(): HttpError {
  return new HttpError(503, 'the gateway cannot check this request right now; retry shortly', { type: 'server_error', code: 'guard_unavailable', headers: { 'retry-after': '5' } });
}

/** The per-request pipeline, with the state it shares across requests. */
class GatewayPipeline {
  readonly engine: PolicyEngine;
  readonly #options: GatewayOptions;
  readonly #target: UpstreamTarget;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  /** Keys that authenticated recently, by hash: spares the store a lookup per request, and lets a fail-open gateway serve known keys while it is down. */
  readonly keys: KeyCache;
  readonly #bookkeeping = new Set<Promise<void>>();
  readonly #usage: UsageBatch;
  readonly #scoreInline: boolean;

  constructor(options: GatewayOptions, target: UpstreamTarget) {
    this.#options = options;
    this.#target = target;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? ((error) => process.stderr.write(`distillery guard: ${error instanceof Error ? error.message : String(error)}\n`));
    const ttl = options.lastKnownTtlMs === undefined ? {} : { ttlMs: options.lastKnownTtlMs };
    this.keys = new KeyCache({ now: this.#now, ...ttl, ...(options.keyTrustMs !== undefined ? { trustMs: options.keyTrustMs } : options.replication !== undefined ? { trustMs: 0 } : {}) });
    this.#usage = new UsageBatch((entry) => options.store.addUsage(entry), { flushMs: options.accountingFlushMs ?? 1000, onError: this.#onError });
    this.#scoreInline = options.scoreInline ?? options.replication !== undefined;
    this.engine = new PolicyEngine({
      // The full set is scored with the calibrated combination it was fitted for; a hand-picked set with the strongest signal.
      store: options.store, detectors: options.detectors ?? defaultDetectors({ now: this.#now }), ...(options.combine !== undefined ? { combine: options.combine } : options.detectors === undefined ? { combine: combineRisk } : {}),
      config: options.policy ?? {}, now: this.#now, onError: this.#onError, ...(options.replication === undefined ? {} : { replication: options.replication }),
      ...(options.lastKnownTtlMs === undefined ? {} : { lastKnownTtlMs: options.lastKnownTtlMs }),
    });
  }

  get #failOpen(): boolean {
    return (this.#options.policy?.onStoreFailure ?? 'open') === 'open';
  }

  /** Handles one proxied request; every outcome, refusals included, leaves one audit row. */
  async handle(request: IncomingMessage, response: ServerResponse, route: string): Promise<void> {
    const started = this.#now();
    const audit: AuditEntry = {
      at: started, keyId: null, method: request.method ?? 'GET', route, status: 0, promptTokens: 0,
      completionTokens: 0, latencyMs: 0, action: null, note: null, prompt: null,
    };
    try {
      const key = await this.#authorise(request);
      audit.keyId = key.id;
      const usage = await this.#forward(request, response, route, key, audit);
      audit.status = response.statusCode;
      audit.promptTokens = usage?.promptTokens ?? 0;
      audit.completionTokens = usage?.completionTokens ?? 0;
      this.#usage.add(usageEntry(key.id, started, this.#options.accountingWindowMs ?? DEFAULT_ACCOUNTING_WINDOW_MS, usage, this.#options.prices ?? { promptPerMillionUSD: 0, completionPerMillionUSD: 0 }));
    } catch (error) {
      audit.status = error instanceof HttpError ? error.status : response.headersSent ? response.statusCode : 500;
      audit.note = error instanceof HttpError ? error.code : 'relay_failed';
      throw error;
    } finally {
      audit.latencyMs = this.#now() - started;
      this.#record(() => this.#options.store.appendAudit(audit));
    }
  }

  /** Resolves when the scoring and bookkeeping started so far are done. */
  async settled(): Promise<void> {
    await this.engine.settled();
    await this.#usage.flush();
    await Promise.all([...this.#bookkeeping]);
  }

  /** Stops the accounting timer once everything is written. */
  async close(): Promise<void> {
    await this.settled();
    this.#usage.close();
  }

  /** The key of the request, or a 401 that never echoes what was sent. */
  async #authorise(request: IncomingMessage): Promise<KeyRecord> {
    const secret = bearerToken(request.headers.authorization);
    if (secret === null) {
      throw new HttpError(401, 'missing API key: send "Authorization: Bearer <key>" with the key your provider issued', { type: 'invalid_request_error', code: 'missing_api_key' });
    }
    const hash = hashKey(secret);
    const trusted = this.keys.trusted(hash);
    if (trusted !== undefined) return trusted;
    let result: Awaited<ReturnType<typeof authenticate>>;
    try {
      result = await authenticate(this.#options.store, secret);
    } catch (error) {
      if (!isStoreError(error)) throw error;
      this.#onError(error);
      // Fail-open never means unauthenticated: only a key the store confirmed within the TTL is served.
      const known = this.keys.lastKnown(hash);
      if (this.#failOpen && known !== undefined) return known;
      throw storeUnavailable();
    }
    if ('failure' in result) {
      this.keys.forget(hash);
      const refusal = AUTH_FAILURE_RESPONSES[result.failure];
      throw new HttpError(401, refusal.message, { type: 'invalid_request_error', code: refusal.code });
    }
    this.keys.remember(result.key);
    return result.key;
  }

  /** Reads, scores, admits and forwards one request; resolves with the upstream's usage. */
  async #forward(request: IncomingMessage, response: ServerResponse, route: string, key: KeyRecord, audit: AuditEntry) {
    const method = request.method ?? 'GET';
    let body: Buffer | null = null;
    let injectedUsage = false;
    let gates: CapabilityGates = {};
    const headers: Record<string, string> = {};
    if (method === 'POST') {
      const parsed = parseJsonObject(await readBodyWithin(request, this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, this.#options.bodyTimeoutMs ?? 10_000));
      // Detectors see what the client asked for; the upstream gets what its tier allows.
      const features = requestFeatures(route, parsed, audit.at);
      if (this.#options.logPrompts === true) audit.prompt = features.prompt;
      const action = await this.#decide(key, features, audit);
      audit.action = action;
      await this.#admit(key, action, audit);
      gates = gatesFor(this.#options.policy?.gates, key.id, key.tier);
      const gated = hasGates(gates) ? gateRequest(route, parsed, gates) : { body: parsed, changes: [] };
      const announced = gatedHeaderValue(gated.changes);
      if (announced !== null) headers[GATED_HEADER] = announced;
      const prepared = withStreamUsage(gated.body);
      injectedUsage = prepared.injectedUsage;
      body = Buffer.from(JSON.stringify(prepared.body), 'utf8');
    }
    const upstream = sendUpstream(this.#target, { method, route, headers: forwardedRequestHeaders(request.headers), body });
    // A client that hangs up should not keep the upstream generating for nobody.
    response.once('close', () => {
      if (!response.writableFinished) upstream.cancel();
    });
    const gate = hasGates(gates) && (route === '/v1/chat/completions' || route === '/v1/completions') ? answerGate(gates) : undefined;
    const rewriter = chainRewriters(gate, route === '/v1/chat/completions' ? this.#options.watermark : undefined);
    return relayResponse(await upstream.response, response, injectedUsage, rewriter, headers);
  }

  /**
   * The action to admit the request under: the key's last decision (this request is scored after,
   * off the request path), or with `scoreInline` this request's own. When the store is down,
   * fail-closed answers 503 and fail-open keeps the key's last known state (blocked stays blocked;
   * a key whose state this gateway never learnt is served under 'log').
   */
  async #decide(key: KeyRecord, features: RequestFeatures, audit: AuditEntry): Promise<PolicyAction> {
    try {
      if (this.#scoreInline) return (await this.engine.evaluate(key, features)).action;
      // Queued first: a refused request is scored too, as inline, so a key hammering while throttled still climbs.
      this.engine.scoreLater(key, features);
      return (await this.engine.currentState(key.id)).action;
    } catch (error) {
      if (!isStoreError(error)) throw error;
      this.#onError(error);
      if (!this.#failOpen) throw storeUnavailable();
      audit.note = 'guard_store_unavailable';
      return this.engine.lastKnownState(key.id)?.action ?? 'log';
    }
  }

  /** Enforces the action: 403 for a blocked key, 429 with retry-after for a throttled one; a shared throttle that is down counts as a store failure. */
  async #admit(key: KeyRecord, action: PolicyAction, audit: AuditEntry): Promise<void> {
    let admission: Admission;
    try {
      admission = await this.engine.admit(key, action);
    } catch (error) {
      if (!isStoreError(error)) throw error;
      this.#onError(error);
      if (!this.#failOpen) throw storeUnavailable();
      audit.note = 'guard_store_unavailable';
      return;
    }
    if (admission.allowed) return;
    if (admission.action === 'block') {
      throw new HttpError(403, 'this API key is blocked by the provider\'s usage policy; contact the provider', { type: 'invalid_request_error', code: 'key_blocked' });
    }
    const seconds = Math.max(1, Math.ceil((admission.retryAfterMs ?? 1000) / 1000));
    throw new HttpError(429, `rate limit reached for this API key; retry in ${seconds} s`, {
      type: 'rate_limit_error', code: 'rate_limit_exceeded', headers: { 'retry-after': String(seconds), 'retry-after-ms': String(admission.retryAfterMs ?? 1000) },
    });
  }

  /** Runs a bookkeeping write without holding up the response; failures are reported, not thrown. */
  #record(write: () => Promise<void>): void {
    const pending = write().catch((error: unknown) => this.#onError(error));
    this.#bookkeeping.add(pending);
    void pending.finally(() => this.#bookkeeping.delete(pending));
  }
}

/** The gateway's route table. */
function gatewayRoutes(pipeline: GatewayPipeline): Route[] {
  const handler = (request: IncomingMessage, response: ServerResponse, path: string) => pipeline.handle(request, response, path);
  return [
    ...POST_ROUTES.map((path) => ({ method: 'POST', path, handler })),
    { method: 'GET', path: '/v1/models', handler },
    { method: 'GET', path: '/v1/models/', handler },
  ];
}

/** Starts the gateway; `url` is the base URL clients use (ending in /v1). */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const env = options.env ?? process.env;
  const apiKey = options.upstreamApiKeyEnv === undefined ? null : env[options.upstreamApiKeyEnv] ?? null;
  const agent = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const target: UpstreamTarget = { baseUrl: options.upstreamUrl, apiKey: apiKey === '' ? null : apiKey, timeoutMs: options.upstreamTimeoutMs ?? 120_000, agent };
  upstreamUrlFor(options.upstreamUrl, '/v1/models'); // a malformed URL fails at start, not on the first request
  const pipeline = new GatewayPipeline(options, target);
  const server = await listen(createRequestListener(gatewayRoutes(pipeline)), options.host, options.port);
  return {
    ...server,
    engine: pipeline.engine,
    settled: async () => {
      await pipeline.settled();
      await pipeline.engine.flushNotifications();
    },
    forgetKey: (keyId) => void pipeline.keys.forgetKey(keyId),
    close: async () => {
      await server.close();
      agent.http.destroy();
      agent.https.destroy();
      await pipeline.close();
      pipeline.engine.close();
    },
  };
}
