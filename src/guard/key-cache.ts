/**
 * Keys that authenticated recently, by the hash of the presented key: the gateway's request path asks
 * the store only once a key's entry is older than `trustMs`, and a fail-open gateway whose store is
 * down keeps serving a key only while its last successful check is younger than `ttlMs`, so a key
 * revoked during an outage does not live on in memory for ever.
 */
import type { KeyRecord } from './guard-store.js';
import { isExpired } from './key-registry.js';

/** How long a key that authenticated is trusted without asking the store again (ms): a revocation made elsewhere takes effect within this. */
export const DEFAULT_KEY_TRUST_MS = 1000;

/** How long, with the store down, a key that last authenticated this long ago is still served by a fail-open gateway (ms). */
export const DEFAULT_LAST_KNOWN_TTL_MS = 5 * 60_000;

/** Entries kept at most; beyond it the least recently checked key is dropped (and simply checked again next time). */
const DEFAULT_MAX_ENTRIES = 100_000;

/** How to build the cache. */
export interface KeyCacheOptions {
  trustMs?: number;
  ttlMs?: number;
  now?: () => number;
  maxEntries?: number;
}

/** Recently authenticated keys, by hash, with when the store last confirmed each. */
export class KeyCache {
  readonly #trustMs: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, { key: KeyRecord; verifiedAt: number }>();
  #sweptAt: number;

  constructor(options: KeyCacheOptions = {}) {
    this.#trustMs = options.trustMs ?? DEFAULT_KEY_TRUST_MS;
    this.#ttlMs = options.ttlMs ?? DEFAULT_LAST_KNOWN_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.#sweptAt = this.#now();
  }

  /** The key with this hash when the store confirmed it within `trustMs`: no need to ask again. */
  trusted(hash: string): KeyRecord | undefined {
    const entry = this.#live(hash);
    return entry !== undefined && this.#now() - entry.verifiedAt < this.#trustMs ? entry.key : undefined;
  }

  /** The key with this hash when the store confirmed it within `ttlMs`: what a fail-open gateway may still serve. */
  lastKnown(hash: string): KeyRecord | undefined {
    const entry = this.#live(hash);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.verifiedAt < this.#ttlMs) return entry.key;
    this.#entries.delete(hash);
    return undefined;
  }

  /** The entry for this hash unless its key has expired since it was cached (then it is dropped, and the store is asked). */
  #live(hash: string): { key: KeyRecord; verifiedAt: number } | undefined {
    const entry = this.#entries.get(hash);
    if (entry === undefined || !isExpired(entry.key, this.#now())) return entry;
    this.#entries.delete(hash);
    return undefined;
  }

  /** Records that the store has just confirmed `key`. */
  remember(key: KeyRecord): void {
    // Re-inserted, so the map's order is the order of the last checks and the oldest goes first.
    this.#entries.delete(key.hash);
    this.#entries.set(key.hash, { key, verifiedAt: this.#now() });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#sweep();
  }

  /** Drops the key with this hash (the store refused it). */
  forget(hash: string): void {
    this.#entries.delete(hash);
  }

  /** Drops the key with this id (e.g. right after revoking it in this process); false when it was not cached. */
  forgetKey(keyId: string): boolean {
    for (const [hash, entry] of this.#entries) {
      if (entry.key.id === keyId) return this.#entries.delete(hash);
    }
    return false;
  }

  /** Number of keys cached (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops expired entries, at most once per quarter TTL: keys that stopped coming do not stay in memory. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#sweptAt < this.#ttlMs / 4) return;
    this.#sweptAt = now;
    // Oldest first: stop at the first entry still within the TTL.
    for (const [hash, entry] of this.#entries) {
      if (now - entry.verifiedAt < this.#ttlMs) break;
      this.#entries.delete(hash);
    }
  }
}
