/** MinHash signatures, shared by curation's near-duplicate search and the guard's prompt sketches. */

/** Writes one minimum per seeded hash function (a multiply-xorshift remix of the shingle hash). */
export function minhashInto(shingleHashes: Uint32Array, seeds: Uint32Array, signatures: Uint32Array, offset: number): void {
  signatures.fill(0xffffffff, offset, offset + seeds.length);
  for (const hash of shingleHashes) {
    for (let index = 0; index < seeds.length; index++) {
      let value = Math.imul(hash ^ (seeds[index] ?? 0), 0x9e3779b1);
      value ^= value >>> 15;
      value = Math.imul(value, 0x85ebca77) >>> 0;
      if (value < (signatures[offset + index] ?? 0)) signatures[offset + index] = value;
    }
  }
}

