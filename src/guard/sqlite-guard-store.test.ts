import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeGuardStoreConformance } from './guard-store-conformance.js';
import { authenticate, createKey } from './key-registry.js';
import { openSqliteGuardStore } from './sqlite-guard-store.js';
import { GUARD_MIGRATIONS } from './sqlite-guard-migrations.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-guard-store-'));
let counter = 0;
/** A fresh database path in a folder that does not exist yet. */
const freshFile = (): string => path.join(folder, `case-${counter++}`, 'nested', 'guard.db');

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeGuardStoreConformance('sqlite', async () => openSqliteGuardStore(freshFile()));

describe('SQLite guard store', () => {
  it('keeps keys, usage, policy state and the audit log across reopening, and never the key itself', async () => {
    const file = freshFile();
    const store = openSqliteGuardStore(file);
    const { key, secret } = await createKey(store, { name: 'acme', tier: 'free', now: 1000 });
    await store.addUsage({ keyId: key.id, windowStart: 0, requests: 1, promptTokens: 10, completionTokens: 2, costUSD: 0.5 });
    await store.setPolicyState({ keyId: key.id, action: 'flag', score: 0.6, reasons: ['volume: many'], updatedAt: 5 });
    await store.appendAudit({ at: 1, keyId: key.id, method: 'POST', route: '/v1/chat/completions', status: 200, promptTokens: 10, completionTokens: 2, latencyMs: 3, action: 'log', note: null, prompt: null });
    expect(await store.revokeKey(key.id, 2000)).toBe(true);
    await store.close();

    const reopened = openSqliteGuardStore(file);
    expect(await reopened.listUsage(key.id)).toEqual([{ keyId: key.id, windowStart: 0, requests: 1, promptTokens: 10, completionTokens: 2, costUSD: 0.5 }]);
    expect(await reopened.listFlagged()).toEqual([{ keyId: key.id, action: 'flag', score: 0.6, reasons: ['volume: many'], updatedAt: 5 }]);
    expect(await authenticate(reopened, secret)).toEqual({ failure: 'revoked' });
    expect(await reopened.listAudit({ keyId: key.id })).toHaveLength(1);
    await reopened.close();

    const raw = new Database(file, { readonly: true });
    const dump = JSON.stringify(raw.prepare('SELECT * FROM guard_keys').all());
    raw.close();
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(secret.slice(12));
  });

  it('prunes at most the batch size per table per call, oldest first', async () => {
    const store = openSqliteGuardStore(freshFile());
    const { key } = await createKey(store, { name: 'acme' });
    for (let at = 1; at <= 5; at += 1) await store.appendAudit({ at, keyId: key.id, method: 'GET', route: '/v1/models', status: 200, promptTokens: 0, completionTokens: 0, latencyMs: 1, action: 'log', note: null, prompt: null });
    expect(await store.pruneAudit(5, 3)).toBe(3);
    expect((await store.listAudit()).map((entry) => entry.at)).toEqual([5, 4]);
    expect(await store.pruneAudit(5, 3)).toBe(1);
    expect(await store.pruneAudit(5, 3)).toBe(0);
    expect((await store.listAudit()).map((entry) => entry.at)).toEqual([5]);
    await store.close();
  });

  it('upgrades a version-1 database: existing keys never expire and are not allow-listed', async () => {
    const file = path.join(folder, `v1-${counter++}.db`);
    const raw = new Database(file);
    raw.exec('CREATE TABLE guard_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    raw.exec(GUARD_MIGRATIONS[0]?.sql ?? '');
    raw.prepare('INSERT INTO guard_schema_migrations VALUES (1, ?, 0)').run(GUARD_MIGRATIONS[0]?.name ?? '');
    raw.prepare("INSERT INTO guard_keys VALUES ('key_old', 'old', 'free', 'dk-AAAAAAAA', 'ab', 1, NULL)").run();
    raw.close();
    const store = openSqliteGuardStore(file);
    expect(await store.getKey('key_old')).toMatchObject({ expiresAt: null, allowListed: false, revokedAt: null });
    await store.close();
  });

  it('refuses a guard database written by a newer Distillery', () => {
    const file = path.join(folder, `newer-${counter++}.db`);
    const raw = new Database(file);
    raw.exec("CREATE TABLE guard_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL); INSERT INTO guard_schema_migrations VALUES (99, 'future', 0);");
    raw.close();
    expect(() => openSqliteGuardStore(file)).toThrow(/Upgrade Distillery/);
  });
});
