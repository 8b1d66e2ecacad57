/**
 * Label distributions are stored as little-endian float64 blobs: 8 bytes per label instead of
 * ~20 characters of JSON, and exact, so a stored distribution reads back bit for bit.
 */

/** Packs a distribution into a compact blob (null stays null). */
export function encodeDistribution(distribution: readonly number[] | null): Buffer | null {
  if (distribution === null) return null;
  const buffer = Buffer.alloc(distribution.length * 8);
  distribution.forEach((value, index) => buffer.writeDoubleLE(value, index * 8));
  return buffer;
}

/** Unpacks a blob written by `encodeDistribution`. */
export function decodeDistribution(blob: Uint8Array | null): number[] | null {
  if (blob === null) return null;
  const buffer = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buffer.length % 8 !== 0) throw new Error(`distribution blob of ${buffer.length} bytes is not a whole number of float64 values`);
  const values: number[] = [];
  for (let offset = 0; offset < buffer.length; offset += 8) values.push(buffer.readDoubleLE(offset));
  return values;
}
