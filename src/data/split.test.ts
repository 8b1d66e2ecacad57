import { describe, expect, it } from 'vitest';
import { assignSplits, splitOf } from './split.js';

const split = { train: 0.8, val: 0.1, test: 0.1, seed: 'distillery' };
const ids = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `id-${index}` }));

describe('assignSplits', () => {
  it('is deterministic and within ±2% of the fractions on 10k ids', () => {
    const records = ids(10_000);
    const assignments = assignSplits(records, new Map(), split);
    expect(assignSplits(records, new Map(), split)).toEqual(assignments);
    expect(assignments.map((assignment) => assignment.inputId)).toEqual(records.map((record) => record.id));
    const share = (name: string) => assignments.filter((assignment) => assignment.split === name).length / records.length;
    expect(Math.abs(share('train') - 0.8)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(share('val') - 0.1)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(share('test') - 0.1)).toBeLessThanOrEqual(0.02);
  });

  it('gives an id the same split whatever else is in the list', () => {
    const all = assignSplits(ids(100), new Map(), split);
    const some = assignSplits(ids(100).filter((_, index) => index % 3 === 0), new Map(), split);
    for (const assignment of some) expect(all.find((other) => other.inputId === assignment.inputId)?.split).toBe(assignment.split);
  });

  it('sends a duplicate to its original’s split and marks it; kept records have duplicateOf null', () => {
    const records = ids(200);
    const duplicates = new Map(records.slice(100).map((record, index) => [record.id, `id-${index}`]));
    const assignments = assignSplits(records, duplicates, split);
    for (const [index, assignment] of assignments.entries()) {
      if (index < 100) expect(assignment).toEqual({ inputId: `id-${index}`, split: splitOf(`id-${index}`, split), duplicateOf: null });
      else expect(assignment).toEqual({ inputId: `id-${index}`, split: assignments[index - 100]?.split, duplicateOf: `id-${index - 100}` });
    }
    // Some duplicates must land where their own hash would not have put them, or the test proves nothing.
    expect(assignments.slice(100).some((assignment) => assignment.split !== splitOf(assignment.inputId, split))).toBe(true);
  });

  it('honours zero-sized splits and changes with the seed', () => {
    expect(new Set(assignSplits(ids(500), new Map(), { ...split, train: 1, val: 0, test: 0 }).map((a) => a.split))).toEqual(new Set(['train']));
    const one = assignSplits(ids(200), new Map(), split).map((assignment) => assignment.split);
    const two = assignSplits(ids(200), new Map(), { ...split, seed: 'other' }).map((assignment) => assignment.split);
    expect(one).not.toEqual(two);
  });
});
