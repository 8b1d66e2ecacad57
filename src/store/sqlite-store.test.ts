import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { toStoreError } from './sqlite-errors.js';
import { LATEST_SCHEMA_VERSION, SQLITE_MIGRATIONS, migrate } from './sqlite-migrations.js';
import { openSqliteStore } from './sqlite-store.js';
import { describeStoreConformance, sampleInput, sampleReservation, sampleResponse } from './store-conformance.js';

const folder = mkdtempSync(join(tmpdir(), 'distillery-sqlite-'));
let counter = 0;
/** A fresh database path in a folder that does not exist yet. */
const freshFile = (): string => join(folder, `case-${counter++}`, 'nested', 'project.sqlite');

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeStoreConformance('sqlite', async () => openSqliteStore(freshFile()));

describe('SQLite store', () => {
  it('creates the folder, and keeps everything across close and reopen', async () => {
    const file = freshFile();
    const store = openSqliteStore(file);
    await store.addInputs([sampleInput(0), sampleInput(1)]);
    await store.reserve(sampleReservation(1, 0.5));
    await store.commitResponse(sampleResponse(0));
    await store.setState('stage', 'collect');
    await store.close();
    await store.close();

    const reopened = openSqliteStore(file);
    expect(await reopened.countInputs()).toBe(2);
    expect(await reopened.getResponse('key-0')).toEqual(sampleResponse(0));
    expect(await reopened.listReservations()).toEqual([sampleReservation(1, 0.5)]);
    expect(await reopened.getState('stage')).toBe('collect');
    await reopened.close();
  });

  it('uses WAL, foreign keys and records its migrations in order', async () => {
    const file = freshFile();
    await openSqliteStore(file).close();
    const database = new Database(file, { readonly: true });
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    const versions = database.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
    expect(versions.map((row) => row.version)).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, index) => index + 1));
    database.close();
    // Reopening does not re-apply anything.
    await openSqliteStore(file).close();
    const again = new Database(file, { readonly: true });
    expect((again.prepare('SELECT COUNT(*) AS count FROM schema_migrations').get() as { count: number }).count).toBe(LATEST_SCHEMA_VERSION);
    again.close();
  });

  it('applies only pending migrations, in version order', () => {
    const database = new Database(':memory:');
    const steps = [
      { version: 2, name: 'second', sql: 'ALTER TABLE t ADD COLUMN b TEXT' },
      { version: 1, name: 'first', sql: 'CREATE TABLE t (a TEXT)' },
    ];
    expect(migrate(database, ':memory:', steps.slice(1))).toBe(1);
    expect(migrate(database, ':memory:', steps)).toBe(2);
    const columns = (database.prepare('PRAGMA table_info(t)').all() as Array<{ name: string }>).map((column) => column.name);
    expect(columns).toEqual(['a', 'b']);
    database.close();
  });

  it('upgrades a version-2 database: its answers keep working, without a completion, and new ones keep theirs', async () => {
    const file = freshFile();
    mkdirSync(dirname(file), { recursive: true });
    const old = new Database(file);
    migrate(old, file, SQLITE_MIGRATIONS.filter((step) => step.version <= 2));
    old.prepare('INSERT INTO inputs (id, text, gold, source) VALUES (?, ?, ?, ?)').run('input-0', 'text number 0', null, 'x');
    old.prepare(`INSERT INTO responses (cache_key, input_id, model, kind, label, distribution, tail_mass, text, input_tokens, output_tokens, cost_usd, latency_ms, attempts, created_at)
      VALUES ('key-0', 'input-0', 'teacher-model', 'label', 'positive', NULL, NULL, 'positive', 42, 1, 0.25, 123.5, 1, 1)`).run();
    old.close();
    const store = openSqliteStore(file);
    try {
      const upgraded = await store.getResponse('key-0');
      expect(upgraded).toMatchObject({ label: 'positive', costUSD: 0.25 });
      expect(upgraded?.completion ?? null).toBeNull();
      await store.addInputs([sampleInput(1)]);
      const completion = { text: 'positive', finishReason: 'stop' as const, rawFinishReason: 'stop', usage: { inputTokens: 42, outputTokens: 1, estimated: false }, responseId: null, raw: { ok: true }, warnings: [] };
      await store.commitResponse(sampleResponse(1, { completion }));
      expect((await store.getResponse('key-1'))?.completion).toEqual(completion);
    } finally {
      await store.close();
    }
  });

  it('upgrades a version-1 journal: its billed failures become retried worst-case attempts', async () => {
    const file = freshFile();
    mkdirSync(dirname(file), { recursive: true });
    const old = new Database(file);
    migrate(old, file, SQLITE_MIGRATIONS.filter((step) => step.version === 1));
    old.prepare('INSERT INTO billed_failures (cache_key, billed_usd, recorded_at) VALUES (?, ?, ?)').run('key-7', 0.5, 7);
    old.close();
    const store = openSqliteStore(file);
    expect(await store.listBilledAttempts()).toEqual([{ cacheKey: 'key-7', inputId: '', billedUSD: 0.5, basis: 'worst-case', final: false, reason: '', recordedAt: 7 }]);
    expect((await store.ledger()).committedUSD).toBe(0.5);
    await store.close();
  });

  it('refuses a database written by a newer Distillery, without touching it', async () => {
    const file = freshFile();
    await openSqliteStore(file).close();
    const database = new Database(file);
    database.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'future', 0);
    database.close();
    const attempt = (): unknown => openSqliteStore(file);
    expect(attempt).toThrow(StoreError);
    expect(attempt).toThrow(new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1}.*up to ${LATEST_SCHEMA_VERSION}.*upgrade Distillery`));
    try {
      attempt();
    } catch (error) {
      expect((error as StoreError).reason).toBe('newer-schema');
      expect((error as StoreError).file).toBe(file);
    }
  });

  it('reports a corrupt file as such, naming it', () => {
    const file = join(folder, 'garbage.sqlite');
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    let caught: unknown;
    try {
      openSqliteStore(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).reason).toBe('corrupt');
    expect((caught as StoreError).message).toContain(file);
    expect((caught as StoreError).message).toMatch(/damaged|not a Distillery database/);
  });

  it('maps a full disk to a StoreError that says committed data is intact, and keeps it intact', async () => {
    const file = freshFile();
    await openSqliteStore(file).close();
    // The fresh schema fills a handful of pages; a tight page cap stands in for a full disk.
    const store = openSqliteStore(file, { maxPageCount: 16 });
    await store.addInputs([sampleInput(0)]);
    await store.commitResponse(sampleResponse(0));
    const bigInputs = Array.from({ length: 400 }, (_, index) => ({ ...sampleInput(index + 1), text: 'x'.repeat(2000) }));
    const failure = await store.addInputs(bigInputs).then(() => undefined, (error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).reason).toBe('disk-full');
    expect((failure as StoreError).code).toBe('SQLITE_FULL');
    expect((failure as StoreError).message).toContain(file);
    expect((failure as StoreError).message).toMatch(/disk is full.*intact/);
    // The failed batch left nothing behind; the committed answer is still there.
    expect(await store.countInputs()).toBe(1);
    expect(await store.getResponse('key-0')).toEqual(sampleResponse(0));
    await store.close();
  });

  it('maps read-only, busy and unknown driver errors to worded StoreErrors', () => {
    const readOnly = toStoreError(Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }), '/p/db.sqlite', 'saving');
    expect(readOnly.reason).toBe('read-only');
    expect(readOnly.message).toMatch(/\/p\/db\.sqlite is read-only.*intact/);
    expect(toStoreError(Object.assign(new Error('locked'), { code: 'SQLITE_BUSY_SNAPSHOT' }), 'f', 'x').reason).toBe('busy');
    expect(toStoreError(Object.assign(new Error('nospc'), { code: 'SQLITE_IOERR_NOSPC' }), 'f', 'x').reason).toBe('disk-full');
    expect(toStoreError(new Error('odd'), 'f', 'x').reason).toBe('other');
  });

  it('reports writes refused by a read-only connection as read-only', async () => {
    const file = freshFile();
    await openSqliteStore(file).close();
    const database = new Database(file, { readonly: true });
    let caught: unknown;
    try {
      database.prepare("INSERT INTO state (key, value) VALUES ('a', 'b')").run();
    } catch (error) {
      caught = toStoreError(error, file, 'saving state');
    }
    database.close();
    expect((caught as StoreError).reason).toBe('read-only');
  });
});
