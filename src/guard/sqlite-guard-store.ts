/**
 * The SQLite `GuardStore`: its own database file (WAL, so `distillery guard keys …` and `explain`
 * can run beside a serving gateway), its own migrations, driver errors mapped to StoreError.
 * The two writes every proxied request makes (usage, audit) are group-committed (store/group-commit.ts).
 */
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteDatabase } from '../store/sqlite-open.js';
import { GroupCommit } from '../store/group-commit.js';
import { toStoreError } from '../store/sqlite-errors.js';
import { REFUSAL_WINDOW_MS, type AuditEntry, type AuditQuery, type GuardStore, type KeyRecord, type PolicyState, type UsageEntry, type UsageWindow } from './guard-store.js';
import { migrateGuard } from './sqlite-guard-migrations.js';
import type { PolicyAction } from './types.js';

interface KeyRow { id: string; name: string; tier: string; visible_prefix: string; hash: string; created_at: number; revoked_at: number | null; expires_at: number | null; allow_listed: number }
interface UsageRow { key_id: string; window_start: number; requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number }
interface PolicyRow { key_id: string; action: PolicyAction; score: number; reasons: string; updated_at: number }
interface AuditRow {
  at: number; key_id: string | null; method: string; route: string; status: number; prompt_tokens: number;
  completion_tokens: number; latency_ms: number; action: PolicyAction | null; note: string | null; prompt: string | null;
}
interface RefusalRow { method: string; route: string; status: number; note: string; at: number; latency_ms: number; count: number }

/**
 * The two writes every proxied request makes (usage, audit) wait up to 10 ms to share one commit:
 * one transaction each would cost more than the rest of the gateway's work. Losing the last of them
 * on a crash is the same trade as `synchronous = NORMAL` below: bookkeeping, not money.
 */
const BOOKKEEPING_COMMIT = { windowMs: 10, maxWrites: 512 } as const;

/** Maps a key row to the seam's record. */
function toKey(row: KeyRow): KeyRecord {
  return {
    id: row.id, name: row.name, tier: row.tier, visiblePrefix: row.visible_prefix, hash: row.hash, createdAt: row.created_at, revokedAt: row.revoked_at,
    expiresAt: row.expires_at, allowListed: row.allow_listed === 1,
  };
}

/** Maps a usage row to the seam's record. */
function toUsage(row: UsageRow): UsageWindow {
  return { keyId: row.key_id, windowStart: row.window_start, requests: row.requests, promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens, costUSD: row.cost_usd };
}

/** Maps a policy row to the seam's record. */
function toPolicy(row: PolicyRow): PolicyState {
  return { keyId: row.key_id, action: row.action, score: row.score, reasons: JSON.parse(row.reasons) as string[], updatedAt: row.updated_at };
}

/** Maps an audit row to the seam's record. */
function toAudit(row: AuditRow): AuditEntry {
  return {
    at: row.at, keyId: row.key_id, method: row.method, route: row.route, status: row.status, promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens, latencyMs: row.latency_ms, action: row.action, note: row.note, prompt: row.prompt,
  };
}

/** Maps an aggregated refusal row to an audit entry standing for `count` requests. */
function toRefusal(row: RefusalRow): AuditEntry {
  return {
    at: row.at, keyId: null, method: row.method, route: row.route, status: row.status, promptTokens: 0, completionTokens: 0,
    latencyMs: row.latency_ms, action: null, note: row.note === '' ? null : row.note, prompt: null, count: row.count,
  };
}

/** Two newest-first lists as one, newest first (each list keeps its own order among equal times). */
function mergeNewestFirst(first: AuditEntry[], second: AuditEntry[], limit: number): AuditEntry[] {
  const merged: AuditEntry[] = [];
  const cursor = { first: 0, second: 0 };
  while (merged.length < limit) {
    const fromFirst = first[cursor.first];
    const fromSecond = second[cursor.second];
    if (fromFirst === undefined && fromSecond === undefined) break;
    if (fromSecond === undefined || (fromFirst !== undefined && fromFirst.at >= fromSecond.at)) {
      merged.push(fromFirst as AuditEntry);
      cursor.first += 1;
    } else {
      merged.push(fromSecond);
      cursor.second += 1;
    }
  }
  return merged;
}

/** Opens the connection with the settings the guard relies on. */
function openDatabase(file: string): Database.Database {
  // NORMAL, not FULL: losing the last audit rows on power loss is acceptable; slowing every proxied request is not.
  return openSqliteDatabase(file, { synchronous: 'NORMAL', migrate: migrateGuard });
}

/** Opens (creating if needed, folder included) a guard database. */
export function openSqliteGuardStore(file: string): GuardStore {
  const path = file === ':memory:' ? file : resolve(file);
  try {
    return new SqliteGuardStore(openDatabase(path), path);
  } catch (error) {
    throw toStoreError(error, path, 'opening the guard database');
  }
}

/** The SQLite implementation of `GuardStore`. */
class SqliteGuardStore implements GuardStore {
  readonly kind = 'sqlite';
  readonly #database: Database.Database;
  readonly #file: string;
  readonly #statements;
  readonly #bookkeeping: GroupCommit;

  constructor(database: Database.Database, file: string) {
    this.#database = database;
    this.#file = file;
    this.#bookkeeping = new GroupCommit(database, file, BOOKKEEPING_COMMIT);
    this.#statements = {
      addKey: database.prepare('INSERT INTO guard_keys (id, name, tier, visible_prefix, hash, created_at, revoked_at, expires_at, allow_listed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      setAllowListed: database.prepare('UPDATE guard_keys SET allow_listed = ? WHERE id = ?'),
      getKey: database.prepare('SELECT * FROM guard_keys WHERE id = ?'),
      findKeys: database.prepare('SELECT * FROM guard_keys WHERE visible_prefix = ?'),
      listKeys: database.prepare('SELECT * FROM guard_keys ORDER BY created_at, id'),
      revokeKey: database.prepare('UPDATE guard_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      addUsage: database.prepare(`INSERT INTO guard_usage (key_id, window_start, requests, prompt_tokens, completion_tokens, cost_usd) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (key_id, window_start) DO UPDATE SET requests = requests + excluded.requests, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
        completion_tokens = completion_tokens + excluded.completion_tokens, cost_usd = cost_usd + excluded.cost_usd`),
      listUsage: database.prepare('SELECT * FROM guard_usage WHERE key_id = ? AND window_start >= ? ORDER BY window_start'),
      getPolicy: database.prepare('SELECT * FROM guard_policy_state WHERE key_id = ?'),
      setPolicy: database.prepare(`INSERT INTO guard_policy_state (key_id, action, score, reasons, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (key_id) DO UPDATE SET action = excluded.action, score = excluded.score, reasons = excluded.reasons, updated_at = excluded.updated_at`),
      listFlagged: database.prepare("SELECT * FROM guard_policy_state WHERE action != 'log' ORDER BY score DESC, key_id"),
      appendAudit: database.prepare(`INSERT INTO guard_audit (at, key_id, method, route, status, prompt_tokens, completion_tokens, latency_ms, action, note, prompt)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      listAudit: database.prepare('SELECT * FROM guard_audit ORDER BY seq DESC LIMIT ?'),
      listAuditForKey: database.prepare('SELECT * FROM guard_audit WHERE key_id = ? ORDER BY seq DESC LIMIT ?'),
      countRefusal: database.prepare(`INSERT INTO guard_refusals (window_start, method, route, status, note, at, latency_ms, count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
        ON CONFLICT (window_start, method, route, status, note) DO UPDATE SET count = count + 1`),
      listRefusals: database.prepare('SELECT * FROM guard_refusals ORDER BY at DESC LIMIT ?'),
      pruneAudit: database.prepare('DELETE FROM guard_audit WHERE seq IN (SELECT seq FROM guard_audit WHERE at < ? ORDER BY at LIMIT ?)'),
      pruneRefusals: database.prepare(`DELETE FROM guard_refusals WHERE (window_start, method, route, status, note) IN
        (SELECT window_start, method, route, status, note FROM guard_refusals WHERE at < ? ORDER BY at LIMIT ?)`),
    };
  }

  /** Runs one synchronous database action, turning driver errors into StoreErrors. */
  #run<T>(action: string, body: () => T): Promise<T> {
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(toStoreError(error, this.#file, action));
    }
  }

  addKey(key: KeyRecord): Promise<void> {
    return this.#run('adding a key', () => {
      this.#statements.addKey.run(key.id, key.name, key.tier, key.visiblePrefix, key.hash, key.createdAt, key.revokedAt, key.expiresAt, key.allowListed ? 1 : 0);
    });
  }

  getKey(id: string): Promise<KeyRecord | undefined> {
    return this.#run('reading a key', () => {
      const row = this.#statements.getKey.get(id) as KeyRow | undefined;
      return row === undefined ? undefined : toKey(row);
    });
  }

  findKeysByPrefix(prefix: string): Promise<KeyRecord[]> {
    return this.#run('looking up a key', () => (this.#statements.findKeys.all(prefix) as KeyRow[]).map(toKey));
  }

  listKeys(): Promise<KeyRecord[]> {
    return this.#run('listing keys', () => (this.#statements.listKeys.all() as KeyRow[]).map(toKey));
  }

  revokeKey(id: string, at: number): Promise<boolean> {
    return this.#run('revoking a key', () => this.#statements.revokeKey.run(at, id).changes > 0);
  }

  setAllowListed(id: string, allowListed: boolean): Promise<boolean> {
    return this.#run('allow-listing a key', () => this.#statements.setAllowListed.run(allowListed ? 1 : 0, id).changes > 0);
  }

  addUsage(entry: UsageEntry): Promise<void> {
    return this.#bookkeeping.enqueue('recording usage', () => {
      this.#statements.addUsage.run(entry.keyId, entry.windowStart, entry.requests, entry.promptTokens, entry.completionTokens, entry.costUSD);
    });
  }

  listUsage(keyId: string, since = 0): Promise<UsageWindow[]> {
    this.#bookkeeping.flush();
    return this.#run('reading usage', () => (this.#statements.listUsage.all(keyId, since) as UsageRow[]).map(toUsage));
  }

  getPolicyState(keyId: string): Promise<PolicyState | undefined> {
    return this.#run('reading policy state', () => {
      const row = this.#statements.getPolicy.get(keyId) as PolicyRow | undefined;
      return row === undefined ? undefined : toPolicy(row);
    });
  }

  setPolicyState(state: PolicyState): Promise<void> {
    return this.#run('saving policy state', () => {
      this.#statements.setPolicy.run(state.keyId, state.action, state.score, JSON.stringify(state.reasons), state.updatedAt);
    });
  }

  listFlagged(): Promise<PolicyState[]> {
    return this.#run('listing flagged keys', () => (this.#statements.listFlagged.all() as PolicyRow[]).map(toPolicy));
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    if (entry.keyId === null) {
      const window = Math.floor(entry.at / REFUSAL_WINDOW_MS) * REFUSAL_WINDOW_MS;
      return this.#bookkeeping.enqueue('counting a refused request', () => {
        this.#statements.countRefusal.run(window, entry.method, entry.route, entry.status, entry.note ?? '', entry.at, entry.latencyMs);
      });
    }
    return this.#bookkeeping.enqueue('appending to the audit log', () => {
      this.#statements.appendAudit.run(
        entry.at, entry.keyId, entry.method, entry.route, entry.status, entry.promptTokens, entry.completionTokens,
        entry.latencyMs, entry.action, entry.note, entry.prompt,
      );
    });
  }

  listAudit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.floor(query.limit ?? 100));
    this.#bookkeeping.flush();
    return this.#run('reading the audit log', () => {
      if (query.keyId !== undefined) return (this.#statements.listAuditForKey.all(query.keyId, limit) as AuditRow[]).map(toAudit);
      const rows = (this.#statements.listAudit.all(limit) as AuditRow[]).map(toAudit);
      return mergeNewestFirst(rows, (this.#statements.listRefusals.all(limit) as RefusalRow[]).map(toRefusal), limit);
    });
  }

  pruneAudit(before: number, batchSize: number): Promise<number> {
    const limit = Math.max(1, Math.floor(batchSize));
    return this.#run('pruning the audit log', () => {
      const rows = this.#statements.pruneAudit.run(before, limit).changes;
      return rows + this.#statements.pruneRefusals.run(before, limit).changes;
    });
  }

  close(): Promise<void> {
    if (this.#database.open) this.#bookkeeping.flush();
    return this.#run('closing the guard database', () => {
      if (this.#database.open) this.#database.close();
    });
  }
}
