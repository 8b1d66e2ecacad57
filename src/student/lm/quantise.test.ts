import { describe, expect, it } from 'vitest';
import { decodeHalf, decodeInt8, encodeHalf, encodeInt8, fromHalf, toHalf } from './quantise.js';

describe('weight storage formats', () => {
  it('converts float16 exactly where representable and to the nearest value elsewhere', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(fromHalf(toHalf(2 ** -24))).toBe(2 ** -24);
    expect(fromHalf(toHalf(0.1))).toBeCloseTo(0.0999755859375, 12);
    const values = Float32Array.from({ length: 1000 }, (_, index) => Math.sin(index) * 3);
    const back = decodeHalf(encodeHalf(values));
    values.forEach((value, index) => expect(Math.abs((back[index] as number) - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -11 + 1e-7));
  });

  it('quantises rows to int8 within half a step of their scale', () => {
    const values = Float32Array.from({ length: 60 }, (_, index) => Math.cos(index) * (1 + (index % 3)));
    const { values: quantised, scales } = encodeInt8(values, 20);
    expect(scales.length).toBe(3);
    const back = decodeInt8(quantised, scales, 20);
    values.forEach((value, index) => expect(Math.abs((back[index] as number) - value)).toBeLessThanOrEqual((scales[Math.floor(index / 20)] as number) / 2 + 1e-7));
  });
});
