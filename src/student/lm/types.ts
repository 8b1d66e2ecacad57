/**
 * The generative student seam, beside the classifier `Student` (src/student/types.ts): a student
 * that writes text. The classifier registry is untouched; language models load through
 * `languageModelFromBytes` / `loadLanguageModelStudent`.
 */
import type { LanguageModelConfig } from './config.js';
import type { DecodeOptions, Generation, TokenLogprob } from './decoder.js';
import type { Tokenizer } from './tokenizer.js';

/** Options of one generation: decoding settings plus an optional JSON Schema the output must match. */
export interface GenerateOptions extends Omit<DecodeOptions, 'constraint'> {
  /** A JSON Schema (supported subset); the output then always parses and validates, unless max tokens cut it short. */
  schema?: unknown;
  /**
   * With `schema`: every string value must be a word-aligned span of the prompt (copy-spans.ts), so a
   * name that is not in the input can never be written. Default: the student's own `decoding.copyStrings`.
   */
  copyStrings?: boolean;
}

/** How a student decodes unless a request says otherwise; decided at training and kept in the student file. */
export interface StudentDecoding {
  /** Under a schema, copy string values from the prompt (the teacher's strings were spans of its input). */
  copyStrings: boolean;
}

/** One streamed piece of a generation. */
export interface GenerationChunk {
  /** Text completed by this step (may be empty while a possible stop sequence is held back). */
  text: string;
  /** The token of this step, absent on the final flush. */
  token?: TokenLogprob;
  /** Set on the last chunk. */
  finishReason?: Generation['finishReason'];
}

/** What a language-model student file says about its training. */
export interface LanguageModelTrainingSummary {
  stepsRun: number;
  bestStep: number;
  stoppedEarly: boolean;
  validationLoss: number;
  trainExamples: number;
  validationExamples: number;
  seconds: number;
  tokensPerSecond: number;
}

/** Weight storage in a student file. */
export type WeightStorage = 'f32' | 'f16' | 'i8';

/** A student that generates text. */
export interface GenerativeStudent {
  readonly kind: 'lm';
  readonly config: LanguageModelConfig;
  readonly training: LanguageModelTrainingSummary | undefined;
  /** The student's tokenizer (token counts for usage, and the token ids a watermark detector scores). */
  readonly tokenizer: Tokenizer;
  readonly decoding: StudentDecoding;
  /** Generates an answer to `prompt`. */
  generate(prompt: string, options?: GenerateOptions): Generation;
  /** The same generation as an async stream of text pieces. */
  stream(prompt: string, options?: GenerateOptions): AsyncIterableIterator<GenerationChunk>;
  /** Serialises to one versioned, CRC-checked student file. */
  toBytes(storage?: WeightStorage): Uint8Array;
  parameterCount(): number;
}
