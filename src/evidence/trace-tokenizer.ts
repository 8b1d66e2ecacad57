/**
 * How a trace turns the suspect's text back into token ids: the same way the watermarked model
 * wrote them, since the green lists are keyed on that model's ids. For an OpenAI-style model that is
 * o200k or cl100k (gpt-tokenizer); for a language model trained and served with Distillery it is the
 * tokenizer inside its student file.
 */
import { readFile } from 'node:fs/promises';
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { decodeLanguageModel } from '../student/lm/index.js';
import { UsageError } from '../util/errors.js';
import { fileFailureReason } from '../util/node-errors.js';

/** Text ↔ the watermarked model's token ids. */
export interface TraceTokenizer {
  /** What the tokenizer is, for reports ("o200k", "student file owner.lm"). */
  readonly name: string;
  encode(text: string): number[];
  decode(tokens: readonly number[]): string;
}

/** Special-token look-alikes in a suspect's answer are plain text. */
const PLAIN = { disallowedSpecial: new Set<string>() };

/** The tokenizer of a gpt-tokenizer encoding. */
function encodingTokenizer(name: string, encoding: typeof o200k): TraceTokenizer {
  return { name, encode: (text) => encoding.encode(text, PLAIN), decode: (tokens) => encoding.decode(tokens) };
}

/** A trace tokenizer over any object with encode/decode (a language-model student's tokenizer). */
export function traceTokenizerOf(name: string, tokenizer: { encode(text: string): number[]; decode(tokens: readonly number[]): string }): TraceTokenizer {
  return { name, encode: (text) => tokenizer.encode(text), decode: (tokens) => tokenizer.decode(tokens) };
}

/** `o200k`, `cl100k`, or the path of a Distillery language-model student file whose tokenizer to use. */
export async function resolveTraceTokenizer(specification: string): Promise<TraceTokenizer> {
  if (specification === 'o200k') return encodingTokenizer('o200k', o200k);
  if (specification === 'cl100k') return encodingTokenizer('cl100k', cl100k as unknown as typeof o200k);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(specification));
  } catch (error) {
    throw new UsageError(`--tokenizer must be o200k, cl100k or a language-model student file; cannot read ${specification}: ${fileFailureReason(error) ?? (error as Error).message}`);
  }
  const file = decodeLanguageModel(bytes, { encodings: { o200k_base: o200k, cl100k_base: cl100k as unknown as typeof o200k } });
  return traceTokenizerOf(`student file ${specification}`, file.tokenizer);
}
