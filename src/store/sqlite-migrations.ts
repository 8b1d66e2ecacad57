import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';

/** One forward-only schema step; versions are consecutive from 1. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema history, oldest first. Never edit an applied step: append a new one, so that every
 * existing project database upgrades along the same path.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE inputs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        text TEXT NOT NULL,
        gold TEXT,
        source TEXT NOT NULL
      );
      -- The content-addressed cache: one answer per request key, ever.
      CREATE TABLE responses (
        cache_key TEXT PRIMARY KEY,
        input_id TEXT NOT NULL REFERENCES inputs(id),
        model TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('label', 'junk')),
        label TEXT,
        distribution BLOB,
        tail_mass REAL,
        text TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        latency_ms REAL NOT NULL,
        attempts INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX responses_input ON responses(input_id);
      -- Write-ahead journal: a row exists exactly while a call may be in flight.
      CREATE TABLE reservations (
        cache_key TEXT PRIMARY KEY,
        input_id TEXT NOT NULL REFERENCES inputs(id),
        estimated_usd REAL NOT NULL,
        started_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- Calls that were in flight when a run died: counted as spent, since they may have been billed.
      CREATE TABLE orphaned_calls (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        cache_key TEXT NOT NULL,
        input_id TEXT NOT NULL,
        estimated_usd REAL NOT NULL,
        started_at INTEGER NOT NULL,
        abandoned_at INTEGER NOT NULL
      );
      -- Money that failed calls still cost (e.g. an answer that arrived but could not be parsed).
      CREATE TABLE billed_failures (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        cache_key TEXT NOT NULL,
        billed_usd REAL NOT NULL,
        recorded_at INTEGER NOT NULL
      );
      CREATE TABLE splits (
        input_id TEXT PRIMARY KEY REFERENCES inputs(id),
        split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
        duplicate_of TEXT REFERENCES inputs(id),
        seq INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'billed attempts: basis, reason, and failed-for-good markers',
    sql: `
      -- Rows written before version 2 were timed-out calls, charged at their worst case and retried.
      ALTER TABLE billed_failures ADD COLUMN input_id TEXT;
      ALTER TABLE billed_failures ADD COLUMN basis TEXT NOT NULL DEFAULT 'worst-case' CHECK (basis IN ('reported-usage', 'worst-case'));
      ALTER TABLE billed_failures ADD COLUMN final INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1));
      ALTER TABLE billed_failures ADD COLUMN reason TEXT NOT NULL DEFAULT '';
      -- Planning asks, for every request, whether it already failed for good with a billed answer.
      CREATE INDEX billed_failures_final ON billed_failures(cache_key) WHERE final = 1;
    `,
  },
  {
    version: 3,
    name: 'responses keep the teacher completion (JSON) they were read from',
    sql: `
      -- Null for answers stored before version 3: they can be used as read, not read again.
      ALTER TABLE responses ADD COLUMN completion TEXT;
    `,
  },
  {
    version: 4,
    name: 'Batch API jobs journalled (collect.mode: batch), so a killed run resumes polling',
    sql: `
      CREATE TABLE batch_jobs (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('prepared', 'submitted', 'done')),
        batch_id TEXT,
        input_file_id TEXT,
        output_file_id TEXT,
        error_file_id TEXT,
        status TEXT,
        reserved_usd REAL NOT NULL,
        requests TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

/** The newest schema version this code understands. */
export const LATEST_SCHEMA_VERSION = SQLITE_MIGRATIONS.reduce((latest, step) => Math.max(latest, step.version), 0);

/** The schema version recorded in the database (0 for a fresh file). */
export function currentSchemaVersion(database: Database.Database): number {
  database.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const row = database.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}

/**
 * Applies the pending migrations in order, each in its own transaction with its bookkeeping row.
 * A database written by a newer Distillery is refused rather than guessed at.
 */
export function migrate(database: Database.Database, file: string, migrations: readonly Migration[] = SQLITE_MIGRATIONS, now: () => number = Date.now): number {
  const latest = migrations.reduce((max, step) => Math.max(max, step.version), 0);
  const current = currentSchemaVersion(database);
  if (current > latest) {
    throw new StoreError(
      `The database ${file} has schema version ${current}, but this Distillery understands versions up to ${latest}. ` +
        'It was written by a newer Distillery; upgrade Distillery to open it. The file was not modified.',
      { reason: 'newer-schema', file },
    );
  }
  const record = database.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const step of [...migrations].sort((a, b) => a.version - b.version)) {
    if (step.version <= current) continue;
    database.transaction(() => {
      database.exec(step.sql);
      record.run(step.version, step.name, now());
    })();
  }
  return latest;
}
