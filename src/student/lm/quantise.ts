/**
 * Weight storage formats for student files: float16 (IEEE half, round to nearest even) and int8
 * with one float32 scale per row (symmetric: value ≈ int8 · scale, scale = max|row| / 127).
 */

const floatView = new Float32Array(1);
const bitsView = new Uint32Array(floatView.buffer);

/** The float16 bit pattern nearest to `value`. */
export function toHalf(value: number): number {
  floatView[0] = value;
  const bits = bitsView[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - halfExponent;
    const rounded = (mantissa >>> shift) + (((mantissa >>> (shift - 1)) & 1) & ((mantissa & ((1 << (shift - 1)) - 1)) !== 0 || ((mantissa >>> shift) & 1) !== 0 ? 1 : 0));
    return sign | rounded;
  }
  const half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // Round to nearest, ties to even; a carry into the exponent is still correct.
  return sign | (half + (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

/** The number a float16 bit pattern holds. */
export function fromHalf(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** A float32 tensor as float16 bit patterns. */
export function encodeHalf(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let index = 0; index < values.length; index++) out[index] = toHalf(values[index] as number);
  return out;
}

/** Float16 bit patterns back to float32. */
export function decodeHalf(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let index = 0; index < halves.length; index++) out[index] = fromHalf(halves[index] as number);
  return out;
}

/** Rows of `columns` values as int8 with one scale per row. */
export function encodeInt8(values: Float32Array, columns: number): { values: Int8Array; scales: Float32Array } {
  const rows = values.length / columns;
  const quantised = new Int8Array(values.length);
  const scales = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    let max = 0;
    for (let column = 0; column < columns; column++) max = Math.max(max, Math.abs(values[row * columns + column] as number));
    const scale = max / 127 || 1;
    scales[row] = scale;
    for (let column = 0; column < columns; column++) quantised[row * columns + column] = Math.round((values[row * columns + column] as number) / scale);
  }
  return { values: quantised, scales };
}

/** Int8 rows and their scales back to float32. */
export function decodeInt8(quantised: Int8Array, scales: Float32Array, columns: number): Float32Array {
  const out = new Float32Array(quantised.length);
  for (let index = 0; index < quantised.length; index++) out[index] = (quantised[index] as number) * (scales[Math.floor(index / columns)] as number);
  return out;
}
