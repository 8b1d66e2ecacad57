/**
 * An open-addressing hash set of 64-bit n-gram keys held as two 32-bit halves in typed arrays: no
 * boxed numbers, no per-entry objects, so millions of n-grams cost a few flat arrays and no GC.
 */

const EMPTY = -1;
const GOLDEN = 0x9e3779b1;

/** Maps a 64-bit key (high, low) to a dense entry number 0, 1, 2, ... in insertion order. */
export class GramTable {
  #high: Int32Array;
  #low: Int32Array;
  #entry: Int32Array;
  #mask: number;
  /** Number of distinct keys. */
  size = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.#high = new Int32Array(capacity);
    this.#low = new Int32Array(capacity);
    this.#entry = new Int32Array(capacity).fill(EMPTY);
    this.#mask = capacity - 1;
  }

  /** The key's entry number, or -1 when absent. */
  get(high: number, low: number): number {
    let slot = (low ^ Math.imul(high, GOLDEN)) & this.#mask;
    for (;;) {
      const entry = this.#entry[slot] as number;
      if (entry === EMPTY) return EMPTY;
      if (this.#low[slot] === low && this.#high[slot] === high) return entry;
      slot = (slot + 1) & this.#mask;
    }
  }

  /** The key's entry number, adding the key (as the next number) when absent. */
  add(high: number, low: number): number {
    if ((this.size + 1) * 2 > this.#entry.length) this.#grow();
    let slot = (low ^ Math.imul(high, GOLDEN)) & this.#mask;
    for (;;) {
      const entry = this.#entry[slot] as number;
      if (entry === EMPTY) {
        this.#high[slot] = high;
        this.#low[slot] = low;
        this.#entry[slot] = this.size;
        return this.size++;
      }
      if (this.#low[slot] === low && this.#high[slot] === high) return entry;
      slot = (slot + 1) & this.#mask;
    }
  }

  #grow(): void {
    const high = this.#high;
    const low = this.#low;
    const entries = this.#entry;
    const capacity = entries.length * 2;
    this.#high = new Int32Array(capacity);
    this.#low = new Int32Array(capacity);
    this.#entry = new Int32Array(capacity).fill(EMPTY);
    this.#mask = capacity - 1;
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index] as number;
      if (entry === EMPTY) continue;
      let slot = ((low[index] as number) ^ Math.imul(high[index] as number, GOLDEN)) & this.#mask;
      while (this.#entry[slot] !== EMPTY) slot = (slot + 1) & this.#mask;
      this.#high[slot] = high[index] as number;
      this.#low[slot] = low[index] as number;
      this.#entry[slot] = entry;
    }
  }
}
