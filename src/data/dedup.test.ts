import { describe, expect, it } from 'vitest';
import { findDuplicates } from './dedup.js';
import { assignSplits, splitOf } from './split.js';

const words = 'the quick brown fox jumps over the lazy dog while a cat watches from the old garden wall and the birds sing'.split(' ');
function text(seed: number, length = 200): string {
  return Array.from({ length }, (_, index) => words[(index * 7 + seed * 13 + ((index * seed) % 5)) % words.length]).join(' ');
}

describe('findDuplicates', () => {
  it('drops exact duplicates up to case and whitespace, keeping the earliest', () => {
    const found = findDuplicates([{ id: 'a', text: 'Hello  World' }, { id: 'b', text: 'hello world' }, { id: 'c', text: 'other' }], { mode: 'exact', threshold: 0.9 });
    expect([...found]).toEqual([['b', 'a']]);
  });

  it('finds a near-duplicate with one word changed but not an unrelated text', () => {
    const original = text(1);
    const edited = original.replace(/fox/, 'wolf');
    const unrelated = text(2);
    const records = [{ id: 'a', text: original }, { id: 'b', text: edited }, { id: 'c', text: unrelated }];
    const found = findDuplicates(records, { mode: 'near', threshold: 0.8 });
    expect(found.get('b')).toBe('a');
    expect(found.has('c')).toBe(false);
    expect(findDuplicates(records, { mode: 'exact', threshold: 0.8 }).size).toBe(0);
    expect(findDuplicates(records, { mode: 'none', threshold: 0.8 }).size).toBe(0);
  });

  it('is deterministic', () => {
    const records = Array.from({ length: 300 }, (_, index) => ({ id: String(index), text: text(index % 40, 60) }));
    expect([...findDuplicates(records, { mode: 'near', threshold: 0.85 })]).toEqual([...findDuplicates(records, { mode: 'near', threshold: 0.85 })]);
  });
});

describe('assignSplits', () => {
  const split = { train: 0.8, val: 0.1, test: 0.1, seed: 'distillery' };

  it('is deterministic and close to the fractions on 10k ids', () => {
    const records = Array.from({ length: 10_000 }, (_, index) => ({ id: `id-${index}` }));
    const assignments = assignSplits(records, new Map(), split);
    expect(assignSplits(records, new Map(), split)).toEqual(assignments);
    const share = (name: string) => assignments.filter((assignment) => assignment.split === name).length / records.length;
    expect(share('train')).toBeGreaterThan(0.78);
    expect(share('train')).toBeLessThan(0.82);
    expect(share('val')).toBeGreaterThan(0.08);
    expect(share('test')).toBeGreaterThan(0.08);
  });

  it('sends a duplicate to its original’s split and marks it', () => {
    const assignments = assignSplits([{ id: 'a' }, { id: 'b' }], new Map([['b', 'a']]), split);
    expect(assignments[1]).toEqual({ inputId: 'b', split: splitOf('a', split), duplicateOf: 'a' });
    expect(assignments[0]?.duplicateOf).toBeNull();
  });

  it('changes with the seed', () => {
    const records = Array.from({ length: 200 }, (_, index) => ({ id: `id-${index}` }));
    const one = assignSplits(records, new Map(), split).map((assignment) => assignment.split);
    const two = assignSplits(records, new Map(), { ...split, seed: 'other' }).map((assignment) => assignment.split);
    expect(one).not.toEqual(two);
  });
});
