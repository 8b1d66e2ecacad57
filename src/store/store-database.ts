/**
 * The store's SQLite connection with the settings every Distillery database relies on. Kept apart from
 * sqlite-store.ts so that the package's public declarations never name better-sqlite3's types (a
 * consumer without @types/better-sqlite3 could not compile them).
 */
import type Database from 'better-sqlite3';
import { openSqliteDatabase } from './sqlite-open.js';
import { migrate } from './sqlite-migrations.js';
import type { SqliteStoreOptions } from './sqlite-store.js';

/** Opens the store's connection and applies the settings every Distillery database relies on. */
export function openStoreDatabase(file: string, options: SqliteStoreOptions = {}): Database.Database {
  // Every reservation and answer must survive power loss, not only a crash: the journal is about money
  // already spent. NORMAL here, because the store flushes the WAL itself before acknowledging a write
  // (wal-sync.ts); where there is no WAL to flush, the constructor asks SQLite for FULL instead.
  const { walFileSystem: _walFileSystem, ...openOptions } = options;
  return openSqliteDatabase(file, { synchronous: 'NORMAL', migrate, ...openOptions });
}

