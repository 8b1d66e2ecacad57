/**
 * Seeded pseudo-random numbers (mulberry32): tiny, fast and good enough for initialisation and
 * shuffling; the same seed gives the same sequence on every platform, which makes training reproducible.
 */

/** A seeded source of uniform numbers. */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number;
}

/** Creates a mulberry32 generator from a 32-bit seed. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, nextInt: (bound) => Math.floor(next() * bound) };
}

/** The generator as a bare function (uniform in [0, 1)), for callers that only draw floats. */
export function seededRandom(seed: number): () => number {
  return createRandom(seed).next;
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: { length: number; [index: number]: T }, random: Random): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = random.nextInt(index + 1);
    const value = items[index] as T;
    items[index] = items[other] as T;
    items[other] = value;
  }
}
