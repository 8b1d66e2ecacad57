/**
 * Weight matrices kept inside a WebAssembly kernel's memory for decoding, so a step copies in only
 * its input vector: vector (1 × k) · matrix (k × m) runs on a one-row build of the kernel, on
 * columns padded to 16. Falls back to the plain kernel per call when
 * WebAssembly SIMD is missing.
 */
import { multiply } from './kernels.js';
import { packPanels } from './matmul.js';
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
  const kernel: WasmMatmul | null = useWasm ? createWasmMatmul(1) : null;
  const paddedSide = Math.ceil(maxSide / 16) * 16;
  // Scratch first: the input row, then the output row; matrices after.
  const inputOffset = 0;
  const outputOffset = paddedSide * 4;
  let next = outputOffset + paddedSide * 4;
  let cached: Float32Array | undefined;
  const view = (): Float32Array => {
    const buffer = (kernel as WasmMatmul).memory.buffer;
    if (cached === undefined || cached.buffer !== buffer) cached = new Float32Array(buffer);
    return cached;
  };
  return {
    add(matrix, rows, columns) {
      const paddedColumns = Math.ceil(columns / 16) * 16;
      const entry = { offset: next, rows, columns, paddedColumns, plain: matrix };
      if (kernel === null) return entry;
      next += rows * paddedColumns * 4;
      const missing = next - kernel.memory.buffer.byteLength;
      if (missing > 0) kernel.memory.grow(Math.ceil(missing / 65536));
      const memory = view();
      packPanels(memory, entry.offset, matrix, rows, columns);
      return entry;
    },
    multiplyVector(vector, matrix, out) {
      if (kernel === null) { multiply(vector, matrix.plain, out, 1, matrix.rows, matrix.columns); return; }
      const memory = view();
      memory.set(vector.length === matrix.rows ? vector : vector.subarray(0, matrix.rows), inputOffset / 4);
      kernel.matmul(inputOffset, matrix.offset, outputOffset, 1, matrix.rows, matrix.paddedColumns);
      out.set(memory.subarray(outputOffset / 4, outputOffset / 4 + matrix.columns));
    },
  };
}
