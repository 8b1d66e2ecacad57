/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), synchronous and free of Node built-ins, so the
 * watermark's keyed PRF runs inside the decoder's per-token hook and in a browser alike. Small messages
 * only matter here (a few token ids per call), so clarity wins over throughput tricks; the HMAC keeps
 * its inner and outer pad states precomputed because one key hashes millions of contexts.
 */

const ROUND_CONSTANTS = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL_STATE = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const BLOCK_BYTES = 64;

const rotateRight = (value: number, bits: number) => (value >>> bits) | (value << (32 - bits));

/** The message schedule, shared: every call runs to completion synchronously, so one buffer suffices. */
const SCHEDULE = new Uint32Array(64);

/** One compression of a 64-byte block at `offset` into `state` (in place). */
function compress(state: Uint32Array, block: Uint8Array, offset: number): void {
  const schedule = SCHEDULE;
  for (let index = 0; index < 16; index++) {
    const at = offset + index * 4;
    schedule[index] = (block[at]! << 24) | (block[at + 1]! << 16) | (block[at + 2]! << 8) | block[at + 3]!;
  }
  for (let index = 16; index < 64; index++) {
    const early = schedule[index - 15]!;
    const late = schedule[index - 2]!;
    const sigma0 = rotateRight(early, 7) ^ rotateRight(early, 18) ^ (early >>> 3);
    const sigma1 = rotateRight(late, 17) ^ rotateRight(late, 19) ^ (late >>> 10);
    schedule[index] = (schedule[index - 16]! + sigma0 + schedule[index - 7]! + sigma1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let index = 0; index < 64; index++) {
    const sum1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25);
    const choose = (e & f) ^ (~e & g);
    const first = (h + sum1 + choose + ROUND_CONSTANTS[index]! + schedule[index]!) | 0;
    const sum0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22);
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const second = (sum0 + majority) | 0;
    h = g; g = f; f = e; e = (d + first) | 0; d = c; c = b; b = a; a = (first + second) | 0;
  }
  state[0] = state[0]! + a; state[1] = state[1]! + b; state[2] = state[2]! + c; state[3] = state[3]! + d;
  state[4] = state[4]! + e; state[5] = state[5]! + f; state[6] = state[6]! + g; state[7] = state[7]! + h;
}

/** Finishes a hash: `message` continues a state that has already absorbed `absorbedBytes` bytes. */
function finish(state: Uint32Array, message: Uint8Array, absorbedBytes: number): Uint8Array {
  const whole = message.length - (message.length % BLOCK_BYTES);
  for (let offset = 0; offset < whole; offset += BLOCK_BYTES) compress(state, message, offset);
  const rest = message.length - whole;
  const tail = new Uint8Array(rest + 9 <= BLOCK_BYTES ? BLOCK_BYTES : 2 * BLOCK_BYTES);
  tail.set(message.subarray(whole));
  tail[rest] = 0x80;
  // The length in bits as a 64-bit big-endian number; messages here stay far below 2^53 bits.
  const bits = (absorbedBytes + message.length) * 8;
  const high = Math.floor(bits / 0x1_0000_0000);
  for (let index = 0; index < 4; index++) {
    tail[tail.length - 8 + index] = (high >>> (24 - 8 * index)) & 0xff;
    tail[tail.length - 4 + index] = (bits >>> (24 - 8 * index)) & 0xff;
  }
  for (let offset = 0; offset < tail.length; offset += BLOCK_BYTES) compress(state, tail, offset);
  const digest = new Uint8Array(32);
  for (let index = 0; index < 32; index++) digest[index] = (state[index >> 2]! >>> (24 - 8 * (index & 3))) & 0xff;
  return digest;
}

/** SHA-256 of a byte string. */
export function sha256(message: Uint8Array): Uint8Array {
  return finish(new Uint32Array(INITIAL_STATE), message, 0);
}

/** A keyed HMAC-SHA-256 function; the pads are absorbed once, so each call costs two or three compressions. */
export function createHmacSha256(key: Uint8Array): (message: Uint8Array) => Uint8Array {
  const block = new Uint8Array(BLOCK_BYTES);
  block.set(key.length > BLOCK_BYTES ? sha256(key) : key);
  const padded = (pad: number) => {
    const bytes = block.map((byte) => byte ^ pad);
    const state = new Uint32Array(INITIAL_STATE);
    compress(state, bytes, 0);
    return state;
  };
  const inner = padded(0x36);
  const outer = padded(0x5c);
  return (message) => finish(new Uint32Array(outer), finish(new Uint32Array(inner), message, BLOCK_BYTES), BLOCK_BYTES);
}

/** HMAC-SHA-256 of `message` under `key`. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return createHmacSha256(key)(message);
}
