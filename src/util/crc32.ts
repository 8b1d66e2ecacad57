/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320: the one zlib, PNG and gzip use), table-driven
 * and dependency-free so that the student file container also verifies checksums in a browser.
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let value = byte;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    table[byte] = value >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes`, continuing from `previous` (as zlib.crc32(data, value) does); an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let index = 0; index < bytes.length; index++) crc = TABLE[(crc ^ bytes[index]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
