import { describe, expect, it } from 'vitest';
import { GramTable } from './gram-table.js';

describe('GramTable', () => {
  it('numbers distinct 64-bit keys densely in insertion order, across growth, and tells them apart by either half', () => {
    const table = new GramTable(1);
    for (let index = 0; index < 5000; index++) expect(table.add(index * 7919, -index)).toBe(index);
    expect(table.size).toBe(5000);
    expect(table.add(7919 * 42, -42)).toBe(42);
    expect(table.size).toBe(5000);
    for (let index = 0; index < 5000; index++) expect(table.get(index * 7919, -index)).toBe(index);
    expect(table.get(7919 * 42, -43)).toBe(-1);
    expect(table.get(7919 * 43, -42)).toBe(-1);
    expect(table.get(0x7fffffff, 0)).toBe(-1);
  });
});
