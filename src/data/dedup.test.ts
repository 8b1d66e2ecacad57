import { describe, expect, it } from 'vitest';
import { bandLayout, findDuplicates } from './dedup.js';

/** A deterministic pseudo-random text of `count` words over a large vocabulary. */
function prose(seed: number, count = 170): string {
  let state = seed >>> 0 || 1;
  const words: string[] = [];
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    words.push(`w${(state >>> 8) % 3000}`);
  }
  return words.join(' ');
}

/** Replaces the word at `position` (of ~170 words, a ~1 KB text). */
function changeWord(text: string, position: number, replacement = 'changed'): string {
  const words = text.split(' ');
  words[position] = replacement;
  return words.join(' ');
}

describe('findDuplicates', () => {
  it('drops exact duplicates up to case and whitespace, keeping the earliest', () => {
    const found = findDuplicates([{ id: 'a', text: 'Hello  World' }, { id: 'b', text: 'hello world\n' }, { id: 'c', text: 'other' }, { id: 'd', text: 'HELLO world' }], { mode: 'exact', threshold: 0.9 });
    expect([...found]).toEqual([['b', 'a'], ['d', 'a']]);
  });

  it('finds a ~1 KB text with one word changed at 0.8 but not an unrelated text', () => {
    const original = prose(1);
    expect(original.length).toBeGreaterThan(800);
    const records = [{ id: 'a', text: original }, { id: 'b', text: changeWord(original, 80) }, { id: 'c', text: prose(2) }];
    const found = findDuplicates(records, { mode: 'near', threshold: 0.8 });
    expect([...found]).toEqual([['b', 'a']]);
    expect(findDuplicates(records, { mode: 'exact', threshold: 0.8 }).size).toBe(0);
    expect(findDuplicates(records, { mode: 'none', threshold: 0.8 }).size).toBe(0);
  });

  it('catches one-word edits reliably and rejects half-shared texts at 0.8', () => {
    let caught = 0;
    let falseAlarms = 0;
    for (let seed = 10; seed < 60; seed++) {
      const original = prose(seed);
      const half = `${original.split(' ').slice(0, 85).join(' ')} ${prose(seed + 1000).split(' ').slice(85).join(' ')}`;
      const found = findDuplicates([{ id: 'a', text: original }, { id: 'b', text: changeWord(original, seed % 170) }, { id: 'c', text: half }], { mode: 'near', threshold: 0.8 });
      if (found.get('b') === 'a') caught++;
      if (found.has('c')) falseAlarms++;
    }
    expect(caught).toBe(50);
    expect(falseAlarms).toBe(0);
  });

  it('uses character shingles for short texts', () => {
    const found = findDuplicates([{ id: 'a', text: 'refund my order please now' }, { id: 'b', text: 'refund my order please now!' }, { id: 'c', text: 'where is the parcel' }], { mode: 'near', threshold: 0.7 });
    expect([...found]).toEqual([['b', 'a']]);
  });

  it('keeps the earliest and maps each later copy to a kept record, never to a dropped one', () => {
    const base = prose(7);
    const records = [
      { id: 'first', text: base },
      { id: 'unrelated', text: prose(8) },
      { id: 'second', text: changeWord(base, 10) },
      { id: 'third', text: changeWord(changeWord(base, 10), 150) },
      { id: 'exact', text: base.toUpperCase() },
    ];
    const found = findDuplicates(records, { mode: 'near', threshold: 0.8 });
    expect(Object.fromEntries(found)).toEqual({ second: 'first', third: 'first', exact: 'first' });
    for (const original of found.values()) expect(found.has(original)).toBe(false);
  });

  it('never maps a record to itself when the same id appears twice', () => {
    expect(findDuplicates([{ id: 'a', text: 'x y' }, { id: 'a', text: 'x y' }], { mode: 'near', threshold: 0.9 }).size).toBe(0);
  });

  it('is deterministic', () => {
    const records = Array.from({ length: 300 }, (_, index) => ({ id: String(index), text: index % 3 === 0 ? changeWord(prose(index % 40), index % 170) : prose(index) }));
    const first = [...findDuplicates(records, { mode: 'near', threshold: 0.85 })];
    expect(first.length).toBeGreaterThan(0);
    expect([...findDuplicates(records, { mode: 'near', threshold: 0.85 })]).toEqual(first);
  });

  it('chooses more rows per band for higher thresholds while keeping pairs at the threshold as candidates', () => {
    let previousRows = 0;
    for (const threshold of [0.3, 0.5, 0.7, 0.8, 0.9, 0.95]) {
      const { bands, rows } = bandLayout(threshold);
      expect(bands * rows).toBeLessThanOrEqual(128);
      expect(rows).toBeGreaterThanOrEqual(previousRows);
      expect(1 - (1 - threshold ** rows) ** bands).toBeGreaterThanOrEqual(0.995);
      previousRows = rows;
    }
    expect(bandLayout(0.9).rows).toBeGreaterThan(bandLayout(0.5).rows);
  });

  it('still finds copies in heavily templated short texts, mapped to the earliest kept one', () => {
    // 3000 texts that share most character shingles (J ≈ 0.76 between neighbours, so all are kept)
    // fill many LSH buckets to capacity; copies of an early and a late one must still be found.
    const records = Array.from({ length: 3000 }, (_, index) => ({ id: `t${index}`, text: `your ticket number ${String(index).padStart(5, '0')} was closed today` }));
    records.push({ id: 'early', text: 'your ticket number 00001 was closed today.' }, { id: 'late', text: 'Your ticket number 02500 was closed today!' });
    const found = findDuplicates(records, { mode: 'near', threshold: 0.9 });
    expect(Object.fromEntries(found)).toEqual({ early: 't1', late: 't2500' });
  });
});
