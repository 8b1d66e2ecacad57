/**
 * Per-key detector state with a cap on the number of keys: the least recently seen key is forgotten
 * first, so a flood of fresh keys cannot grow a detector's memory without bound.
 */

/** Default number of keys a detector remembers at once. */
export const DEFAULT_MAX_KEYS = 10_000;

/** A map from key id to state, bounded by evicting the least recently used key. */
export class KeyedState<State> {
  readonly #states = new Map<string, State>();
  readonly #maxKeys: number;

  constructor(maxKeys = DEFAULT_MAX_KEYS) {
    if (!(Number.isInteger(maxKeys) && maxKeys >= 1)) throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    this.#maxKeys = maxKeys;
  }

  /** The key's state, without creating it or changing its recency (scoring must not keep a key alive). */
  peek(keyId: string): State | undefined {
    return this.#states.get(keyId);
  }

  /** The key's state, created when missing, and marked as most recently used. */
  touch(keyId: string, create: () => State): State {
    const existing = this.#states.get(keyId);
    if (existing !== undefined) {
      // Map keeps insertion order: re-inserting moves the key to the young end.
      this.#states.delete(keyId);
      this.#states.set(keyId, existing);
      return existing;
    }
    const state = create();
    this.#states.set(keyId, state);
    if (this.#states.size > this.#maxKeys) {
      const oldest = this.#states.keys().next().value;
      if (oldest !== undefined) this.#states.delete(oldest);
    }
    return state;
  }

  /** Forgets one key. */
  delete(keyId: string): void {
    this.#states.delete(keyId);
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.#states.size;
  }
}
