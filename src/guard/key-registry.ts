/**
 * Issuing, revoking and checking keys against a `GuardStore`. The key itself exists only in the
 * return value of `createKey`; everything else works from its hash.
 */
import type { GuardStore, KeyRecord } from './guard-store.js';
import { issueKey, keyMatches, newKeyId, visiblePrefixOf } from './keys.js';

/** What to issue a key for. */
export interface CreateKeyOptions {
  name: string;
  /** Policy tier, e.g. 'free' or 'enterprise'; default 'default'. */
  tier?: string;
  now?: number;
}

/** Issues a new key and stores its hash; the returned `secret` is the only copy of the key. */
export async function createKey(store: GuardStore, options: CreateKeyOptions): Promise<{ key: KeyRecord; secret: string }> {
  const issued = issueKey();
  const key: KeyRecord = {
    id: newKeyId(), name: options.name, tier: options.tier ?? 'default', visiblePrefix: issued.visiblePrefix,
    hash: issued.hash, createdAt: options.now ?? Date.now(), revokedAt: null,
  };
  await store.addKey(key);
  return { key, secret: issued.secret };
}

/** Why a presented key was refused; shown to the client without echoing the key. */
export type AuthFailure = 'missing' | 'unknown' | 'revoked';

/** Finds the active key matching `secret`, or says why there is none. */
export async function authenticate(store: GuardStore, secret: string): Promise<{ key: KeyRecord } | { failure: AuthFailure }> {
  const prefix = visiblePrefixOf(secret);
  if (prefix === null) return { failure: 'unknown' };
  let found: KeyRecord | undefined;
  // Compare against every candidate, not stopping at the first match, so timing says nothing about which one matched.
  for (const candidate of await store.findKeysByPrefix(prefix)) {
    if (keyMatches(secret, candidate.hash)) found = candidate;
  }
  if (found === undefined) return { failure: 'unknown' };
  return found.revokedAt === null ? { key: found } : { failure: 'revoked' };
}
