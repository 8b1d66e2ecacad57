/**
 * The word vectors Distillery ships (assets/pretrained/wordnet-vectors.bin, made by
 * scripts/train-shipped-vectors.ts from WordNet 3.1 glosses): a compact, checksummed table of
 * lower-cased words keyed by their 32-bit FNV-1a hash, int8 per row with one f32 scale per row.
 *
 * Layout (little-endian): "DSVEC1\0\0", u32 count, u32 dim, u32 CRC-32 of what follows, then count
 * u32 hashes (ascending), count f32 scales, count × dim int8. Pure code; only `loadShippedVectors`
 * touches the file system, through process.getBuiltinModule, so a browser bundle of the student
 * runtime never reaches Node (it gets a clear error if it asks for shipped vectors).
 */
import { crc32 } from '../../util/crc32.js';
import { fnv1a32 } from '../../util/string-hash.js';

const MAGIC = 'DSVEC1\0\0';
const HEADER_BYTES = 20;

/** Decoded shipped vectors. */
export interface ShippedVectors { dim: number; hashes: Uint32Array; scales: Float32Array; values: Int8Array }

/** Encodes word vectors (rows of `vectors`, count × dim) keyed by their words' hashes. */
export function encodeShippedVectors(words: readonly string[], vectors: Float32Array, dim: number): Uint8Array {
  const order = words.map((word, row) => ({ hash: fnv1a32(word), row })).sort((a, b) => a.hash - b.hash)
    .filter((entry, position, all) => position === 0 || (all[position - 1] as { hash: number }).hash !== entry.hash);
  const count = order.length;
  const bytes = new Uint8Array(HEADER_BYTES + count * (8 + dim));
  const view = new DataView(bytes.buffer);
  for (let k = 0; k < 8; k++) bytes[k] = MAGIC.charCodeAt(k);
  view.setUint32(8, count, true);
  view.setUint32(12, dim, true);
  order.forEach(({ hash, row }, position) => {
    view.setUint32(HEADER_BYTES + position * 4, hash, true);
    let largest = 0;
    for (let d = 0; d < dim; d++) largest = Math.max(largest, Math.abs(vectors[row * dim + d] as number));
    const scale = largest > 0 ? largest / 127 : 1;
    view.setFloat32(HEADER_BYTES + count * 4 + position * 4, scale, true);
    for (let d = 0; d < dim; d++) view.setInt8(HEADER_BYTES + count * 8 + position * dim + d, Math.round((vectors[row * dim + d] as number) / scale));
  });
  view.setUint32(16, crc32(bytes.subarray(HEADER_BYTES)), true);
  return bytes;
}

/** Decodes (and checks) a shipped-vectors file. */
export function decodeShippedVectors(bytes: Uint8Array): ShippedVectors {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (bytes.length < HEADER_BYTES || magic !== MAGIC) throw new Error('not a Distillery shipped-vectors file (bad magic)');
  const count = view.getUint32(8, true);
  const dim = view.getUint32(12, true);
  if (bytes.length !== HEADER_BYTES + count * (8 + dim)) throw new Error('shipped-vectors file is truncated');
  if (crc32(bytes.subarray(HEADER_BYTES)) !== view.getUint32(16, true)) throw new Error('shipped-vectors file fails its checksum');
  // A fresh, aligned copy (a Node Buffer's slice would share, and misalign, the file's memory).
  const copy = new Uint8Array(bytes.length - HEADER_BYTES);
  copy.set(bytes.subarray(HEADER_BYTES));
  return {
    dim,
    hashes: new Uint32Array(copy.buffer, 0, count),
    scales: new Float32Array(copy.buffer, count * 4, count),
    values: new Int8Array(copy.buffer, count * 8, count * dim),
  };
}

/** Writes the vector of `word` (exact, then lower-cased) into `into`; false when the table lacks it. */
export function lookUpShipped(vectors: ShippedVectors, word: string, into: Float64Array): boolean {
  for (const candidate of word === word.toLowerCase() ? [word] : [word, word.toLowerCase()]) {
    const hash = fnv1a32(candidate);
    let low = 0;
    let high = vectors.hashes.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const value = vectors.hashes[middle] as number;
      if (value === hash) {
        const scale = vectors.scales[middle] as number;
        for (let d = 0; d < vectors.dim; d++) into[d] = (vectors.values[middle * vectors.dim + d] as number) * scale;
        return true;
      }
      if (value < hash) low = middle + 1;
      else high = middle - 1;
    }
  }
  return false;
}

let cached: ShippedVectors | null = null;

/** The shipped vectors, read once from the package's assets folder (Node only). */
export function loadShippedVectors(): ShippedVectors {
  if (cached !== null) return cached;
  const nodeProcess = (globalThis as { process?: { getBuiltinModule?(name: string): unknown } }).process;
  const fs = nodeProcess?.getBuiltinModule?.('node:fs') as { readFileSync(path: URL): Uint8Array } | undefined;
  if (fs === undefined) throw new Error('student.pretrain: shipped needs Node.js 20.16 or later (it reads the vectors file from the package)');
  const file = new URL('../../../assets/pretrained/wordnet-vectors.bin', import.meta.url);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new Error(`student.pretrain: shipped cannot read ${file.pathname}: ${(error as Error).message}`);
  }
  cached = decodeShippedVectors(bytes);
  return cached;
}
