/** The gateway's cache of authenticated keys: trust window, TTL for fail-open, eviction. */
import { describe, expect, it } from 'vitest';
import type { KeyRecord } from './guard-store.js';
import { KeyCache } from './key-cache.js';

const key = (index: number): KeyRecord => ({ id: `key_${index}`, name: `k${index}`, tier: 'default', visiblePrefix: 'dk-abcdefgh', hash: `hash${index}`, createdAt: 0, revokedAt: null, expiresAt: null, allowListed: false });

describe('key cache', () => {
  it('never trusts or serves a cached key past its expiry', () => {
    const clock = { now: 0 };
    const cache = new KeyCache({ trustMs: 1000, ttlMs: 60_000, now: () => clock.now });
    cache.remember({ ...key(1), expiresAt: 500 });
    expect(cache.trusted('hash1')?.id).toBe('key_1');
    clock.now = 500;
    expect(cache.trusted('hash1')).toBeUndefined();
    expect(cache.lastKnown('hash1')).toBeUndefined();
  });

  it('trusts a key for trustMs, serves it as last known for ttlMs, then forgets it (injected clock)', () => {
    const clock = { now: 0 };
    const cache = new KeyCache({ trustMs: 1000, ttlMs: 60_000, now: () => clock.now });
    cache.remember(key(1));
    clock.now = 999;
    expect(cache.trusted('hash1')?.id).toBe('key_1');
    clock.now = 1000;
    expect(cache.trusted('hash1')).toBeUndefined();
    expect(cache.lastKnown('hash1')?.id).toBe('key_1');
    clock.now = 60_000;
    expect(cache.lastKnown('hash1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('forgets by hash or id, drops the least recently checked key beyond maxEntries, and sweeps expired keys', () => {
    const clock = { now: 0 };
    const cache = new KeyCache({ trustMs: 1000, ttlMs: 4000, now: () => clock.now, maxEntries: 2 });
    cache.remember(key(1));
    cache.remember(key(2));
    cache.remember(key(1)); // checked again: now the most recent
    cache.remember(key(3));
    expect([cache.lastKnown('hash1')?.id, cache.lastKnown('hash2'), cache.lastKnown('hash3')?.id]).toEqual(['key_1', undefined, 'key_3']);
    expect(cache.forgetKey('key_3')).toBe(true);
    expect(cache.forgetKey('key_3')).toBe(false);
    cache.forget('hash1');
    expect(cache.size).toBe(0);
    cache.remember(key(4));
    clock.now = 5000;
    cache.remember(key(5)); // a quarter TTL has passed: the sweep drops key 4 without anyone asking for it
    expect(cache.size).toBe(1);
  });
});
