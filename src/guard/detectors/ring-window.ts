/** A fixed-capacity sliding window: the newest `capacity` items, oldest dropped first. */
export class RingWindow<Item> {
  readonly capacity: number;
  readonly #items: Array<Item | undefined>;
  #start = 0;
  #length = 0;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#items = new Array<Item | undefined>(capacity);
  }

  /** Adds an item; returns the item it pushed out, if the window was full. */
  push(item: Item): Item | undefined {
    if (this.#length < this.capacity) {
      this.#items[(this.#start + this.#length) % this.capacity] = item;
      this.#length++;
      return undefined;
    }
    const evicted = this.#items[this.#start];
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.capacity;
    return evicted;
  }

  /** Number of items held. */
  get length(): number {
    return this.#length;
  }

  /** The item at `index`, 0 = oldest. */
  at(index: number): Item | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#items[(this.#start + index) % this.capacity];
  }

  /** Calls `visit` on each item, oldest first (a plain loop: cheaper than the iterator on the hot path). */
  forEach(visit: (item: Item, index: number) => void): void {
    for (let index = 0; index < this.#length; index++) visit(this.#items[(this.#start + index) % this.capacity] as Item, index);
  }

  /** The items, oldest first. */
  *[Symbol.iterator](): IterableIterator<Item> {
    for (let index = 0; index < this.#length; index++) yield this.#items[(this.#start + index) % this.capacity] as Item;
  }
}
