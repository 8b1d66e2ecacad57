/**
 * A WebAssembly SIMD matrix product, hand-assembled here (no toolchain, no binary in the repo):
 *   out (n × m) = x (n × k) · w (k × m)      n even, m a multiple of 16, f32
 * x and out are row-major; w is packed in panels of 16 columns (panel p holds columns 16p..16p+15
 * of every row, k × 16 contiguous: see packPanels), so the inner loop reads w contiguously.
 * Two rows × sixteen columns of the output stay in eight 128-bit registers while the inner loop
 * walks k, so each step does 32 multiply-adds for four vector loads. The callers in
 * matmul.ts copy operands in (transposing where needed) and results out; where WebAssembly SIMD is
 * missing they fall back to the plain kernels. No Node built-ins: runs in browsers (the module is
 * far below the 4 KB limit on synchronous compiles there).
 */

const I32 = 0x7f;
const V128 = 0x7b;
// Parameters 0–5: x, w, out (byte offsets), n, k, m. Locals (i32): i, j, t, xRow, kBytes, wPointer, rowBytes, outRow, (spare), xEnd, address, then
// kBytes·r for r = 2, 3 (row offsets inside a tile); then the v128 locals: accumulators, one splatted input, the loaded weight vectors.
const [X, W, OUT, N, K, M] = [0, 1, 2, 3, 4, 5];
const [I, J, T, X_ROW, K_BYTES, W_POINTER, ROW_BYTES, OUT_ROW, , X_END, ADDRESS] = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const ROW_OFFSET = 17; // 17, 18: kBytes·2, kBytes·3
const I32_LOCALS = 13;
const FIRST_VECTOR = 6 + I32_LOCALS;
const get = (index: number): number[] => [0x20, index];
const set = (index: number): number[] => [0x21, index];
const constant = (value: number): number[] => [0x41, ...signedLeb(value)];
const add = [0x6a], shiftLeft = [0x74], multiplyI32 = [0x6c], atLeast = [0x4f];
const simd = (opcode: number): number[] => [0xfd, ...unsignedLeb(opcode)];
const loadVector = (offset: number): number[] => [...simd(0x00), 4, ...unsignedLeb(offset)];
const storeVector = (offset: number): number[] => [...simd(0x0b), 4, ...unsignedLeb(offset)];
const splat = simd(0x13), addVector = simd(0xe4), multiplyVector = simd(0xe6);
const zeroVector = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const loadFloat = (offset: number): number[] => [0x2a, 2, ...unsignedLeb(offset)];
const block = [0x02, 0x40], loop = [0x03, 0x40], end = [0x0b];
const branch = (depth: number): number[] => [0x0c, depth];
const branchIf = (depth: number): number[] => [0x0d, depth];

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function signedLeb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) { out.push(byte); return out; }
    out.push(byte | 0x80);
  }
}

/** Index in the packed (16-column panel) layout of w's element (row, column), for k rows. */
export const panelIndex = (row: number, column: number, k: number): number => (column >>> 4) * 16 * k + row * 16 + (column & 15);

/** A section: id, size, contents. */
const section = (id: number, contents: number[]): number[] => [id, ...unsignedLeb(contents.length), ...contents];
const name = (text: string): number[] => [text.length, ...Array.from(text, (character) => character.charCodeAt(0))];

/** The function body for a tile of `rows` rows × `vectors`·4 columns: loops over column blocks, row tiles and k. */
function body(rows: number, vectors: number): number[] {
  const accumulator = (row: number, lane: number): number => FIRST_VECTOR + row * vectors + lane;
  const input = FIRST_VECTOR + rows * vectors;
  const weight = (lane: number): number => input + 1 + lane;
  const lanes = Array.from({ length: vectors }, (_, lane) => lane);
  const tileRows = Array.from({ length: rows }, (_, row) => row);
  const rowAddress = (row: number): number[] => (row === 0 ? get(T) : row === 1 ? [...get(T), ...get(K_BYTES), ...add] : [...get(T), ...get(ROW_OFFSET + row - 2), ...add]);
  const accumulate = (row: number, lane: number): number[] => [...get(accumulator(row, lane)), ...get(input), ...get(weight(lane)), ...multiplyVector, ...addVector, ...set(accumulator(row, lane))];
  const innerLoop = [
    ...block, ...loop,
    ...get(T), ...get(X_END), ...atLeast, ...branchIf(1),
    ...lanes.flatMap((lane) => [...get(W_POINTER), ...loadVector(16 * lane), ...set(weight(lane))]),
    ...tileRows.flatMap((row) => [...rowAddress(row), ...loadFloat(0), ...splat, ...set(input), ...lanes.flatMap((lane) => accumulate(row, lane))]),
    ...get(W_POINTER), ...constant(16 * vectors), ...add, ...set(W_POINTER),
    ...get(T), ...constant(4), ...add, ...set(T),
    ...branch(0), ...end, ...end,
  ];
  const store = (row: number): number[] => [
    ...get(OUT_ROW), ...constant(row), ...get(ROW_BYTES), ...multiplyI32, ...add, ...get(J), ...constant(2), ...shiftLeft, ...add, ...set(ADDRESS),
    ...lanes.flatMap((lane) => [...get(ADDRESS), ...get(accumulator(row, lane)), ...storeVector(16 * lane)]),
  ];
  // Column blocks outside, row tiles inside: one 16-column strip of w (k × 64 bytes) stays in cache
  // while every row tile passes over it, instead of all of w streaming through once per row tile.
  const rowLoop = [
    ...constant(0), ...set(I),
    ...block, ...loop,
    ...get(I), ...get(N), ...atLeast, ...branchIf(1),
    ...get(X), ...get(I), ...get(K_BYTES), ...multiplyI32, ...add, ...set(X_ROW),
    ...get(X_ROW), ...get(K_BYTES), ...add, ...set(X_END),
    ...get(OUT), ...get(I), ...get(ROW_BYTES), ...multiplyI32, ...add, ...set(OUT_ROW),
    ...tileRows.flatMap((row) => lanes.flatMap((lane) => [...zeroVector, ...set(accumulator(row, lane))])),
    ...get(W), ...get(J), ...get(K_BYTES), ...multiplyI32, ...add, ...set(W_POINTER),
    ...get(X_ROW), ...set(T),
    ...innerLoop,
    ...tileRows.flatMap(store),
    ...get(I), ...constant(rows), ...add, ...set(I),
    ...branch(0), ...end, ...end,
  ];
  const code = [
    ...get(K), ...constant(2), ...shiftLeft, ...set(K_BYTES),
    ...get(K_BYTES), ...constant(2), ...multiplyI32, ...set(ROW_OFFSET),
    ...get(K_BYTES), ...constant(3), ...multiplyI32, ...set(ROW_OFFSET + 1),
    ...get(M), ...constant(2), ...shiftLeft, ...set(ROW_BYTES),
    ...constant(0), ...set(J),
    ...block, ...loop,
    ...get(J), ...get(M), ...atLeast, ...branchIf(1),
    ...rowLoop,
    ...get(J), ...constant(4 * vectors), ...add, ...set(J),
    ...branch(0), ...end, ...end,
    ...end,
  ];
  const locals = [2, I32_LOCALS, I32, rows * vectors + 1 + vectors, V128];
  return [...unsignedLeb(locals.length + code.length), ...locals, ...code];
}

/** Rows and columns of the output tile the kernel keeps in registers (n and m must be multiples). */
export const TILE = { rows: 2, columns: 16 } as const;

/** The module's bytes: imports env.memory, exports matmul(x, w, out, n, k, m). */
export function matmulModuleBytes(rows: number = TILE.rows, vectors: number = TILE.columns / 4): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('matmul'), 0x00, 0]),
    ...section(10, [1, ...body(rows, vectors)]),
  ]);
}

/** A WebAssembly memory, as far as this module uses it. */
export interface KernelMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }

/** The compiled kernel over a growable memory. */
export interface WasmMatmul {
  memory: KernelMemory;
  matmul(x: number, w: number, out: number, n: number, k: number, m: number): void;
}

/** The slice of the WebAssembly API used here (typed locally: the project's lib has no DOM types). */
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number }) => KernelMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A fresh kernel with its own memory for tiles of `rows` rows × 16 columns (null when this runtime lacks WebAssembly SIMD). */
export function createWasmMatmul(rows: number = TILE.rows): WasmMatmul | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  try {
    if (api === undefined) return null;
    const memory = new api.Memory({ initial: 16 });
    const instance = new api.Instance(new api.Module(matmulModuleBytes(rows, TILE.columns / 4)), { env: { memory } });
    return { memory, matmul: instance.exports['matmul'] as WasmMatmul['matmul'] };
  } catch {
    return null;
  }
}

let compiled: WasmMatmul | null | undefined;

/** The shared kernel for training, compiled once per process (null without WebAssembly SIMD). */
export function wasmMatmul(): WasmMatmul | null {
  if (compiled === undefined) compiled = createWasmMatmul();
  return compiled;
}
