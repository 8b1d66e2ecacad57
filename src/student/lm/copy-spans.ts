/**
 * The copy constraint's source: the bytes of the text a JSON string value must be copied from (the
 * prompt), with the positions where a copied span may start and end. A span is word-aligned: it
 * neither starts nor ends between two word characters (Unicode letters, marks and digits) nor inside
 * a character's UTF-8 bytes, so "Joh" cannot be cut from "John", while "Putin" is a span of "Putin’s";
 * and it is trimmed: it neither starts nor ends with whitespace (the empty string is always allowed).
 * Also the check the train stage uses to decide whether a task's teacher copies its strings.
 */

const encoder = new TextEncoder();

/** Where copied spans may lie in one source text. */
export interface CopySource {
  readonly bytes: Uint8Array;
  /** Byte offsets where a span may start, ascending. */
  readonly starts: readonly number[];
  /** 1 at each byte offset (0 … length) where a span may end. */
  readonly ends: Uint8Array;
  /** The last offset where a span may end (-1: none): a span past it could never end. */
  readonly lastEnd: number;
}

const WORD_CHARACTER = /^[\p{L}\p{M}\p{N}]$/u;
const SPACE = /^\s$/u;

/** The copy source of `text`. */
export function copySource(text: string): CopySource {
  const bytes = encoder.encode(text);
  const starts: number[] = [];
  const ends = new Uint8Array(bytes.length + 1);
  let offset = 0;
  let previous = '';
  for (const character of text) {
    const boundary = !(WORD_CHARACTER.test(previous) && WORD_CHARACTER.test(character));
    if (boundary && previous !== '' && !SPACE.test(previous)) ends[offset] = 1;
    if (boundary && !SPACE.test(character)) starts.push(offset);
    offset += encoder.encode(character).length;
    previous = character;
  }
  if (previous !== '' && !SPACE.test(previous)) ends[offset] = 1;
  return { bytes, starts, ends, lastEnd: ends.lastIndexOf(1) };
}

/** True when `value` is empty or a word-aligned span of `text` (what the copy constraint lets a string value be). */
export function isCopiedSpan(value: string, text: string): boolean {
  if (value === '') return true;
  const source = copySource(text);
  const needle = encoder.encode(value);
  for (const start of source.starts) {
    const end = start + needle.length;
    if (end > source.bytes.length || source.ends[end] !== 1) continue;
    if (needle.every((byte, index) => source.bytes[start + index] === byte)) return true;
  }
  return false;
}

/** Every string value (not key) in a parsed JSON value, depth first. */
export function stringValuesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringValuesOf);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringValuesOf);
  return [];
}

/** How many non-empty string values the answers hold and how many of them are word-aligned spans of their prompt (answers that do not parse are skipped). */
export function copiedStringCounts(examples: ReadonlyArray<{ prompt: string; answer: string }>): { strings: number; copied: number } {
  let strings = 0;
  let copied = 0;
  for (const example of examples) {
    let parsed: unknown;
    try { parsed = JSON.parse(example.answer); } catch { continue; }
    for (const value of stringValuesOf(parsed)) {
      if (value === '') continue;
      strings++;
      if (isCopiedSpan(value, example.prompt)) copied++;
    }
  }
  return { strings, copied };
}

/** The code point of the UTF-8 character that starts at `offset`, or undefined at the end or inside a character. */
export function codePointAt(bytes: Uint8Array, offset: number): number | undefined {
  const lead = bytes[offset];
  if (lead === undefined || (lead >= 0x80 && lead < 0xc0)) return undefined;
  if (lead < 0x80) return lead;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  let code = lead & (0xff >> (length + 1));
  for (let index = 1; index < length; index++) {
    const byte = bytes[offset + index];
    if (byte === undefined || byte < 0x80 || byte >= 0xc0) return undefined;
    code = code * 64 + (byte & 0x3f);
  }
  return code;
}
