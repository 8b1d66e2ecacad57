/**
 * Settings schemas read by the student kinds themselves, apart from schema.ts so that the student
 * runtime (which must run in a browser) does not pull in the task kinds and their JSON-schema validator.
 */
import { z } from 'zod';

/**
 * Settings only the `mlp` student reads. Its learning rate is its own: Adam on an MLP wants about
 * 1e-3, the n-gram student's row-wise Adagrad about 0.5, and one shared default cannot serve both.
 */
export const mlpSettingsSchema = z.object({
  /** Widths of the hidden ReLU layers, input side first. */
  hiddenSizes: z.array(z.number().int().min(1).max(8192)).min(1).max(8).default([100]),
  batchSize: z.number().int().min(1).max(65536).default(128),
  /** Probability of dropping each hidden unit while training (inverted dropout); 0 turns it off. */
  dropout: z.number().min(0).max(0.9).default(0),
  /** Adam's step size. */
  learningRate: z.number().positive().default(0.001),
  /** The step size is multiplied by this after every epoch (1 keeps it constant); a decay settles the noisy last epochs. */
  learningRateDecay: z.number().gt(0).max(1).default(1),
}).strict();

/** The MLP student's settings, defaults filled in. */
export type MlpSettings = z.infer<typeof mlpSettingsSchema>;

/** Settings only the `bag-mlp` student reads (its embedding table uses `buckets`, `dim` and the n-gram settings). */
export const bagMlpSettingsSchema = z.object({
  /** Widths of the hidden ReLU layers over the embedding bag (one or two is usual). */
  hiddenSizes: z.array(z.number().int().min(1).max(4096)).min(1).max(4).default([64]),
  /** Probability of dropping each hidden unit while training; 0 turns it off. */
  dropout: z.number().min(0).max(0.9).default(0),
  /** Adam's step size for the dense layers (the embedding rows use `learningRate`, row-wise Adagrad). */
  learningRate: z.number().positive().default(0.001),
  /**
   * Adds a wide part: a linear model over the features' counts (one row of logits per bucket, summed),
   * beside the deep part over their mean, as Wide & Deep. It sees how often a feature occurs, which a
   * mean cannot (teachers such as guesslang's add exactly this); it costs one row of label weights per bucket.
   */
  wide: z.boolean().default(false),
  /** Row-wise Adagrad step size of the wide rows. */
  wideLearningRate: z.number().positive().default(0.01),
}).strict();

/** Model shapes by name for the `lm` student; width, layers, heads… given beside `size` override its values. */
export const LANGUAGE_MODEL_SIZES = Object.freeze({
  tiny: Object.freeze({ width: 64, layers: 2, heads: 4, keyValueHeads: 4, hiddenWidth: 176 }),
  small: Object.freeze({ width: 128, layers: 4, heads: 4, keyValueHeads: 4, hiddenWidth: 352 }),
  base: Object.freeze({ width: 256, layers: 6, heads: 8, keyValueHeads: 4, hiddenWidth: 688 }),
});

/** The names of the size presets. */
export type LanguageModelSize = keyof typeof LANGUAGE_MODEL_SIZES;

const shapeField = (maximum: number) => z.number().int().min(1).max(maximum).optional();

/**
 * Settings only the `lm` student (extract and generate tasks) reads. `size` picks a shape, any of
 * width/layers/heads/keyValueHeads/hiddenWidth overrides it; `context` defaults to the longest example.
 */
export const languageModelSettingsSchema = z.object({
  size: z.enum(['tiny', 'small', 'base']).default('small'),
  width: shapeField(2048),
  layers: shapeField(48),
  heads: shapeField(64),
  keyValueHeads: shapeField(64),
  hiddenWidth: shapeField(8192),
  /** Longest prompt + answer in tokens; default: the longest curated example, with room to spare. */
  context: z.number().int().min(16).max(8192).optional(),
  /** Vocabulary of the BPE tokenizer trained on the task's text (ignored with the teacher's tokenizer). */
  vocabularySize: z.number().int().min(260).max(65536).default(1024),
  /**
   * `bpe`: a tokenizer trained on the task's text; `teacher`: the teacher's o200k/cl100k tokens seen in the data,
   * which makes token-level KD possible; `auto` (default): the teacher's when its answers came with top_logprobs.
   */
  tokenizer: z.enum(['auto', 'bpe', 'teacher']).default('auto'),
  teacherEncoding: z.enum(['o200k_base', 'cl100k_base']).default('o200k_base'),
  /**
   * How the BPE tokenizer cuts text before merging: `gpt2` (default; GGUF export needs it) joins a
   * space to the word after it, `words` keeps spaces apart, so a name copied from the input into a
   * JSON string is the same tokens in both places.
   */
  pretokenizer: z.enum(['gpt2', 'words']).default('gpt2'),
  /** Optimiser steps (default 600); or give `epochs`, passes over the training examples, instead. */
  steps: z.number().int().min(1).max(1_000_000).optional(),
  epochs: z.number().positive().max(10_000).optional(),
  batchSize: z.number().int().min(1).max(1024).default(16),
  learningRate: z.number().positive().max(1).default(3e-3),
  warmupSteps: z.number().int().min(0).optional(),
  /** Steps between validation passes (the training curve's points). */
  evaluateEvery: z.number().int().min(1).default(50),
  /** Validation passes without improvement before training stops. */
  patience: z.number().int().min(1).default(4),
  /** Weight of token-level KD where the teacher's top logprobs are known (1 − it on cross-entropy). */
  distillationWeight: z.number().min(0).max(1).default(0.5),
  /** Most tokens the student writes per answer; default: twice the longest training answer, plus 16. */
  maxAnswerTokens: z.number().int().min(1).max(8192).optional(),
  /** How the student file stores weights. */
  storage: z.enum(['f32', 'f16', 'i8']).default('f16'),
  /**
   * Under the answer's JSON Schema, write every string value as a word-aligned span of the input (a
   * name not in the input can never be written), in evaluation and in `serve`'s json_schema answers.
   * `auto` (default): on for an extract task when at least 98% of the teacher's string values in the
   * training answers are such spans.
   */
  copyStrings: z.union([z.boolean(), z.literal('auto')]).default('auto'),
}).strict().superRefine((settings, context) => {
  if (settings.steps !== undefined && settings.epochs !== undefined) context.addIssue({ code: 'custom', message: 'give steps or epochs, not both', path: ['epochs'] });
  const shape = languageModelShape(settings);
  if (shape.width % shape.heads !== 0) context.addIssue({ code: 'custom', message: `width ${shape.width} does not divide into ${shape.heads} heads`, path: [settings.width === undefined ? 'heads' : 'width'] });
  else if ((shape.width / shape.heads) % 2 !== 0) context.addIssue({ code: 'custom', message: `head width ${shape.width / shape.heads} (width / heads) must be even for rotary embeddings`, path: ['heads'] });
  if (shape.heads % shape.keyValueHeads !== 0) context.addIssue({ code: 'custom', message: `${shape.heads} heads do not divide into ${shape.keyValueHeads} key/value heads`, path: ['keyValueHeads'] });
});

/** The `lm` student's settings, defaults filled in. */
export type LanguageModelSettings = z.infer<typeof languageModelSettingsSchema>;

/** The shape fields given explicitly. */
function definedShape(settings: Partial<Record<'width' | 'layers' | 'heads' | 'keyValueHeads' | 'hiddenWidth', number | undefined>>): Record<string, number> {
  return Object.fromEntries(Object.entries({ width: settings.width, layers: settings.layers, heads: settings.heads, keyValueHeads: settings.keyValueHeads, hiddenWidth: settings.hiddenWidth }).filter(([, value]) => value !== undefined)) as Record<string, number>;
}

/** The model shape the settings name: the size preset with the explicit fields over it (heads given alone: as many key/value heads). */
export function languageModelShape(settings: Pick<LanguageModelSettings, 'size' | 'width' | 'layers' | 'heads' | 'keyValueHeads' | 'hiddenWidth'>): { width: number; layers: number; heads: number; keyValueHeads: number; hiddenWidth: number } {
  const keyValueHeads = settings.keyValueHeads ?? settings.heads;
  return { ...LANGUAGE_MODEL_SIZES[settings.size], ...definedShape({ ...settings, keyValueHeads }) };
}

/**
 * Settings only the `span` student reads (the span tagger of extract tasks: src/student/span/). The
 * number of perceptron epochs is chosen by validation field F1 among `epochs` (never on test).
 */
export const spanSettingsSchema = z.object({
  /** Candidate epoch counts; each is trained and the best on the validation split kept (ties: the fewer). */
  epochs: z.array(z.number().int().min(1).max(1000)).min(1).max(8).default([10, 20, 30]),
  /** Bits of the feature hash: 2^bits rows of weights (18: 262,144 rows). */
  bits: z.number().int().min(8).max(24).default(18),
  /**
   * `student.kind: auto` trains the span tagger only when at least this share of the teacher's non-empty
   * values are word-aligned spans of their input (measured with the tagger's own answerToBio).
   */
  minSpanShare: z.number().gt(0).max(1).default(0.9),
}).strict();

/** The span student's settings, defaults filled in. */
export type SpanSettings = z.infer<typeof spanSettingsSchema>;
