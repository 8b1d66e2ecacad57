/**
 * The one test suite every `GuardStore` implementation runs (SQLite, Redis), in the manner of
 * src/store/store-conformance.ts. `open` must return a fresh, empty store each time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../store/errors.js';
import type { AuditEntry, GuardStore, KeyRecord, PolicyState } from './guard-store.js';
import { authenticate, createKey, findKeys } from './key-registry.js';
import { hashKey } from './keys.js';

/** A deterministic key record; keys with the same `visiblePrefix` collide on lookup, as real ones may. */
export function sampleKey(index: number, overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: `key_${index.toString(16).padStart(16, '0')}`, name: `customer ${index}`, tier: 'free', visiblePrefix: 'dk-AAAAAAAA',
    hash: hashKey(`secret ${index}`), createdAt: 1_700_000_000_000 + index, revokedAt: null, expiresAt: null, allowListed: false, ...overrides,
  };
}

/** A deterministic audit row. */
export function sampleAudit(at: number, keyId: string | null, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at, keyId, method: 'POST', route: '/v1/chat/completions', status: 200, promptTokens: 12, completionTokens: 3, latencyMs: 4.25,
    action: keyId === null ? null : 'log', note: keyId === null ? 'invalid_api_key' : null, prompt: null, ...overrides,
  };
}

/** A policy state for `keyId`. */
function policy(keyId: string, action: PolicyState['action'], score: number, updatedAt = 1): PolicyState {
  return { keyId, action, score, reasons: [`volume: ${score}`, 'ünïcode reason'], updatedAt };
}

/** Registers the shared GuardStore conformance suite under `name`. */
export function describeGuardStoreConformance(name: string, open: () => Promise<GuardStore>): void {
  describe(`GuardStore conformance: ${name}`, () => {
    let store: GuardStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('keeps only the hash and prefix of an issued key, and authenticates it', async () => {
      const { key, secret } = await createKey(store, { name: 'acme', tier: 'free', now: 1000 });
      expect(await store.getKey(key.id)).toEqual(key);
      expect(JSON.stringify(await store.listKeys())).not.toContain(secret.slice(12));
      expect(await authenticate(store, secret)).toEqual({ key });
      expect(await authenticate(store, `${secret.slice(0, -2)}zz`)).toEqual({ failure: 'unknown' });
      expect(await store.getKey('key_missing')).toBeUndefined();
    });

    it('finds every key sharing a visible prefix, and lists keys by creation time then id', async () => {
      const keys = [sampleKey(3, { createdAt: 5 }), sampleKey(1, { createdAt: 5, name: 'naïve € name' }), sampleKey(2, { createdAt: 1, visiblePrefix: 'dk-BBBBBBBB', tier: 'enterprise' })];
      for (const key of keys) await store.addKey(key);
      const found = await store.findKeysByPrefix('dk-AAAAAAAA');
      expect(found.sort((a, b) => a.id.localeCompare(b.id))).toEqual([keys[1], keys[0]]);
      expect(await store.findKeysByPrefix('dk-CCCCCCCC')).toEqual([]);
      expect(await store.listKeys()).toEqual([keys[2], keys[1], keys[0]]);
    });

    it('refuses a second key with the same id or the same hash, keeping the first intact', async () => {
      await store.addKey(sampleKey(1));
      for (const duplicate of [sampleKey(1, { hash: hashKey('other') }), sampleKey(2, { hash: sampleKey(1).hash })]) {
        const error = await store.addKey(duplicate).then(() => undefined, (caught: unknown) => caught);
        expect(error).toBeInstanceOf(StoreError);
        expect((error as StoreError).reason).toBe('constraint');
      }
      expect(await store.listKeys()).toEqual([sampleKey(1)]);
    });

    it('revokes a key once; a missing key is not revoked', async () => {
      await store.addKey(sampleKey(1));
      expect(await store.revokeKey(sampleKey(1).id, 2000)).toBe(true);
      expect(await store.revokeKey(sampleKey(1).id, 3000)).toBe(false);
      expect(await store.revokeKey('key_missing', 3000)).toBe(false);
      expect((await store.getKey(sampleKey(1).id))?.revokedAt).toBe(2000);
      expect(await store.getKey('key_missing')).toBeUndefined();
    });

    it('adds usage per key and window, lists it oldest first from `since` on', async () => {
      const [a, b] = [sampleKey(1), sampleKey(2)];
      await store.addKey(a);
      await store.addKey(b);
      await store.addUsage({ keyId: a.id, windowStart: 60_000, requests: 1, promptTokens: 1, completionTokens: 1, costUSD: 0 });
      await store.addUsage({ keyId: a.id, windowStart: 0, requests: 1, promptTokens: 10, completionTokens: 2, costUSD: 0.5 });
      await store.addUsage({ keyId: a.id, windowStart: 0, requests: 1, promptTokens: 5, completionTokens: 1, costUSD: 0.25 });
      await store.addUsage({ keyId: b.id, windowStart: 0, requests: 7, promptTokens: 7, completionTokens: 7, costUSD: 7 });
      expect(await store.listUsage(a.id)).toEqual([
        { keyId: a.id, windowStart: 0, requests: 2, promptTokens: 15, completionTokens: 3, costUSD: 0.75 },
        { keyId: a.id, windowStart: 60_000, requests: 1, promptTokens: 1, completionTokens: 1, costUSD: 0 },
      ]);
      expect(await store.listUsage(a.id, 60_000)).toEqual([{ keyId: a.id, windowStart: 60_000, requests: 1, promptTokens: 1, completionTokens: 1, costUSD: 0 }]);
      expect(await store.listUsage('key_missing')).toEqual([]);
    });

    it('loses no count when many writers add to one window at once', async () => {
      const key = sampleKey(1);
      await store.addKey(key);
      const writes = Array.from({ length: 200 }, (_, index) => store.addUsage({ keyId: key.id, windowStart: 0, requests: 1, promptTokens: index, completionTokens: 2, costUSD: 0.125 }));
      await Promise.all(writes);
      const [window] = await store.listUsage(key.id);
      expect(window).toMatchObject({ requests: 200, promptTokens: (199 * 200) / 2, completionTokens: 400 });
      expect(window?.costUSD).toBeCloseTo(25, 9);
    });

    it('round-trips policy state and lists keys above log by score, ties by key id', async () => {
      for (const index of [1, 2, 3, 4]) await store.addKey(sampleKey(index));
      const [one, two, three, four] = [1, 2, 3, 4].map((index) => sampleKey(index).id) as [string, string, string, string];
      expect(await store.getPolicyState(one)).toBeUndefined();
      await store.setPolicyState(policy(one, 'flag', 0.6));
      await store.setPolicyState(policy(two, 'throttle', 0.9));
      await store.setPolicyState(policy(three, 'flag', 0.6));
      await store.setPolicyState(policy(four, 'log', 0.1));
      expect(await store.getPolicyState(one)).toEqual(policy(one, 'flag', 0.6));
      expect((await store.listFlagged()).map((state) => state.keyId)).toEqual([two, one, three]);
      await store.setPolicyState(policy(two, 'log', 0.2, 9));
      expect(await store.getPolicyState(two)).toEqual(policy(two, 'log', 0.2, 9));
      expect(await store.listFlagged()).toEqual([policy(one, 'flag', 0.6), policy(three, 'flag', 0.6)]);
    });

    it('keeps the audit log newest first, filtered by key and limited', async () => {
      const key = sampleKey(1);
      await store.addKey(key);
      await store.appendAudit(sampleAudit(1, key.id, { prompt: 'kept only with logPrompts', latencyMs: 0.1 + 0.2 }));
      await store.appendAudit(sampleAudit(2, null));
      await store.appendAudit(sampleAudit(3, key.id, { status: 429, action: 'throttle', note: 'rate_limit_exceeded' }));
      expect((await store.listAudit()).map((entry) => entry.at)).toEqual([3, 2, 1]);
      expect(await store.listAudit({ keyId: key.id })).toEqual([
        sampleAudit(3, key.id, { status: 429, action: 'throttle', note: 'rate_limit_exceeded' }),
        sampleAudit(1, key.id, { prompt: 'kept only with logPrompts', latencyMs: 0.1 + 0.2 }),
      ]);
      expect(await store.listAudit({ limit: 1 })).toEqual([sampleAudit(3, key.id, { status: 429, action: 'throttle', note: 'rate_limit_exceeded' })]);
      expect(await store.listAudit({ keyId: 'key_missing' })).toEqual([]);
    });

    it('keeps expiry and the allow-list; an expired key is refused as expired, not unknown', async () => {
      const { key, secret } = await createKey(store, { name: 'trial', now: 1000, lifetimeMs: 500 });
      expect(await store.getKey(key.id)).toMatchObject({ expiresAt: 1500, allowListed: false });
      expect(await authenticate(store, secret, 1499)).toEqual({ key });
      expect(await authenticate(store, secret, 1500)).toEqual({ failure: 'expired' });
      expect(await store.setAllowListed(key.id, true)).toBe(true);
      expect((await store.getKey(key.id))?.allowListed).toBe(true);
      expect((await store.listKeys())[0]?.allowListed).toBe(true);
      expect(await store.setAllowListed(key.id, false)).toBe(true);
      expect((await store.findKeysByPrefix(key.visiblePrefix))[0]?.allowListed).toBe(false);
      expect(await store.setAllowListed('key_missing', true)).toBe(false);
    });

    it('finds keys by id or by name', async () => {
      for (const key of [sampleKey(1, { name: 'acme' }), sampleKey(2, { name: 'acme', createdAt: 1 }), sampleKey(3, { name: 'other' })]) await store.addKey(key);
      expect((await findKeys(store, 'acme')).map((key) => key.id)).toEqual([sampleKey(2).id, sampleKey(1).id]);
      expect((await findKeys(store, sampleKey(3).id)).map((key) => key.name)).toEqual(['other']);
      expect(await findKeys(store, 'nobody')).toEqual([]);
    });

    it('counts unauthenticated requests into one row per minute and kind, however many arrive', async () => {
      const minute = 1_700_000_040_000;
      for (let index = 0; index < 50; index += 1) await store.appendAudit(sampleAudit(minute + index, null));
      await store.appendAudit(sampleAudit(minute + 100, null, { note: 'missing_api_key' }));
      await store.appendAudit(sampleAudit(minute + 60_000, null));
      const rows = await store.listAudit({ limit: 100 });
      expect(rows).toHaveLength(3);
      expect(rows.map((row) => [row.note, row.count]).sort()).toEqual([['invalid_api_key', 1], ['invalid_api_key', 50], ['missing_api_key', 1]]);
      expect(rows.find((row) => row.count === 50)).toMatchObject({ keyId: null, route: '/v1/chat/completions', status: 200, at: minute });
    });

    it('prunes audit rows older than the retention, in batches, keeping newer ones and the rest of the state', async () => {
      const key = sampleKey(1);
      await store.addKey(key);
      const now = Date.now();
      for (let index = 0; index < 5; index += 1) await store.appendAudit(sampleAudit(now - 10_000 + index, key.id));
      await store.appendAudit(sampleAudit(now - 10_000, null));
      await store.addUsage({ keyId: key.id, windowStart: 0, requests: 1, promptTokens: 1, completionTokens: 1, costUSD: 0 });
      expect(await store.pruneAudit(now - 3_600_000, 2)).toBe(0);
      expect(await store.listAudit()).toHaveLength(6);
      // Batches of 2 until nothing older is left (a store may count a row kept in two places, e.g. per key, twice).
      let removed = 0;
      for (let pruned = await store.pruneAudit(now + 60_000, 2); pruned > 0; pruned = await store.pruneAudit(now + 60_000, 2)) removed += pruned;
      expect(removed).toBeGreaterThanOrEqual(6);
      expect(await store.listAudit()).toEqual([]);
      expect(await store.listAudit({ keyId: key.id })).toEqual([]);
      expect(await store.listUsage(key.id)).toHaveLength(1);
    });

    it('can be closed twice', async () => {
      await store.close();
    });
  });
}
