import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { authenticate, createKey } from './key-registry.js';
import { openSqliteGuardStore } from './sqlite-guard-store.js';

describe('SQLite guard store', () => {
  it('keeps keys as hashes, accumulates usage per window, and survives reopening', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-guard-store-'));
    const file = path.join(folder, 'nested', 'guard.db');
    try {
      const store = openSqliteGuardStore(file);
      const { key, secret } = await createKey(store, { name: 'acme', tier: 'free', now: 1000 });
      expect(await authenticate(store, secret)).toEqual({ key });
      expect(await authenticate(store, `${secret.slice(0, -2)}zz`)).toEqual({ failure: 'unknown' });
      await store.addUsage({ keyId: key.id, windowStart: 0, requests: 1, promptTokens: 10, completionTokens: 2, costUSD: 0.5 });
      await store.addUsage({ keyId: key.id, windowStart: 0, requests: 1, promptTokens: 5, completionTokens: 1, costUSD: 0.25 });
      await store.addUsage({ keyId: key.id, windowStart: 60_000, requests: 1, promptTokens: 1, completionTokens: 1, costUSD: 0 });
      await store.setPolicyState({ keyId: key.id, action: 'flag', score: 0.6, reasons: ['volume: many'], updatedAt: 5 });
      await store.appendAudit({ at: 1, keyId: key.id, method: 'POST', route: '/v1/chat/completions', status: 200, promptTokens: 10, completionTokens: 2, latencyMs: 3, action: 'log', note: null, prompt: null });
      expect(await store.revokeKey(key.id, 2000)).toBe(true);
      expect(await store.revokeKey(key.id, 3000)).toBe(false);
      await store.close();

      const reopened = openSqliteGuardStore(file);
      expect(await reopened.listUsage(key.id)).toEqual([
        { keyId: key.id, windowStart: 0, requests: 2, promptTokens: 15, completionTokens: 3, costUSD: 0.75 },
        { keyId: key.id, windowStart: 60_000, requests: 1, promptTokens: 1, completionTokens: 1, costUSD: 0 },
      ]);
      expect(await reopened.listFlagged()).toEqual([{ keyId: key.id, action: 'flag', score: 0.6, reasons: ['volume: many'], updatedAt: 5 }]);
      expect(await authenticate(reopened, secret)).toEqual({ failure: 'revoked' });
      expect(await reopened.listAudit({ keyId: key.id })).toHaveLength(1);
      await reopened.close();

      const raw = new Database(file, { readonly: true });
      const dump = JSON.stringify(raw.prepare('SELECT * FROM guard_keys').all());
      raw.close();
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(12));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses a guard database written by a newer Distillery', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'distillery-guard-store-'));
    const file = path.join(folder, 'guard.db');
    try {
      const raw = new Database(file);
      raw.exec("CREATE TABLE guard_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL); INSERT INTO guard_schema_migrations VALUES (99, 'future', 0);");
      raw.close();
      expect(() => openSqliteGuardStore(file)).toThrow(/Upgrade Distillery/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
