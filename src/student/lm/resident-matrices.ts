/**
 * Weight matrices kept inside a WebAssembly kernel's memory for decoding, so a step copies in only
 * its input vector: vector (1 × k) · matrix (k × m) runs as a two-row product (the kernel's minimum;
 * the second row is zeros) on columns padded to 16. Falls back to the plain kernel per call when
 * WebAssembly SIMD is missing.
 */
import { multiply } from './kernels.js';
import { createWasmMatmul, type WasmMatmul } from './wasm-matmul.js';

/** One stored matrix. */
export interface ResidentMatrix { offset: number; rows: number; columns: number; paddedColumns: number; plain: Float32Array }

/** Matrices stored once, multiplied by one vector at a time. */
export interface ResidentMatrices {
  /** Stores `matrix` (rows × columns, row-major). */
  add(matrix: Float32Array, rows: number, columns: number): ResidentMatrix;
  /** out (columns) = vector (rows) · matrix. */
  multiplyVector(vector: Float32Array, matrix: ResidentMatrix, out: Float32Array): void;
}

/** A store for matrices whose largest side is at most `maxSide` (sizes the scratch region). */
export function residentMatrices(maxSide: number, useWasm = true): ResidentMatrices {
  const kernel: WasmMatmul | null = useWasm ? createWasmMatmul() : null;
  const paddedSide = Math.ceil(maxSide / 16) * 16;
  // Scratch first: two input rows, then two output rows; matrices after.
  const inputOffset = 0;
  const outputOffset = 2 * paddedSide * 4;
  let next = outputOffset + 2 * paddedSide * 4;
  const view = (): Float32Array => new Float32Array((kernel as WasmMatmul).memory.buffer);
  return {
    add(matrix, rows, columns) {
      const paddedColumns = Math.ceil(columns / 16) * 16;
      const entry = { offset: next, rows, columns, paddedColumns, plain: matrix };
      if (kernel === null) return entry;
      next += rows * paddedColumns * 4;
      const missing = next - kernel.memory.buffer.byteLength;
      if (missing > 0) kernel.memory.grow(Math.ceil(missing / 65536));
      const memory = view();
      for (let row = 0; row < rows; row++) memory.set(matrix.subarray(row * columns, (row + 1) * columns), entry.offset / 4 + row * paddedColumns);
      return entry;
    },
    multiplyVector(vector, matrix, out) {
      if (kernel === null) { multiply(vector, matrix.plain, out, 1, matrix.rows, matrix.columns); return; }
      const memory = view();
      memory.set(vector.subarray(0, matrix.rows), inputOffset / 4);
      memory.fill(0, inputOffset / 4 + matrix.rows, inputOffset / 4 + 2 * matrix.rows);
      kernel.matmul(inputOffset, matrix.offset, outputOffset, 2, matrix.rows, matrix.paddedColumns);
      out.set(memory.subarray(outputOffset / 4, outputOffset / 4 + matrix.columns));
    },
  };
}
