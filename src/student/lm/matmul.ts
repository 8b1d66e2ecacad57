/**
 * The training pass's three matrix products, on the WebAssembly SIMD kernel (wasm-matmul.ts) when
 * the runtime has it and the product is big enough to pay for copying operands in, else on the
 * plain Float32Array kernels (kernels.ts). Same contracts as those kernels:
 *   product:                       out = a · w
 *   productTransposed:             out = a · bᵀ
 *   accumulateTransposedProduct:   gradient += aᵀ · outGradient
 * Operands are copied into the kernel's memory (transposed where the kernel needs x · w form, rows
 * padded to even, columns to 16); the copies are O(n·k + k·m + n·m) against O(n·k·m) work.
 */
import { accumulateTransposedProduct as plainAccumulate, multiply, multiplyTransposed } from './kernels.js';
import { panelIndex, wasmMatmul, type WasmMatmul } from './wasm-matmul.js';

/** Fewer rows than this stay on the plain kernels (decoding runs one row at a time). */
const MINIMUM_ROWS = 8;
let useWasm = true;

/** Turns the WebAssembly kernel off or on (tests compare both paths). */
export function setWasmMatmul(enabled: boolean): void {
  useWasm = enabled;
}

/** Whether products of at least `rows` rows run on the WebAssembly kernel. */
export function wasmActive(rows: number): boolean {
  return useWasm && rows >= MINIMUM_ROWS && wasmMatmul() !== null;
}

interface Layout { view: Float32Array; x: number; w: number; out: number; rows: number; columns: number }

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;
let cachedView: Float32Array | undefined;

/** Offsets for an (rows × inner) · (inner × columns) product, growing the memory as needed. */
function layout(kernel: WasmMatmul, rows: number, inner: number, columns: number): Layout {
  const paddedRows = rows + (rows & 1);
  const paddedColumns = Math.ceil(columns / 16) * 16;
  const w = align(paddedRows * inner * 4);
  const out = w + align(inner * paddedColumns * 4);
  const total = out + paddedRows * paddedColumns * 4;
  if (total > kernel.memory.buffer.byteLength) kernel.memory.grow(Math.ceil((total - kernel.memory.buffer.byteLength) / 65536));
  // One view per memory buffer (growing the memory replaces the buffer), not one per product.
  if (cachedView === undefined || cachedView.buffer !== kernel.memory.buffer) cachedView = new Float32Array(kernel.memory.buffer);
  const view = cachedView;
  if (paddedRows > rows) view.fill(0, (rows * inner), paddedRows * inner);
  return { view, x: 0, w, out, rows: paddedRows, columns: paddedColumns };
}

/** Copies a rows × columns matrix into the kernel's memory at `offset` with row stride `stride`. */
function copyIn(view: Float32Array, offset: number, source: Float32Array, rows: number, columns: number, stride: number): void {
  if (stride === columns) { view.set(source.length === rows * columns ? source : source.subarray(0, rows * columns), offset / 4); return; }
  for (let row = 0; row < rows; row++) for (let column = 0, to = offset / 4 + row * stride, from = row * columns; column < columns; column++) view[to + column] = source[from + column] as number;
}

/** Side of the square blocks a transpose walks, so both the reads and the strided writes stay in cache. */
const TRANSPOSE_BLOCK = 32;

/** Copies the transpose of a rows × columns matrix into the kernel's memory (columns × rows, row stride `stride`). */
function copyInTransposed(view: Float32Array, offset: number, source: Float32Array, rows: number, columns: number, stride: number): void {
  const base = offset / 4;
  for (let rowBlock = 0; rowBlock < rows; rowBlock += TRANSPOSE_BLOCK) {
    const rowEnd = Math.min(rows, rowBlock + TRANSPOSE_BLOCK);
    for (let columnBlock = 0; columnBlock < columns; columnBlock += TRANSPOSE_BLOCK) {
      const columnEnd = Math.min(columns, columnBlock + TRANSPOSE_BLOCK);
      for (let row = rowBlock; row < rowEnd; row++) {
        for (let column = columnBlock, from = row * columns; column < columnEnd; column++) view[base + column * stride + row] = source[from + column] as number;
      }
    }
  }
}

/** Copies a rows × columns matrix into the kernel's memory in its 16-column panel layout (see wasm-matmul.ts). */
export function packPanels(view: Float32Array, offset: number, source: Float32Array, rows: number, columns: number): void {
  const base = offset / 4;
  for (let row = 0; row < rows; row++) {
    for (let column = 0, from = row * columns; column < columns; column++) view[base + panelIndex(row, column, rows)] = source[from + column] as number;
  }
}

/** Packs the transpose of a rows × columns matrix (so columns × rows) into the panel layout. */
function packPanelsTransposed(view: Float32Array, offset: number, source: Float32Array, rows: number, columns: number): void {
  const base = offset / 4;
  for (let row = 0; row < rows; row++) {
    // Row `row` of the source is column `row` of the packed matrix, which has `columns` rows.
    for (let column = 0, from = row * columns; column < columns; column++) view[base + panelIndex(column, row, columns)] = source[from + column] as number;
  }
}

/** Copies the kernel's rows × columns result (row stride `stride`) out. */
function copyOut(view: Float32Array, offset: number, out: Float32Array, rows: number, columns: number, stride: number): void {
  const base = offset / 4;
  if (stride === columns) { out.set(view.subarray(base, base + rows * columns)); return; }
  for (let row = 0; row < rows; row++) for (let column = 0, from = base + row * stride, to = row * columns; column < columns; column++) out[to + column] = view[from + column] as number;
}

/** out (rows × columns) = a (rows × inner) · weights (inner × columns). */
export function product(a: Float32Array, weights: Float32Array, out: Float32Array, rows: number, inner: number, columns: number): void {
  const kernel = wasmActive(rows) ? wasmMatmul() : null;
  if (kernel === null) { multiply(a, weights, out, rows, inner, columns); return; }
  const place = layout(kernel, rows, inner, columns);
  copyIn(place.view, place.x, a, rows, inner, inner);
  packPanels(place.view, place.w, weights, inner, columns);
  kernel.matmul(place.x, place.w, place.out, place.rows, inner, place.columns);
  copyOut(place.view, place.out, out, rows, columns, place.columns);
}

/** out (rows × columns) = a (rows × inner) · bᵀ where b is columns × inner. */
export function productTransposed(a: Float32Array, b: Float32Array, out: Float32Array, rows: number, inner: number, columns: number): void {
  const kernel = wasmActive(rows) ? wasmMatmul() : null;
  if (kernel === null) { multiplyTransposed(a, b, out, rows, inner, columns); return; }
  const place = layout(kernel, rows, inner, columns);
  copyIn(place.view, place.x, a, rows, inner, inner);
  packPanelsTransposed(place.view, place.w, b, columns, inner);
  kernel.matmul(place.x, place.w, place.out, place.rows, inner, place.columns);
  copyOut(place.view, place.out, out, rows, columns, place.columns);
}

/** gradient (inner × columns) += aᵀ · outGradient, for a (rows × inner) and outGradient (rows × columns). */
export function accumulateTransposedProduct(a: Float32Array, outGradient: Float32Array, gradient: Float32Array, rows: number, inner: number, columns: number): void {
  const kernel = wasmActive(rows) ? wasmMatmul() : null;
  if (kernel === null) { plainAccumulate(a, outGradient, gradient, rows, inner, columns); return; }
  // As x · w: x = aᵀ (inner × rows), w = outGradient (rows × columns).
  const place = layout(kernel, inner, rows, columns);
  copyInTransposed(place.view, place.x, a, rows, inner, rows);
  packPanels(place.view, place.w, outGradient, rows, columns);
  kernel.matmul(place.x, place.w, place.out, place.rows, rows, place.columns);
  const base = place.out / 4;
  for (let row = 0; row < inner; row++) {
    for (let column = 0, at = base + row * place.columns, to = row * columns; column < columns; column++) gradient[to + column] = (gradient[to + column] as number) + (place.view[at + column] as number);
  }
}
