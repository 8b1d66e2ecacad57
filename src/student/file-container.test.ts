import { describe, expect, it } from 'vitest';
import { decodeStudentFile, encodeStudentFile, FORMAT_VERSION, requireTensor, StudentFileError } from './file-container.js';

const sample = (): Uint8Array => encodeStudentFile('demo', { note: 'héllo' }, [
  ['floats', Float32Array.from([1.5, -2, 3e-8])],
  ['bytes', Uint8Array.from([1, 2, 3])],
  ['signed', Int8Array.from([-128, 0, 127, 5, 6])],
  ['ints', Int32Array.from([-1, 1 << 30])],
  ['unsigned', Uint32Array.from([0xffffffff])],
]);

describe('student file container', () => {
  it('round-trips kind, header and tensors of every dtype (with padding between them)', () => {
    const contents = decodeStudentFile(sample());
    expect(contents).toMatchObject({ version: FORMAT_VERSION, kind: 'demo', header: { note: 'héllo' } });
    expect(Array.from(requireTensor(contents, 'floats', 'f32'))).toEqual([1.5, -2, Math.fround(3e-8)]);
    expect(Array.from(requireTensor(contents, 'bytes', 'u8'))).toEqual([1, 2, 3]);
    expect(Array.from(requireTensor(contents, 'signed', 'i8'))).toEqual([-128, 0, 127, 5, 6]);
    expect(Array.from(requireTensor(contents, 'ints', 'i32'))).toEqual([-1, 1 << 30]);
    expect(Array.from(requireTensor(contents, 'unsigned', 'u32'))).toEqual([0xffffffff]);
    expect(() => requireTensor(contents, 'floats', 'i8')).toThrow(StudentFileError);
  });

  it('reads bytes at any alignment', () => {
    const bytes = sample();
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect(decodeStudentFile(shifted).kind).toBe('demo');
  });

  it('rejects foreign bytes, other versions, corruption and truncation with clear errors', () => {
    expect(() => decodeStudentFile(Buffer.from('{"json": "not a student"}'))).toThrow('not a Distillery student file');
    expect(() => decodeStudentFile(new Uint8Array(3))).toThrow('not a Distillery student file');
    const newer = sample();
    newer[8] = FORMAT_VERSION + 1;
    expect(() => decodeStudentFile(newer)).toThrow(`version ${FORMAT_VERSION + 1} is not supported: this Distillery reads version ${FORMAT_VERSION}`);
    const flipped = sample();
    flipped[flipped.length - 10] = (flipped[flipped.length - 10] as number) ^ 0x10;
    expect(() => decodeStudentFile(flipped)).toThrow('checksum mismatch: file is corrupt');
    const bytes = sample();
    expect(() => decodeStudentFile(bytes.subarray(0, bytes.length - 7))).toThrow(/checksum mismatch: file is corrupt.*truncated/);
  });
});

describe('student file checksum', () => {
  it('is zlib\'s CRC-32 (files written before it moved off node:zlib still load)', async () => {
    const { crc32: zlibCrc32 } = await import('node:zlib');
    const { crc32 } = await import('./file-container.js');
    const bytes = Uint8Array.from({ length: 1000 }, (_, index) => (index * 31 + 7) & 0xff);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('round-trips u16 tensors (float16 bit patterns)', () => {
    const contents = decodeStudentFile(encodeStudentFile('demo', {}, [['half', Uint16Array.from([0x3c00, 0xffff])]]));
    expect(Array.from(requireTensor(contents, 'half', 'u16'))).toEqual([0x3c00, 0xffff]);
  });
});
