/**
 * The lexical watermark on pass-through text (He et al. 2022, keyed synonym choice): every eligible
 * word that belongs to a synonym set is replaced by the member the key picks for that set in that
 * context (from the previous word as written: its class by default, lexical-context.ts), so a marked
 * text uses the keyed member far more often than chance. HMAC-SHA-256 of the key and (set id, context) decides; where it may touch the text
 * is lexical-scanner.ts's business. Streamed and plain text are marked identically.
 */
import { createHmac } from 'node:crypto';
import type { LexicalKey } from './lexical-key.js';
import { LexicalScanner, WhitespaceCutter } from './lexical-scanner.js';
import { defaultSynonymTable, type SynonymTable } from './synonyms.js';

/** The index within `set` the key picks for this context. */
export function keyedChoice(secret: Buffer, set: readonly string[], context: string): number {
  const digest = createHmac('sha256', secret).update(`${set[0] as string}\u0000${context}`).digest();
  return digest.readUInt32BE(0) % set.length;
}

/** A streaming marker: feed text chunks, get marked text back (held to the last whitespace), flush at the end. */
export class LexicalStreamWatermarker {
  readonly #cutter: WhitespaceCutter;

  constructor(key: LexicalKey, table: SynonymTable = defaultSynonymTable()) {
    const visit = (_word: string, setIndex: number, context: string): string => {
      const set = table.sets[setIndex] as readonly string[];
      return set[keyedChoice(key.secret, set, context)] as string;
    };
    this.#cutter = new WhitespaceCutter(new LexicalScanner(table, visit, key.context));
  }

  /** Takes a chunk; returns the marked text that is ready. */
  push(text: string): string {
    return this.#cutter.push(text);
  }

  /** The marked rest of the text. */
  flush(): string {
    return this.#cutter.flush();
  }
}

/** Marks a whole text (a text that parses as JSON is returned unchanged). */
export function watermarkText(text: string, key: LexicalKey, table: SynonymTable = defaultSynonymTable()): string {
  if (parsesAsJson(text)) return text;
  const marker = new LexicalStreamWatermarker(key, table);
  return marker.push(text) + marker.flush();
}

/** Whether the text is a JSON value: such a text is data, never prose to mark. */
function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
