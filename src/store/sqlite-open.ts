import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** How to open one SQLite database file. */
export interface SqliteOpenOptions {
  /** FULL survives power loss; NORMAL only a crash (and is faster per commit). */
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs?: number;
  /** Caps the file's size in pages (tests use it to simulate a full disk). */
  maxPageCount?: number;
  /** Brings the schema up to date; throws to refuse the file. */
  migrate: (database: Database.Database, file: string) => void;
}

/** Opens (creating the folder if needed) a WAL-mode database with foreign keys on and its schema migrated. */
export function openSqliteDatabase(file: string, options: SqliteOpenOptions): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  try {
    // WAL lets readers (reports, `guard explain`) run beside the writer.
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${options.synchronous}`);
    database.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    database.pragma('foreign_keys = ON');
    if (options.maxPageCount !== undefined) database.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
    options.migrate(database, file);
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}
