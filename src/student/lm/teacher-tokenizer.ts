/**
 * The teacher's own tokenizer (o200k_base / cl100k_base through gpt-tokenizer), restricted to the
 * tokens seen in the task's text, which makes token-level KD possible: the student's token j is
 * the teacher's token j. Ids 0–255 are bytes and 256–258 the special tokens, as in the BPE
 * tokenizer; then one id per kept teacher token. A teacher token outside the kept set (or one that
 * is only part of a UTF-8 character) is written as its piece's bytes, so every string still
 * round-trips. The encoding itself is passed in (it is megabytes and a second to load), which
 * keeps this module free of it and of Node built-ins.
 */
import { StudentFileError } from '../file-container.js';
import type { TeacherTopLogprobs } from '../../train/token-kd.js';
import type { TeacherTokenizerDescription, Tokenizer } from './tokenizer.js';

/** What this module needs of a gpt-tokenizer encoding module. */
export interface TeacherEncoding {
  encodeGenerator(text: string, options?: { disallowedSpecial?: Set<string> }): Iterable<number[]>;
  decode(tokens: Iterable<number>): string;
}


const FIRST_TEACHER = 259;
const encoder = new TextEncoder();
/** Special-token text (e.g. <|endoftext|>) in task text is plain text, not a control token. */
const PLAIN = { disallowedSpecial: new Set<string>() };

/**
 * The teacher's token ids in `texts` that are whole characters, ascending. A token is kept when its
 * text encodes back to exactly itself: that drops tokens holding part of a UTF-8 character (whose
 * text a decoder cannot give alone) and the rare token the encoder itself would never produce alone.
 */
export function seenTeacherTokens(encoding: TeacherEncoding, texts: readonly string[]): number[] {
  const seen = new Set<number>();
  for (const text of texts) for (const piece of encoding.encodeGenerator(text, PLAIN)) for (const token of piece) seen.add(token);
  const encodesToItself = (token: number): boolean => {
    const pieces = [...encoding.encodeGenerator(encoding.decode([token]), PLAIN)].flat();
    return pieces.length === 1 && pieces[0] === token;
  };
  return [...seen].filter(encodesToItself).sort((a, b) => a - b);
}

/** A tokenizer that also maps a token's bytes to its student id. */
export type TeacherTokenizer = Tokenizer & { studentToken(bytes: Uint8Array): number | undefined };

/** A tokenizer over the teacher's `teacherTokens` (from seenTeacherTokens or a file header). */
export function teacherTokenizer(encodingName: string, encoding: TeacherEncoding, teacherTokens: readonly number[]): TeacherTokenizer {
  const studentOf = new Map<number, number>(teacherTokens.map((token, index) => [token, FIRST_TEACHER + index]));
  const bytes: Uint8Array[] = [...Array.from({ length: 256 }, (_, byte) => Uint8Array.of(byte)), new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
  for (const token of teacherTokens) bytes.push(encoder.encode(encoding.decode([token])));
  const byBytes = new Map<string, number>(bytes.map((value, id) => [String.fromCharCode(...value), id]));
  byBytes.delete('');
  return {
    vocabularySize: FIRST_TEACHER + teacherTokens.length,
    beginToken: 256, answerToken: 257, endToken: 258,
    encode(text) {
      const out: number[] = [];
      for (const piece of encoding.encodeGenerator(text, PLAIN)) {
        const mapped = piece.map((token) => studentOf.get(token));
        if (mapped.every((id) => id !== undefined)) out.push(...(mapped as number[]));
        else out.push(...encoder.encode(encoding.decode(piece)));
      }
      return out;
    },
    decode(tokens) {
      const parts = tokens.map((token) => bytes[token] ?? new Uint8Array(0));
      const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
      let offset = 0;
      for (const part of parts) { joined.set(part, offset); offset += part.length; }
      return new TextDecoder().decode(joined);
    },
    tokenBytes: (token) => bytes[token] ?? new Uint8Array(0),
    describe: (): TeacherTokenizerDescription => ({ kind: 'teacher', encoding: encodingName, teacherTokens: [...teacherTokens] }),
    studentToken: (value) => (value.length === 0 ? undefined : byBytes.get(String.fromCharCode(...value))),
  };
}

/** One answer token as an OpenAI-compatible API reports it (chat completions `logprobs.content[i]`). */
export interface ApiTokenLogprob {
  token: string;
  bytes?: number[] | null;
  logprob: number;
  top_logprobs?: Array<{ token: string; bytes?: number[] | null; logprob: number }>;
}

/**
 * The teacher's per-token top-k in student ids, aligned with the student's encoding of `answer`,
 * or undefined when the two tokenisations differ (the example then trains sequence-level only).
 * Alternatives outside the student's vocabulary fall into the tail bucket.
 */
export function alignTeacherLogprobs(tokenizer: TeacherTokenizer, answer: string, content: readonly ApiTokenLogprob[]): Array<TeacherTopLogprobs | undefined> | undefined {
  const studentTokens = tokenizer.encode(answer);
  if (studentTokens.length !== content.length) return undefined;
  const bytesOf = (entry: { token: string; bytes?: number[] | null }): Uint8Array => (entry.bytes ? Uint8Array.from(entry.bytes) : encoder.encode(entry.token));
  const aligned: Array<TeacherTopLogprobs | undefined> = [];
  for (const [index, entry] of content.entries()) {
    if (tokenizer.studentToken(bytesOf(entry)) !== studentTokens[index]) return undefined;
    const alternatives = (entry.top_logprobs ?? [entry]).flatMap((alternative) => {
      const id = tokenizer.studentToken(bytesOf(alternative));
      return id === undefined ? [] : [{ id, logprob: alternative.logprob }];
    });
    aligned.push({ tokens: alternatives.map((alternative) => alternative.id), logprobs: alternatives.map((alternative) => alternative.logprob) });
  }
  return aligned;
}

/** Rebuilds a teacher tokenizer from a file header, given the encodings the caller has loaded. */
export function teacherTokenizerFromDescription(description: TeacherTokenizerDescription, encodings: Readonly<Record<string, TeacherEncoding>>): TeacherTokenizer {
  const encoding = encodings[description.encoding];
  if (encoding === undefined) throw new StudentFileError(`this student uses the teacher's ${description.encoding} tokenizer: pass it in options.encodings (e.g. import * as ${description.encoding} from 'gpt-tokenizer/encoding/${description.encoding}')`);
  return teacherTokenizer(description.encoding, encoding, description.teacherTokens);
}
