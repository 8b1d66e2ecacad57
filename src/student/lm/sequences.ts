/**
 * Training examples → token sequences: `<|begin|> prompt <|answer|> answer <|end|>`, with a loss
 * mask that counts only the answer's tokens and the end token (the prompt is context), and the
 * teacher's per-token top-k logprobs (token-level KD) aligned to the rows that predict them.
 */
import type { TeacherTopLogprobs } from '../../train/token-kd.js';
import { ContextLengthError } from './errors.js';
import type { Tokenizer } from './tokenizer.js';

/** One training example for a generative student. */
export interface GenerationExample {
  prompt: string;
  /** The teacher's answer (sequence-level KD trains on it). */
  answer: string;
  /**
   * The teacher's top-k logprobs for each answer token, in the student's vocabulary (a shared
   * tokenizer); entry j belongs to the answer's j-th token. Enables token-level KD.
   */
  teacherTopLogprobs?: ReadonlyArray<TeacherTopLogprobs | undefined>;
}

/** One encoded example. */
export interface EncodedSequence {
  tokens: number[];
  /** Index of the `<|answer|>` token: rows from here on predict answer tokens. */
  answerStart: number;
  teacher: ReadonlyArray<TeacherTopLogprobs | undefined> | undefined;
}

/** The tokens of a prompt as the model sees it before answering. */
export function promptTokens(tokenizer: Tokenizer, prompt: string): number[] {
  return [tokenizer.beginToken, ...tokenizer.encode(prompt), tokenizer.answerToken];
}

/** Encodes every example, or a ContextLengthError naming the first that does not fit. */
export function encodeExamples(tokenizer: Tokenizer, examples: readonly GenerationExample[], context: number, label: string): EncodedSequence[] {
  return examples.map((example, index) => {
    const prompt = promptTokens(tokenizer, example.prompt);
    const tokens = [...prompt, ...tokenizer.encode(example.answer), tokenizer.endToken];
    if (tokens.length > context + 1) {
      throw new ContextLengthError(`${label} example ${index + 1} is ${tokens.length - 1} tokens long (prompt + answer); the model's context is ${context} tokens`);
    }
    return { tokens, answerStart: prompt.length - 1, teacher: example.teacherTopLogprobs };
  });
}

/** A batch laid out for the transformer: batch × length inputs, row-aligned targets and mask. */
export interface PackedBatch {
  inputs: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  teacher: Array<TeacherTopLogprobs | undefined>;
}

/** An empty batch of `batch` rows of `length` positions. */
export function createPackedBatch(batch: number, length: number): PackedBatch {
  const rows = batch * length;
  return { inputs: new Int32Array(rows), targets: new Int32Array(rows), mask: new Float32Array(rows), teacher: new Array<TeacherTopLogprobs | undefined>(rows).fill(undefined) };
}

/** Writes `sequences` into `packed` (slot b holds sequence b; missing slots are all padding). */
export function packBatch(sequences: readonly EncodedSequence[], packed: PackedBatch, batch: number, length: number): void {
  packed.inputs.fill(0);
  packed.targets.fill(0);
  packed.mask.fill(0);
  packed.teacher.fill(undefined);
  sequences.slice(0, batch).forEach((sequence, slot) => {
    const base = slot * length;
    for (let position = 0; position + 1 < sequence.tokens.length; position++) {
      packed.inputs[base + position] = sequence.tokens[position] as number;
      packed.targets[base + position] = sequence.tokens[position + 1] as number;
      if (position >= sequence.answerStart) {
        packed.mask[base + position] = 1;
        packed.teacher[base + position] = sequence.teacher?.[position - sequence.answerStart];
      }
    }
  });
}
