import { describe, expect, it } from 'vitest';
import { parseDuration, parseSince } from './duration.js';
import { UsageError } from './errors.js';

describe('durations on the command line', () => {
  it('reads each unit, and refuses zero, negatives, bare numbers and unknown units with the flag named', () => {
    expect([parseDuration('30d', '--x'), parseDuration('12h', '--x'), parseDuration('90m', '--x'), parseDuration('45s', '--x'), parseDuration('2w', '--x'), parseDuration('1.5h', '--x')])
      .toEqual([2_592_000_000, 43_200_000, 5_400_000, 45_000, 1_209_600_000, 5_400_000]);
    for (const bad of ['0d', '-1d', '30', 'abc', '3y', '']) expect(() => parseDuration(bad, '--expires')).toThrow(UsageError);
    expect(() => parseDuration('30', '--expires')).toThrow(/--expires must be a positive duration/);
  });

  it('reads --since as a duration back from now or as a date', () => {
    expect(parseSince('1d', '--since', 100_000_000)).toBe(100_000_000 - 86_400_000);
    expect(parseSince('2026-11-01', '--since', 0)).toBe(Date.UTC(2026, 10, 1));
    expect(() => parseSince('yesterday', '--since', 0)).toThrow(/--since must be/);
  });
});
