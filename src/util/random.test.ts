import { describe, expect, it } from 'vitest';
import { createRandom, seededRandom, shuffleInPlace } from './random.js';

describe('createRandom', () => {
  it('matches the reference mulberry32 sequence for seed 1', () => {
    const random = createRandom(1);
    // First outputs of the canonical mulberry32 (a = 1), as integers.
    expect([0, 0, 0].map(() => Math.round(random.next() * 4294967296))).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const draw = (seed: number): number[] => { const random = createRandom(seed); return [0, 0, 0, 0].map(() => random.next()); };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('stays in range and is roughly uniform', () => {
    const random = createRandom(3);
    const counts = [0, 0, 0, 0];
    for (let index = 0; index < 40_000; index++) counts[random.nextInt(4)]! += 1;
    counts.forEach((count) => expect(Math.abs(count - 10_000)).toBeLessThan(500));
  });
});

describe('shuffleInPlace', () => {
  it('permutes deterministically for a seed', () => {
    const a = Int32Array.from({ length: 50 }, (_, index) => index);
    const b = Int32Array.from({ length: 50 }, (_, index) => index);
    shuffleInPlace(a, createRandom(5));
    shuffleInPlace(b, createRandom(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 50 }, (_, index) => index));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, index) => index));
  });
});
describe('seededRandom', () => {
  it('is reproducible per seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(first);
    expect(c()).not.toBe(first[0]);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});
