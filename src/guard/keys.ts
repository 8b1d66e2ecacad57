/**
 * API keys: generated from 32 random bytes, shown to the owner once, and stored only as a SHA-256
 * hash plus a short visible prefix so an operator can tell keys apart without being able to use them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every Distillery guard key starts with this, so leaked keys are easy to grep for in code and logs. */
export const KEY_PREFIX = 'dk-';

/** Characters of the secret part kept visible (after `dk-`): enough to tell keys apart, far too few to guess the rest. */
const VISIBLE_CHARACTERS = 8;

/** The shape of a well-formed key: `dk-` then 43 base64url characters (32 bytes). */
const KEY_PATTERN = /^dk-[A-Za-z0-9_-]{43}$/;

/** A freshly issued key: `secret` is returned once and never stored. */
export interface IssuedKey {
  secret: string;
  /** `dk-` plus the first characters of the secret, stored for lookup and display. */
  visiblePrefix: string;
  /** Hex SHA-256 of the whole secret. */
  hash: string;
}

/** Hex SHA-256 of a key: what the store keeps instead of the key. */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The visible prefix of a key (for lookup), or null when `secret` is not shaped like a guard key. */
export function visiblePrefixOf(secret: string): string | null {
  return KEY_PATTERN.test(secret) ? secret.slice(0, KEY_PREFIX.length + VISIBLE_CHARACTERS) : null;
}

/** Generates a new key from 32 bytes of CSPRNG output. */
export function issueKey(): IssuedKey {
  const secret = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { secret, visiblePrefix: secret.slice(0, KEY_PREFIX.length + VISIBLE_CHARACTERS), hash: hashKey(secret) };
}

/** A new key id: public, safe to log and print (it is not the key). */
export function newKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

/** Whether `secret` hashes to `storedHash`, compared in constant time so timing reveals nothing about the hash. */
export function keyMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashKey(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  // Both are SHA-256 digests; a length mismatch means a corrupt row, never a match.
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** The token of an `Authorization: Bearer <token>` header, or null when the header is missing or not Bearer. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1] ?? null;
}
