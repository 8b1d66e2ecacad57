import { z } from 'zod';
import { FINE_TUNING_FORMATS } from '../data/fine-tuning-formats.js';
import { schemaProblems } from './kinds/json-schema.js';
import { TASK_KIND_NAMES } from './kinds/registry.js';
import type { TaskKindName } from './kinds/types.js';
import { bagMlpSettingsSchema, languageModelSettingsSchema, mlpSettingsSchema, spanSettingsSchema } from './student-kind-settings.js';

export { bagMlpSettingsSchema, languageModelSettingsSchema, mlpSettingsSchema, spanSettingsSchema, type LanguageModelSettings, type MlpSettings, type SpanSettings } from './student-kind-settings.js';

/** A chat message template; `{{text}}` (and any input field, `{{field}}`) is filled per input. */
const messageTemplate = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().min(1),
}).strict();

/**
 * Whether a base URL names its scheme and host. `new URL('localhost:11434/v1')` parses (as scheme
 * "localhost:"), so a URL without `http://` would otherwise pass and fail only at the first call.
 */
function isHttpURL(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A label as answers are matched to it: case and whitespace do not count (see task/kinds/label-match.ts). */
function labelIdentity(label: string): string {
  return label.toLowerCase().replace(/\s+/g, '');
}

/** Labels must differ by more than case or whitespace, or the teacher's answers could not tell them apart. */
function checkLabels(labels: readonly string[], context: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  labels.forEach((label, index) => {
    const identity = labelIdentity(label);
    const earlier = seen.get(identity);
    if (earlier === undefined) seen.set(identity, index);
    else if (labels[earlier] === label) context.addIssue({ code: 'custom', message: `duplicate label "${label}"`, path: [index] });
    else {
      context.addIssue({
        code: 'custom',
        message: `labels "${labels[earlier]}" (labels[${earlier}]) and "${label}" (labels[${index}]) differ only in case or spaces: answers could not tell them apart`,
        path: [index],
      });
    }
  });
}

const teacherSchema = z.object({
  /** Which API the teacher speaks: `openai` (any OpenAI-compatible server) or `anthropic` (the Messages API). */
  provider: z.enum(['openai', 'anthropic']).default('openai'),
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Anthropic: https://api.anthropic.com). */
  baseURL: z.string().refine(isHttpURL, 'must be an http:// or https:// URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1'),
  model: z.string().min(1),
  /** The *name* of the environment variable holding the key; never the key itself. */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name, e.g. OPENAI_API_KEY').optional(),
  /** Ask for logprobs (soft labels). Turned off automatically for teachers that reject it. */
  logprobs: z.boolean().default(true),
  topLogprobs: z.number().int().min(0).max(20).default(20),
  temperature: z.number().min(0).max(2).default(0),
  /** Max output tokens; default: enough for the longest label. */
  maxTokens: z.number().int().positive().optional(),
  /** Reasoning models (o-series, gpt-5*): tokens allowed for thinking on top of maxTokens, sent in max_completion_tokens and reserved in the budget. */
  reasoningTokens: z.number().int().min(0).default(1024),
  timeoutMs: z.number().int().positive().default(60_000),
  maxRetries: z.number().int().min(0).max(20).default(5),
}).strict();

const promptSchema = z.object({
  messages: z.array(messageTemplate).min(1),
}).strict().refine((prompt) => prompt.messages.some((message) => /\{\{\s*text\s*\}\}/.test(message.content)), {
  message: 'no message contains {{text}}: the input would never reach the teacher',
  path: ['messages'],
});

/** Whether `text` is a date or time `Date.parse` reads. */
function isDate(text: string): boolean {
  return Number.isFinite(Date.parse(text));
}

const inputsSchema = z.object({
  /** A file path or a glob, relative to the task file. */
  path: z.string().min(1),
  /** How to read it; `auto` picks by extension (.jsonl/.ndjson, .csv, .txt; anything else one input per file). */
  format: z.enum(['auto', 'jsonl', 'csv', 'text', 'files', 'capture']).default('auto'),
  /**
   * With `format: capture` (or a `.sqlite` path): which captured calls of a `distillery capture` store to
   * use; their answers from the task's teacher model are reused, so production's calls are not paid again.
   */
  capture: z.object({
    tag: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    /** ISO dates or times; calls at or after `since` and before `until`. */
    since: z.string().refine(isDate, 'must be an ISO date or time, e.g. 2026-11-01 or 2026-11-01T09:00:00Z').optional(),
    until: z.string().refine(isDate, 'must be an ISO date or time, e.g. 2026-12-01').optional(),
  }).strict().optional(),
  textField: z.string().min(1).default('text'),
  goldField: z.string().min(1).optional(),
  idField: z.string().min(1).optional(),
  /** Keep at most this many inputs (after a deterministic order). */
  limit: z.number().int().positive().optional(),
  /** Truncate each text to this many characters before prompting. */
  maxChars: z.number().int().positive().default(4000),
}).strict();

const priceSchema = z.object({
  inputPer1M: z.number().min(0),
  outputPer1M: z.number().min(0),
}).strict();

const budgetSchema = z.object({
  maxUSD: z.number().positive(),
  /** Override the built-in price table for this model. */
  prices: priceSchema.optional(),
}).strict();

const limitsSchema = z.object({
  concurrency: z.number().int().min(1).max(512).default(8),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
}).strict();

const activeSelectionSchema = z.object({
  /** Random inputs asked about first, to train the first student. */
  seedSize: z.number().int().min(2).default(20),
  /** Random inputs asked about only to estimate agreement; never trained on and never chosen by the student, so the estimate stays honest. */
  heldOutSize: z.number().int().min(10).default(200),
  /** Inputs asked about per round, after each retraining (at least; see batchGrowth). */
  batchSize: z.number().int().min(1).default(10),
  /**
   * A round asks about max(batchSize, batchGrowth × answers the student trained on): small batches while
   * each answer moves the student, larger ones later, so retraining after every batch costs a few fits
   * per doubling of the answers instead of one per batchSize. 0 keeps every batch at batchSize.
   */
  batchGrowth: z.number().min(0).max(4).default(0.2),
  /** How the student's unsureness is measured: `margin` (top two probabilities close) or `entropy`. */
  uncertainty: z.enum(['margin', 'entropy']).default('margin'),
  /** Inputs at or above this Jaccard similarity (hashed word bigrams and char trigrams) do not share a batch; 1 turns it off. */
  maxSimilarity: z.number().gt(0).max(1).default(0.5),
  /** Stop once the student agrees with the teacher on this share of the held-out sample (the budget stops it too); 1 turns it off: spend the budget. */
  targetAgreement: z.number().gt(0).max(1).default(0.9),
  /** Salt of the hashes that draw the held-out and seed samples. */
  seed: z.string().default('active'),
}).strict();

/**
 * How answers are collected: `live` (one call per input, the default) or `batch` (OpenAI's Batch API:
 * half the price, results within 24 hours; journalled, so a killed run resumes polling); and which inputs
 * are paid for: every one (`selection: random`) or an active selection.
 */
const collectSchema = z.object({
  mode: z.enum(['live', 'batch']).default('live'),
  /** Batch mode: first wait between polls of a batch (ms); it grows by half up to maxPollIntervalMs. */
  pollIntervalMs: z.number().int().min(1).default(10_000),
  maxPollIntervalMs: z.number().int().min(1).default(300_000),
  /** Batch mode: share of the live price a batch call costs (OpenAI's Batch API: 0.5). */
  priceFactor: z.number().positive().max(1).default(0.5),
  /** `random`: ask about every input (until the budget); `active` (classify only): a random seed, then the inputs the student is least sure of. */
  selection: z.enum(['random', 'active']).default('random'),
  /** Settings of `selection: active`. */
  active: activeSelectionSchema.prefault({}),
}).strict();

const studentSchema = z.object({
  /**
   * `ngram` learns from text; `bag-mlp` adds hidden layers over the same n-gram bag; `auto` trains a
   * small grid of both and keeps the best by validation agreement; `mlp` learns from numeric feature vectors.
   * Extract tasks: `span` (the span tagger: BIO tags over the input's words, for schemas whose fields
   * are strings or string lists copied from the input), `lm` (the language-model student), or `auto`
   * (their default: the span tagger when the schema fits it and most teacher values are spans of the
   * input, both then trained and the better on validation field F1 kept; else lm). Generate tasks: `lm`
   * (their default; `auto` means it too).
   */
  kind: z.enum(['ngram', 'bag-mlp', 'auto', 'mlp', 'lm', 'span']).default('ngram'),
  /** Hash buckets for word and character n-grams (a power of two is fastest). */
  buckets: z.number().int().min(1024).max(1 << 24).default(1 << 17),
  dim: z.number().int().min(2).max(512).default(16),
  /** Longest word n-gram; 0 keeps no word features (only `textCharNgrams`, e.g. for byte-pair classifiers of code). */
  wordNgrams: z.number().int().min(0).max(5).default(2),
  charNgramMin: z.number().int().min(0).max(10).default(0),
  charNgramMax: z.number().int().min(0).max(10).default(0),
  /** Length of char n-grams over the whole text, spaces and line breaks included (0: none); 2 suits code. */
  textCharNgrams: z.number().int().min(0).max(8).default(0),
  epochs: z.number().int().min(1).max(1000).default(30),
  learningRate: z.number().positive().default(0.5),
  /** Distillation temperature T. */
  temperature: z.number().positive().default(2),
  /** Weight of the soft (teacher) term; 1 − alpha goes to cross-entropy on hard labels. */
  alpha: z.number().min(0).max(1).default(0.7),
  /**
   * The soft term of the `bag-mlp` student's loss: `kl` (the default), KL at `temperature`; `logits`,
   * squared error on the teacher's log-probabilities centred over the labels it listed (logit matching),
   * for confident teachers whose probabilities are near 0 and 1 and so say little through KL.
   */
  softLoss: z.enum(['kl', 'logits']).optional(),
  /** Stop after this many epochs without a better validation loss. */
  patience: z.number().int().min(1).default(4),
  seed: z.number().int().default(1),
  /** Read by the `mlp` kind only; absent means its defaults. */
  mlp: mlpSettingsSchema.optional(),
  /** Read by the `bag-mlp` kind only; absent means its defaults. */
  bagMlp: bagMlpSettingsSchema.optional(),
  /** Read by the `lm` kind only (extract and generate tasks); absent means its defaults. */
  lm: languageModelSettingsSchema.optional(),
  /** Read by the `span` kind (and `auto` on extract tasks) only; absent means its defaults. */
  span: spanSettingsSchema.optional(),
  /**
   * Training threads of the `ngram` student: above 1, lock-free Hogwild SGD over worker_threads (as
   * fastText's -thread), faster but not run-to-run deterministic; 1 is exactly reproducible. Unset: the
   * core count (os.availableParallelism, at most 16) when one epoch holds at least a million feature
   * ids, else 1 (small sets gain less than the workers cost to start); always 1 outside Node.
   */
  threads: z.number().int().min(1).max(64).optional(),
  /**
   * Where the text students' embedding rows start: `none` (random, the default), `inputs` (skip-gram with
   * subwords on every input, labelled or not, before distillation), or `shipped` (the WordNet-gloss word
   * vectors in the package). Text kinds only (ngram, bag-mlp, auto).
   */
  pretrain: z.enum(['none', 'inputs', 'shipped']).optional(),
  /** Skip-gram epochs of `pretrain: inputs` (default 5). */
  pretrainEpochs: z.number().int().min(1).max(100).optional(),
}).strict().refine((s) => s.charNgramMin <= s.charNgramMax, { message: 'charNgramMin must be <= charNgramMax', path: ['charNgramMin'] })
  .refine((s) => s.wordNgrams > 0 || s.textCharNgrams > 0 || !['ngram', 'bag-mlp', 'auto'].includes(s.kind), { message: 'wordNgrams 0 leaves the text students no features unless textCharNgrams is set (e.g. 2)', path: ['wordNgrams'] })
  .refine((s) => s.kind !== 'mlp' || (s.pretrain ?? 'none') === 'none', { message: 'pretrain applies to text students (ngram, bag-mlp, auto), not kind mlp, which reads feature vectors', path: ['pretrain'] });

const splitSchema = z.object({
  train: z.number().min(0).max(1).default(0.8),
  val: z.number().min(0).max(1).default(0.1),
  test: z.number().min(0).max(1).default(0.1),
  /** Salt of the hash that assigns each input to a split; change it for a different split. */
  seed: z.string().default('distillery'),
}).strict().refine((s) => Math.abs(s.train + s.val + s.test - 1) < 1e-9, { message: 'train + val + test must add up to 1' });

/** Whether `source` compiles as a regular expression the refusal filter can use. */
function isRegex(source: string): boolean {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}

const curateSchema = z.object({
  dedup: z.enum(['none', 'exact', 'near']).default('near'),
  /** Jaccard similarity (MinHash estimate over word 5-shingles) at or above which two inputs are near-duplicates. */
  nearThreshold: z.number().gt(0).max(1).default(0.9),
  /** Extract and generate: regexes (matched case-insensitively near the answer's start) that mark a refusal; absent means the built-in English phrasings. */
  refusalPatterns: z.array(z.string().min(1).refine(isRegex, 'not a valid regular expression')).optional(),
  /** Extract and generate: a training example sharing this many consecutive words with validation or test data is removed. */
  decontaminationN: z.number().int().min(1).max(64).default(13),
  /** Extract and generate: fine-tuning exports written to exports/ (dpo only when ranked pairs exist; the GPU recipe trains on hf-messages). */
  exports: z.array(z.enum(FINE_TUNING_FORMATS)).min(1).default(['openai-chat', 'hf-messages', 'sharegpt', 'alpaca']),
}).strict();

const judgeSchema = z.object({
  /** Test pairs judged (each in both orders: two calls); the first ones of the test split. */
  pairs: z.number().int().min(1).max(100_000).default(50),
  /** The judge model, on the teacher's endpoint with its key; default the teacher's model. */
  model: z.string().min(1).optional(),
  /** The judge's output limit (an explanation, then the verdict). */
  maxTokens: z.number().int().min(16).max(8192).default(512),
}).strict();

const evaluateSchema = z.object({
  /** Price of one vCPU-hour, used to turn the student's measured CPU time per call into dollars. */
  cpuHourUSD: z.number().min(0).default(0.05),
  /** Extract and generate: an LLM judge of student against teacher (win / tie / loss, both orders); absent: no judge. */
  judge: judgeSchema.optional(),
}).strict();

/** Kind-dependent rules: labels for classify only, a valid JSON Schema for extract (ajv's problems at their lines). */
function checkKindSettings(task: { kind: TaskKindName; labels: readonly string[]; schema?: Record<string, unknown> | undefined; student: { kind: string; lm?: unknown }; collect: { mode: string; selection: 'random' | 'active' }; teacher?: { provider: string } }, context: z.RefinementCtx): void {
  if (task.collect.mode === 'batch' && task.teacher?.provider === 'anthropic') context.addIssue({ code: 'custom', message: 'collect.mode: batch uses OpenAI\'s Batch API; it needs an OpenAI-compatible teacher (teacher.provider: openai)', path: ['collect', 'mode'] });
  if (task.kind === 'classify' && task.labels.length < 2) context.addIssue({ code: 'custom', message: 'a task needs at least two labels', path: ['labels'] });
  if (task.kind !== 'classify' && task.labels.length > 0) context.addIssue({ code: 'custom', message: `labels apply to classify tasks only (this task's kind is ${task.kind})`, path: ['labels'] });
  if (task.kind === 'extract' && task.schema === undefined) context.addIssue({ code: 'custom', message: 'an extract task needs schema: (a JSON Schema object the answers must match)', path: ['kind'] });
  if (task.kind !== 'extract' && task.schema !== undefined) context.addIssue({ code: 'custom', message: `schema applies to extract tasks only (this task's kind is ${task.kind})`, path: ['schema'] });
  checkStudentKind(task, context);
  if (task.kind !== 'classify' && task.collect.selection === 'active') {
    context.addIssue({ code: 'custom', message: `selection: active needs a classify task (this task's kind is ${task.kind}): its student ranks inputs by how unsure it is of their label`, path: ['collect', 'selection'] });
  }
  if (task.kind !== 'extract' || task.schema === undefined) return;
  for (const problem of schemaProblems(task.schema)) {
    context.addIssue({ code: 'custom', message: `not a valid JSON Schema: ${problem.message}`, path: ['schema', ...problem.path] });
  }
}

/** The student must be one the task's kind can train: classify students for classify, span/lm/auto for extract, lm for generate. */
function checkStudentKind(task: { kind: TaskKindName; student: { kind: string; lm?: unknown; span?: unknown } }, context: z.RefinementCtx): void {
  const { kind } = task.student;
  if (task.kind === 'extract' && !['span', 'lm', 'auto'].includes(kind)) {
    context.addIssue({ code: 'custom', message: `extract tasks train the span tagger or the language-model student: use kind: auto (or leave it out), span or lm, not ${kind}`, path: ['student', 'kind'] });
  }
  if (task.kind === 'generate' && kind !== 'lm') {
    const why = kind === 'span' ? ': the span tagger answers extract tasks only (a JSON object of spans of the input)' : '';
    context.addIssue({ code: 'custom', message: `generate tasks train the language-model student: use kind: lm (or leave it out), not ${kind}${why}`, path: ['student', 'kind'] });
  }
  if (task.kind !== 'extract' && task.student.span !== undefined) context.addIssue({ code: 'custom', message: 'student.span applies to extract tasks only (the span tagger)', path: ['student', 'span'] });
  if (task.kind !== 'classify') return;
  if (kind === 'lm' || kind === 'span') context.addIssue({ code: 'custom', message: `the ${kind} student is for ${kind === 'lm' ? 'extract and generate' : 'extract'} tasks; classify tasks use ngram, bag-mlp, auto or mlp`, path: ['student', 'kind'] });
  if (task.student.lm !== undefined) context.addIssue({ code: 'custom', message: 'student.lm applies to extract and generate tasks only', path: ['student', 'lm'] });
}

/**
 * The student-kind default of extract and generate tasks, filled in before validation so that the
 * classify default (`ngram`) never applies to them: extract gets `auto` (span tagger or lm, chosen by
 * the pipeline), generate gets `lm` (its `auto` means lm too).
 */
function defaultStudentKind(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const task = raw as Record<string, unknown>;
  if (task['kind'] !== 'extract' && task['kind'] !== 'generate') return raw;
  const fallback = task['kind'] === 'extract' ? 'auto' : 'lm';
  const student = task['student'];
  if (student === undefined || student === null) return { ...task, student: { kind: fallback } };
  if (typeof student !== 'object' || Array.isArray(student)) return raw;
  const kind = (student as Record<string, unknown>)['kind'];
  return kind === undefined || kind === 'auto' ? { ...task, student: { ...student, kind: fallback } } : raw;
}

/** The task file (task.yaml) object, before the student-kind default of extract and generate tasks. */
const taskSpecObjectSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-"'),
  /** Project folder for the database and artefacts, relative to the task file; default `.distillery/<name>`. */
  project: z.string().min(1).optional(),
  teacher: teacherSchema,
  prompt: promptSchema,
  /** The label set (classify only). */
  labels: z.array(z.string().min(1)).superRefine(checkLabels).default([]),
  inputs: inputsSchema,
  budget: budgetSchema,
  limits: limitsSchema.prefault({}),
  /** How answers are collected (live or batch) and which inputs to pay for (all, or an active selection). */
  collect: collectSchema.prefault({}),
  student: studentSchema.prefault({}),
  split: splitSchema.prefault({}),
  curate: curateSchema.prefault({}),
  evaluate: evaluateSchema.prefault({}),
  /** What an answer is: a label (classify, the default), a JSON object (extract), free text (generate); see src/task/kinds/. */
  kind: z.enum(TASK_KIND_NAMES as [TaskKindName, ...TaskKindName[]], { message: `unknown kind; valid kinds: ${TASK_KIND_NAMES.join(', ')}` }).default('classify'),
  /** The answers' JSON Schema (extract only). */
  schema: z.record(z.string(), z.unknown()).optional(),
}).strict().superRefine(checkKindSettings);

/** The task file (task.yaml) schema; `.shape` is the object's, for reading one section's schema. */
export const taskSpecSchema = Object.assign(z.preprocess(defaultStudentKind, taskSpecObjectSchema), { shape: taskSpecObjectSchema.shape });

/** A validated task file, with every default filled in. */
export type TaskSpec = z.infer<typeof taskSpecSchema>;
export type StudentSettings = TaskSpec['student'];
export type TeacherSettings = TaskSpec['teacher'];
export type ActiveSelectionSettings = TaskSpec['collect']['active'];
