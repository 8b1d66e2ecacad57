/** String hashes with no Node dependency, for code that must also run in a browser (the student runtime). */

/** 32-bit FNV-1a hash of a string (UTF-16 code units); fast, stable across runs and platforms. */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
