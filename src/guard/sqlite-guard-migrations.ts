/**
 * Schema history of the guard database. The guard keeps its own file and its own migrations table
 * (`guard_schema_migrations`), so it can live beside a project database or anywhere else.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../store/errors.js';

/** One forward-only schema step; never edit an applied one, append a new one. */
interface GuardMigration {
  version: number;
  name: string;
  sql: string;
}

/** The guard schema, oldest first. */
export const GUARD_MIGRATIONS: readonly GuardMigration[] = [
  {
    version: 1,
    name: 'keys, usage windows, policy state, audit log',
    sql: `
      -- Only the SHA-256 of a key is kept: a stolen database does not leak usable keys.
      CREATE TABLE guard_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        tier TEXT NOT NULL,
        visible_prefix TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX guard_keys_prefix ON guard_keys(visible_prefix);
      CREATE TABLE guard_usage (
        key_id TEXT NOT NULL REFERENCES guard_keys(id),
        window_start INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        PRIMARY KEY (key_id, window_start)
      ) WITHOUT ROWID;
      CREATE TABLE guard_policy_state (
        key_id TEXT PRIMARY KEY REFERENCES guard_keys(id),
        action TEXT NOT NULL CHECK (action IN ('log', 'flag', 'throttle', 'block')),
        score REAL NOT NULL,
        reasons TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE guard_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        key_id TEXT,
        method TEXT NOT NULL,
        route TEXT NOT NULL,
        status INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        action TEXT,
        note TEXT,
        prompt TEXT
      );
      CREATE INDEX guard_audit_key ON guard_audit(key_id, seq);
    `,
  },
  {
    version: 2,
    name: 'key expiry and allow-list, aggregated refusals, audit retention index',
    sql: `
      ALTER TABLE guard_keys ADD COLUMN expires_at INTEGER;
      ALTER TABLE guard_keys ADD COLUMN allow_listed INTEGER NOT NULL DEFAULT 0;
      -- Retention deletes by age; without this index every prune would scan the whole log.
      CREATE INDEX guard_audit_at ON guard_audit(at);
      -- Unauthenticated requests, one row per minute, method, route, status and note, however many arrive.
      CREATE TABLE guard_refusals (
        window_start INTEGER NOT NULL,
        method TEXT NOT NULL,
        route TEXT NOT NULL,
        status INTEGER NOT NULL,
        note TEXT NOT NULL,
        at INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (window_start, method, route, status, note)
      ) WITHOUT ROWID;
      CREATE INDEX guard_refusals_at ON guard_refusals(at);
    `,
  },
];

/** Applies pending guard migrations, each in a transaction; refuses a database from a newer Distillery. */
export function migrateGuard(database: Database.Database, file: string): void {
  database.exec('CREATE TABLE IF NOT EXISTS guard_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const current = (database.prepare('SELECT MAX(version) AS version FROM guard_schema_migrations').get() as { version: number | null }).version ?? 0;
  const latest = GUARD_MIGRATIONS.reduce((max, step) => Math.max(max, step.version), 0);
  if (current > latest) {
    throw new StoreError(
      `The guard database ${file} has schema version ${current}, but this Distillery understands versions up to ${latest}. Upgrade Distillery to open it; the file was not modified.`,
      { reason: 'newer-schema', file },
    );
  }
  const record = database.prepare('INSERT INTO guard_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const step of GUARD_MIGRATIONS) {
    if (step.version <= current) continue;
    database.transaction(() => {
      database.exec(step.sql);
      record.run(step.version, step.name, Date.now());
    })();
  }
}
