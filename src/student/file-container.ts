/**
 * The student file container, shared by every student kind:
 *
 *   preamble (20 bytes, little-endian)
 *     0  magic      8 bytes  89 'D' 'S' 'T' 'L' 0D 0A 1A   (PNG-style: catches text-mode mangling)
 *     8  version    u16      FORMAT_VERSION
 *    10  reserved   u16      0
 *    12  length     u32      payload bytes
 *    16  crc32      u32      of the payload (zlib's CRC-32, computed by util/crc32.ts)
 *   payload
 *     u16 kind length, u16 reserved, u32 header length, kind (UTF-8), header JSON (UTF-8),
 *     then each tensor's raw bytes, every block padded to 4 bytes.
 *
 * The header JSON carries a `tensors` table (name, dtype, shape) in storage order; the kind decides
 * what the tensors mean. Typed arrays are stored in the host's byte order, which is little-endian on
 * every platform Node and browsers support in practice; `assertLittleEndian` guards the rest.
 * No Node built-ins here: this module is part of the student runtime that also runs in a browser.
 */
import { crc32 } from '../util/crc32.js';

/** zlib's CRC-32, re-exported for callers that check a file's checksum. */
export { crc32 };
import { UsageError } from '../util/errors.js';

/** Bumped whenever the container or any kind's tensor layout changes incompatibly. */
export const FORMAT_VERSION = 1;
const MAGIC = Uint8Array.from([0x89, 0x44, 0x53, 0x54, 0x4c, 0x0d, 0x0a, 0x1a]);
const PREAMBLE_BYTES = 20;

/** Raised for any file that cannot be read as a student. */
export class StudentFileError extends UsageError {
  override readonly name = 'StudentFileError';
}

/** Tensor element types the container knows (u16 also carries float16 bit patterns). */
export type TensorDtype = 'f32' | 'i32' | 'u32' | 'u16' | 'i8' | 'u8';
/** A typed array of one of the supported dtypes. */
export type Tensor = Float32Array | Int32Array | Uint32Array | Uint16Array | Int8Array | Uint8Array;

interface TensorEntry { name: string; dtype: TensorDtype; length: number }

/** Decoded file contents. */
export interface StudentFileContents {
  version: number;
  kind: string;
  header: Record<string, unknown>;
  tensors: Map<string, Tensor>;
}

const CONSTRUCTORS = { f32: Float32Array, i32: Int32Array, u32: Uint32Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array } as const;

function dtypeOf(tensor: Tensor): TensorDtype {
  if (tensor instanceof Float32Array) return 'f32';
  if (tensor instanceof Int32Array) return 'i32';
  if (tensor instanceof Uint32Array) return 'u32';
  if (tensor instanceof Uint16Array) return 'u16';
  if (tensor instanceof Int8Array) return 'i8';
  return 'u8';
}

const padded = (length: number): number => (length + 3) & ~3;

/** True when typed arrays store the low byte first (checked once: the answer cannot change). */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function assertLittleEndian(): void {
  if (!HOST_IS_LITTLE_ENDIAN) throw new StudentFileError('student files are little-endian; this platform is big-endian');
}

/** Encodes kind, JSON header and named tensors into one checksummed file. */
export function encodeStudentFile(kind: string, header: Record<string, unknown>, tensors: ReadonlyArray<[string, Tensor]>): Uint8Array {
  assertLittleEndian();
  const table: TensorEntry[] = tensors.map(([name, data]) => ({ name, dtype: dtypeOf(data), length: data.length }));
  const encoder = new TextEncoder();
  const kindBytes = encoder.encode(kind);
  const headerBytes = encoder.encode(JSON.stringify({ ...header, tensors: table }));
  let offset = padded(8 + kindBytes.length + headerBytes.length);
  const payloadLength = offset + tensors.reduce((sum, [, data]) => sum + padded(data.byteLength), 0);
  const file = new Uint8Array(PREAMBLE_BYTES + payloadLength);
  const payload = file.subarray(PREAMBLE_BYTES);
  const view = new DataView(payload.buffer, payload.byteOffset);
  view.setUint16(0, kindBytes.length, true);
  view.setUint32(4, headerBytes.length, true);
  payload.set(kindBytes, 8);
  payload.set(headerBytes, 8 + kindBytes.length);
  for (const [, data] of tensors) {
    payload.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    offset += padded(data.byteLength);
  }
  file.set(MAGIC, 0);
  const preamble = new DataView(file.buffer);
  preamble.setUint16(8, FORMAT_VERSION, true);
  preamble.setUint32(12, payloadLength, true);
  preamble.setUint32(16, crc32(payload), true);
  return file;
}

/** Checks magic, version, length and checksum; returns the payload. */
function checkedPayload(bytes: Uint8Array): Uint8Array {
  if (bytes.length < PREAMBLE_BYTES || MAGIC.some((value, index) => bytes[index] !== value)) {
    throw new StudentFileError('not a Distillery student file (bad magic bytes)');
  }
  const preamble = new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_BYTES);
  const version = preamble.getUint16(8, true);
  if (version !== FORMAT_VERSION) {
    throw new StudentFileError(`student file format version ${version} is not supported: this Distillery reads version ${FORMAT_VERSION}`);
  }
  const length = preamble.getUint32(12, true);
  if (bytes.length - PREAMBLE_BYTES !== length) {
    throw new StudentFileError(`checksum mismatch: file is corrupt (payload is ${bytes.length - PREAMBLE_BYTES} bytes, expected ${length}; truncated?)`);
  }
  const payload = bytes.subarray(PREAMBLE_BYTES);
  if (crc32(payload) !== preamble.getUint32(16, true)) throw new StudentFileError('checksum mismatch: file is corrupt');
  return payload;
}

/** Decodes and verifies a student file; throws StudentFileError with a clear reason otherwise. */
export function decodeStudentFile(bytes: Uint8Array): StudentFileContents {
  assertLittleEndian();
  const payload = checkedPayload(bytes);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const kindLength = view.getUint16(0, true);
  const headerLength = view.getUint32(4, true);
  const decoder = new TextDecoder();
  const kind = decoder.decode(payload.subarray(8, 8 + kindLength));
  const { tensors: table, ...header } = JSON.parse(decoder.decode(payload.subarray(8 + kindLength, 8 + kindLength + headerLength))) as { tensors: TensorEntry[] };
  const tensors = new Map<string, Tensor>();
  let offset = padded(8 + kindLength + headerLength);
  for (const entry of table) {
    const Constructor = CONSTRUCTORS[entry.dtype];
    const byteLength = entry.length * Constructor.BYTES_PER_ELEMENT;
    if (offset + byteLength > payload.length) throw new StudentFileError(`checksum mismatch: file is corrupt (tensor ${entry.name} runs past the end)`);
    // Copy into a fresh, aligned buffer whatever the input's alignment (Buffer#slice would not copy).
    const copy = new Uint8Array(byteLength);
    copy.set(payload.subarray(offset, offset + byteLength));
    tensors.set(entry.name, new Constructor(copy.buffer));
    offset += padded(byteLength);
  }
  return { version: FORMAT_VERSION, kind, header, tensors };
}

/** A named tensor of the expected dtype, or a StudentFileError. */
export function requireTensor<K extends TensorDtype>(contents: StudentFileContents, name: string, dtype: K): InstanceType<(typeof CONSTRUCTORS)[K]> {
  const tensor = contents.tensors.get(name);
  if (tensor === undefined || dtypeOf(tensor) !== dtype) throw new StudentFileError(`student file has no ${dtype} tensor "${name}"`);
  return tensor as InstanceType<(typeof CONSTRUCTORS)[K]>;
}
