/**
 * The lexical watermark's key file, kept by the owner: `{ "scheme": "lexical", "version": 1,
 * "secret": "<base64, at least 16 bytes>", "context": "word-class" }` (context optional: what the
 * keyed choice depends on, lexical-context.ts; word-class when absent). Every way it can be wrong is
 * one clear UsageError line.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../../util/errors.js';
import { DEFAULT_LEXICAL_CONTEXT, LEXICAL_CONTEXT_MODES, type LexicalContextMode } from './lexical-context.js';

/** A loaded lexical key. */
export interface LexicalKey {
  readonly scheme: 'lexical';
  readonly version: 1;
  readonly secret: Buffer;
  /** What the keyed choice depends on (default word-class). */
  readonly context?: LexicalContextMode;
}

/** Fewer secret bytes than this could be guessed. */
const MIN_SECRET_BYTES = 16;

/** Validates a parsed key file; `where` names it in errors. */
export function parseLexicalKey(value: unknown, where: string): LexicalKey {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${where}: a watermark key file must be a JSON object with scheme, version and secret`);
  const fields = value as Record<string, unknown>;
  if (fields.scheme !== 'lexical') {
    throw new UsageError(`${where}: this key is for the ${typeof fields.scheme === 'string' ? `"${fields.scheme}"` : 'unnamed'} watermark scheme; the guard's pass-through watermark needs a "lexical" key`);
  }
  if (fields.version !== 1) throw new UsageError(`${where}: unsupported lexical key version ${JSON.stringify(fields.version)} (this Distillery reads version 1)`);
  const secret = typeof fields.secret === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(fields.secret) ? Buffer.from(fields.secret, 'base64') : null;
  if (secret === null || secret.length < MIN_SECRET_BYTES) throw new UsageError(`${where}: "secret" must be base64 of at least ${MIN_SECRET_BYTES} bytes`);
  const context = fields.context ?? DEFAULT_LEXICAL_CONTEXT;
  if (typeof context !== 'string' || !(LEXICAL_CONTEXT_MODES as readonly string[]).includes(context)) {
    throw new UsageError(`${where}: "context" must be one of ${LEXICAL_CONTEXT_MODES.join(', ')}, got ${JSON.stringify(context)}`);
  }
  return { scheme: 'lexical', version: 1, secret, context: context as LexicalContextMode };
}

/** Reads and validates a key file. */
export async function loadLexicalKey(file: string): Promise<LexicalKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `watermark key file not found: ${file}` : `cannot read watermark key file ${file} (${code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${file}: the watermark key file is not valid JSON`);
  }
  return parseLexicalKey(parsed, file);
}

/** A fresh key file's JSON text (32 random bytes). */
export function newLexicalKeyFile(): string {
  return `${JSON.stringify({ scheme: 'lexical', version: 1, secret: randomBytes(32).toString('base64'), context: DEFAULT_LEXICAL_CONTEXT }, null, 2)}\n`;
}
