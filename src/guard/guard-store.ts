/**
 * The guard's state store seam: keys, per-window accounting, per-key policy state and the audit log.
 * SQLite keeps one gateway's state in a file; Redis (redis-guard-store.ts) is shared by several
 * gateway replicas so they agree. Every implementation runs guard-store-conformance.ts.
 */
import type { PolicyAction } from './types.js';

/** A stored key: never the key itself, only its hash and visible prefix. */
export interface KeyRecord {
  id: string;
  name: string;
  tier: string;
  visiblePrefix: string;
  /** Hex SHA-256 of the key. */
  hash: string;
  createdAt: number;
  revokedAt: number | null;
  /** After this instant (ms since the epoch) the key is refused with `expired_api_key`; null: never. */
  expiresAt: number | null;
  /** Allow-listed keys are still scored and accounted, but the detectors never throttle or block them. */
  allowListed: boolean;
}

/** Usage to add to one key's accounting window. */
export interface UsageEntry {
  keyId: string;
  /** Start of the window (ms since the epoch, a multiple of the window length). */
  windowStart: number;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUSD: number;
}

/** One key's totals for one window. */
export type UsageWindow = UsageEntry;

/** What the policy last decided for a key, and why. */
export interface PolicyState {
  keyId: string;
  action: PolicyAction;
  score: number;
  reasons: string[];
  updatedAt: number;
}

/** One row of the audit log: no prompt text unless `logPrompts` is on, and never a key. */
export interface AuditEntry {
  at: number;
  /** Null when the request did not authenticate. */
  keyId: string | null;
  method: string;
  route: string;
  status: number;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  /** The policy action in force for the request. */
  action: PolicyAction | null;
  /** Why the gateway answered as it did when it was not the upstream's answer (e.g. 'unknown_key'). */
  note: string | null;
  /** Only with `logPrompts`. */
  prompt: string | null;
  /**
   * How many requests the row stands for. Refusals of unauthenticated requests are aggregated into one
   * row per minute, route, status and note (so a flood of bad keys cannot grow the log without bound);
   * absent on rows written one per request.
   */
  count?: number;
}

/** How long refusals of unauthenticated requests are aggregated into one audit row. */
export const REFUSAL_WINDOW_MS = 60_000;

/** Filters for reading the audit log, newest first. */
export interface AuditQuery {
  keyId?: string;
  limit?: number;
}

/** Persistence for the guard; every method may reject with a StoreError. */
export interface GuardStore {
  readonly kind: string;
  addKey(key: KeyRecord): Promise<void>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  /** Keys whose visible prefix equals `prefix` (normally one; collisions are possible and harmless). */
  findKeysByPrefix(prefix: string): Promise<KeyRecord[]>;
  listKeys(): Promise<KeyRecord[]>;
  /** Marks a key revoked; false when there is no such key or it was already revoked. */
  revokeKey(id: string, at: number): Promise<boolean>;
  /** Adds to a key's window totals (creating the window). */
  addUsage(entry: UsageEntry): Promise<void>;
  /** A key's windows starting at or after `since`, oldest first. */
  listUsage(keyId: string, since?: number): Promise<UsageWindow[]>;
  getPolicyState(keyId: string): Promise<PolicyState | undefined>;
  setPolicyState(state: PolicyState): Promise<void>;
  /** Keys whose last decision was stronger than 'log', highest score first. */
  listFlagged(): Promise<PolicyState[]>;
  /** Marks a key allow-listed (or not); false when there is no such key. */
  setAllowListed(id: string, allowListed: boolean): Promise<boolean>;
  /** Appends a row; a row with no key is counted into its minute's aggregated refusal row instead (see AuditEntry.count). */
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(query?: AuditQuery): Promise<AuditEntry[]>;
  /** Deletes at most `batchSize` audit rows older than `before` (ms); resolves with how many went, so callers prune in small batches. */
  pruneAudit(before: number, batchSize: number): Promise<number>;
  close(): Promise<void>;
}
