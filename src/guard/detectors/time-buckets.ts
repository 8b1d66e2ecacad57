/** Counts of events in fixed time buckets over a bounded span: O(buckets) memory, whatever the rate. */
export class TimeBuckets {
  readonly #bucketMs: number;
  readonly #counts: Float64Array;
  /** Which bucket index (time ÷ bucketMs) each slot currently holds; a slot holding an older index is stale. */
  readonly #stamps: Float64Array;

  constructor(bucketMs: number, bucketCount: number) {
    this.#bucketMs = bucketMs;
    this.#counts = new Float64Array(bucketCount);
    this.#stamps = new Float64Array(bucketCount).fill(-1);
  }

  /** Counts one event at time `at` (ms). */
  add(at: number): void {
    const index = Math.floor(at / this.#bucketMs);
    const slot = index % this.#counts.length;
    if (this.#stamps[slot] !== index) {
      this.#stamps[slot] = index;
      this.#counts[slot] = 0;
    }
    this.#counts[slot] = (this.#counts[slot] as number) + 1;
  }

  /** Events in the buckets covering (now − span, now], with `span` a whole number of buckets at most the bucket count. */
  total(now: number, buckets = this.#counts.length): number {
    let sum = 0;
    this.#forRecent(now, buckets, (count) => (sum += count));
    return sum;
  }

  /** Buckets with at least one event among the latest `buckets`. */
  busyBuckets(now: number, buckets = this.#counts.length): number {
    let busy = 0;
    this.#forRecent(now, buckets, (count) => (busy += count > 0 ? 1 : 0));
    return busy;
  }

  #forRecent(now: number, buckets: number, visit: (count: number) => void): void {
    const newest = Math.floor(now / this.#bucketMs);
    for (let index = newest - Math.min(buckets, this.#counts.length) + 1; index <= newest; index++) {
      const slot = ((index % this.#counts.length) + this.#counts.length) % this.#counts.length;
      if (this.#stamps[slot] === index) visit(this.#counts[slot] as number);
    }
  }
}
