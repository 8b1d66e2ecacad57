import { describe, expect, it } from 'vitest';
import { formatUSD } from './money.js';

describe('formatUSD', () => {
  it('writes millionths of a dollar as plain decimals, never in exponent notation', () => {
    expect(formatUSD(0.0000013)).toBe('$0.0000013');
    expect(formatUSD(1.34e-6)).toBe('$0.00000134');
    expect(formatUSD(8.3e-7)).toBe('$0.00000083');
    expect(formatUSD(1.23456e-9)).toBe('$0.00000000123');
    for (const amount of [1e-7, 3.3e-8, 5e-12, 9.99e-7]) expect(formatUSD(amount)).not.toMatch(/e/iu);
  });

  it('keeps significant digits below ten cents and two decimals above', () => {
    expect(formatUSD(0.0123)).toBe('$0.0123');
    expect(formatUSD(0.042)).toBe('$0.042');
    expect(formatUSD(0.05)).toBe('$0.05');
    expect(formatUSD(0.5)).toBe('$0.50');
    expect(formatUSD(5)).toBe('$5.00');
    expect(formatUSD(1234.567)).toBe('$1,234.57');
    expect(formatUSD(0.0000013, 2)).toBe('$0.0000013');
    expect(formatUSD(0.00001349, 2)).toBe('$0.000013');
  });

  it('rounds across a decade without losing the second decimal', () => {
    expect(formatUSD(0.09999)).toBe('$0.10');
    expect(formatUSD(0.0009999)).toBe('$0.001');
  });

  it('handles zero, negatives, the vanishingly small and non-numbers', () => {
    expect(formatUSD(0)).toBe('$0');
    expect(formatUSD(-0.0000013)).toBe('-$0.0000013');
    expect(formatUSD(1e-20)).toBe('<$0.000000000000001');
    expect(formatUSD(Number.NaN)).toBe('NaN');
  });
});
