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
  /** How long the key works (ms from `now`); default: until revoked. */
  lifetimeMs?: number;
}

/** Issues a new key and stores its hash; the returned `secret` is the only copy of the key. */
export async function createKey(store: GuardStore, options: CreateKeyOptions): Promise<{ key: KeyRecord; secret: string }> {
  const issued = issueKey();
  const createdAt = options.now ?? Date.now();
  const key: KeyRecord = {
    id: newKeyId(), name: options.name, tier: options.tier ?? 'default', visiblePrefix: issued.visiblePrefix,
    hash: issued.hash, createdAt, revokedAt: null, expiresAt: options.lifetimeMs === undefined ? null : createdAt + options.lifetimeMs, allowListed: false,
  };
  await store.addKey(key);
  return { key, secret: issued.secret };
}

/** Why a presented key was refused; shown to the client without echoing the key. */
export type AuthFailure = 'missing' | 'unknown' | 'revoked' | 'expired';

/** The 401 a client gets for each refusal: OpenAI's message style and a stable code. */
export const AUTH_FAILURE_RESPONSES: Readonly<Record<AuthFailure, { message: string; code: string }>> = Object.freeze({
  missing: { message: 'missing API key: send "Authorization: Bearer <key>" with the key your provider issued', code: 'missing_api_key' },
  unknown: { message: 'incorrect API key provided', code: 'invalid_api_key' },
  revoked: { message: 'this API key has been revoked', code: 'revoked_api_key' },
  expired: { message: 'this API key has expired; ask your provider for a new one', code: 'expired_api_key' },
});

/** Whether `key` has passed its expiry at `now`. */
export function isExpired(key: KeyRecord, now: number): boolean {
  return key.expiresAt !== null && now >= key.expiresAt;
}

/** Finds the active key matching `secret`, or says why there is none. */
export async function authenticate(store: GuardStore, secret: string, now = Date.now()): Promise<{ key: KeyRecord } | { failure: AuthFailure }> {
  const prefix = visiblePrefixOf(secret);
  if (prefix === null) return { failure: 'unknown' };
  let found: KeyRecord | undefined;
  // Compare against every candidate, not stopping at the first match, so timing says nothing about which one matched.
  for (const candidate of await store.findKeysByPrefix(prefix)) {
    if (keyMatches(secret, candidate.hash)) found = candidate;
  }
  if (found === undefined) return { failure: 'unknown' };
  if (found.revokedAt !== null) return { failure: 'revoked' };
  return isExpired(found, now) ? { failure: 'expired' } : { key: found };
}

/** The keys an operator means by `nameOrId`: the key with that id, else every key with that name (oldest first). */
export async function findKeys(store: GuardStore, nameOrId: string): Promise<KeyRecord[]> {
  const byId = await store.getKey(nameOrId);
  if (byId !== undefined) return [byId];
  return (await store.listKeys()).filter((key) => key.name === nameOrId);
}
