import { describe, expect, it } from 'vitest';
import { bearerToken, hashKey, issueKey, keyMatches, visiblePrefixOf } from './keys.js';

describe('guard keys', () => {
  it('issues dk- keys of 32 random bytes whose hash matches only themselves', () => {
    const first = issueKey();
    const second = issueKey();
    expect(first.secret).toMatch(/^dk-[A-Za-z0-9_-]{43}$/);
    expect(first.secret).not.toBe(second.secret);
    expect(first.hash).toBe(hashKey(first.secret));
    expect(first.hash).not.toContain(first.secret.slice(3));
    expect(keyMatches(first.secret, first.hash)).toBe(true);
    expect(keyMatches(second.secret, first.hash)).toBe(false);
    expect(keyMatches(first.secret, 'abcd')).toBe(false);
    expect(visiblePrefixOf(first.secret)).toBe(first.visiblePrefix);
    expect(first.visiblePrefix).toHaveLength(11);
  });

  it('refuses tokens not shaped like a guard key and parses Bearer headers strictly', () => {
    expect(visiblePrefixOf('sk-123')).toBeNull();
    expect(visiblePrefixOf(`dk-${'a'.repeat(44)}`)).toBeNull();
    expect(bearerToken('Bearer dk-abc')).toBe('dk-abc');
    expect(bearerToken('bearer   dk-abc ')).toBe('dk-abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
