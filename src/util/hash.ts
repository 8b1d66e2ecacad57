import { createHash } from 'node:crypto';

export { fnv1a32 } from './string-hash.js';

/** Serialises a JSON value with object keys sorted, so equal values always hash alike. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
}

/** SHA-256 of a string, hex encoded. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Content address of any JSON value (sorted keys), hex SHA-256. */
export function contentHash(value: unknown): string {
  return sha256Hex(stableStringify(value));
}

/** Maps a string to a float in [0, 1) deterministically (for hash-based splits and sampling). */
export function unitInterval(text: string): number {
  const digest = createHash('sha256').update(text).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000;
}
