/** A seeded random source with the draws the traffic generators need; the same seed gives the same traffic. */
import { seededRandom } from '../../src/util/random.js';
import { fnv1a32 } from '../../src/util/hash.js';

/** Seeded draws: uniform, choice, exponential, log-normal, shuffles. */
export class Random {
  readonly seed: number;
  readonly #next: () => number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#next = seededRandom(this.seed);
  }

  /** An independent stream for a named part (adding a user does not shift every other user's draws). */
  fork(label: string): Random {
    return new Random(fnv1a32(label, this.seed ^ 0x9e3779b9));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.#next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  /** Uniform integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<Item>(items: readonly Item[]): Item {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[this.int(items.length)] as Item;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.#next()) * mean;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.#next())) * Math.cos(2 * Math.PI * this.#next());
  }

  /** Log-normal with the given median and log-scale spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count with the given mean (Knuth's method; means here are small). */
  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.#next();
    while (product > limit) {
      count++;
      product *= this.#next();
    }
    return count;
  }

  /** Geometric count ≥ 1 with the given mean. */
  geometric(mean: number): number {
    return 1 + Math.floor(Math.log(1 - this.#next()) / Math.log(1 - 1 / Math.max(1.0001, mean)));
  }

  /** A shuffled copy. */
  shuffle<Item>(items: readonly Item[]): Item[] {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = this.int(index + 1);
      [copy[index], copy[other]] = [copy[other] as Item, copy[index] as Item];
    }
    return copy;
  }
}
