/**
 * The train stage of extract and generate tasks: the language-model student learns the teacher's
 * curated answers, token-level KD wherever the teacher's top logprobs came with a tokenizer the
 * student shares (else sequence-level), and the student file lands where classify's does. Reused,
 * like classify's, when the saved student was trained on the same data and settings.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { decodeStudentFile } from '../student/file-container.js';
import { recordStudentPrompt } from '../student/file-format.js';
import { LanguageModelError } from '../student/lm/errors.js';
import { copiedStringCounts } from '../student/lm/copy-spans.js';
import { languageModelFromBytes, trainLanguageModelStudent } from '../student/lm/lm-student.js';
import type { GenerationExample } from '../student/lm/sequences.js';
import { alignTeacherLogprobs, seenTeacherTokens, teacherTokenizer, type TeacherEncoding } from '../student/lm/teacher-tokenizer.js';
import { trainTokenizer, type Tokenizer } from '../student/lm/tokenizer.js';
import type { EvaluationReport } from '../student/lm/training.js';
import type { GenerativeStudent, LanguageModelTrainingSummary } from '../student/lm/types.js';
import type { LoadedTask } from '../task/load.js';
import { languageModelSettingsSchema, languageModelShape, type LanguageModelSettings } from '../task/student-kind-settings.js';
import type { Store } from '../store/types.js';
import { contentHash } from '../util/hash.js';
import { RunStoppedError, SetupError } from './errors.js';
import type { EventSink } from './events.js';
import { apiTokenLogprobs, sequenceExamples, topLogprobShare, type LanguageModelExample } from './lm-examples.js';
import type { ProjectPaths } from './project.js';

/** The trained (or reused) language-model student and how it was trained. */
export interface LanguageModelTrainOutcome {
  student: GenerativeStudent;
  reused: boolean;
  summary: LanguageModelTrainingSummary | undefined;
  /** Validation loss per evaluation step: the training curve. */
  curve: EvaluationReport[];
  tokenizer: 'bpe' | 'teacher';
  /** Training examples that trained token-level (the rest sequence-level). */
  tokenLevelExamples: number;
  trainExamples: number;
  validationExamples: number;
  /** Most tokens the student may write per answer. */
  maxAnswerTokens: number;
  context: number;
}

/** What the store keeps beside the student file, so a reused student still reports its curve. */
type SavedTraining = Omit<LanguageModelTrainOutcome, 'student' | 'reused' | 'summary'>;

const STATE_KEY = 'train.lm';
/** Default optimiser steps when neither steps nor epochs is given. */
const DEFAULT_STEPS = 600;

/** The task's `student.lm` settings, defaults filled in. */
export function languageModelSettingsOf(task: LoadedTask): LanguageModelSettings {
  return task.spec.student.lm ?? languageModelSettingsSchema.parse({});
}

/** Loads a gpt-tokenizer encoding by name (megabytes, so only when a teacher tokenizer is used). */
async function loadEncoding(name: 'o200k_base' | 'cl100k_base'): Promise<TeacherEncoding> {
  return name === 'o200k_base' ? await import('gpt-tokenizer/encoding/o200k_base') : await import('gpt-tokenizer/encoding/cl100k_base');
}

/** The tokenizer the settings ask for (auto: the teacher's when most answers came with top logprobs). */
async function buildTokenizer(settings: LanguageModelSettings, train: readonly LanguageModelExample[]): Promise<{ tokenizer: Tokenizer; kind: 'bpe' | 'teacher' }> {
  const useTeacher = settings.tokenizer === 'teacher' || (settings.tokenizer === 'auto' && topLogprobShare(train) >= 0.5);
  const texts = train.flatMap((example) => [example.prompt, example.answer]);
  if (!useTeacher) return { tokenizer: trainTokenizer(texts, settings.vocabularySize, settings.pretokenizer), kind: 'bpe' };
  const encoding = await loadEncoding(settings.teacherEncoding);
  return { tokenizer: teacherTokenizer(settings.teacherEncoding, encoding, seenTeacherTokens(encoding, texts)), kind: 'teacher' };
}

/** Generation examples, with the teacher's top-k aligned where the tokenizer is the teacher's and the tokenisations agree. */
function withTeacherRows(examples: readonly LanguageModelExample[], tokenizer: Tokenizer, kind: 'bpe' | 'teacher'): { examples: GenerationExample[]; tokenLevel: number } {
  if (kind === 'bpe') return { examples: sequenceExamples(examples), tokenLevel: 0 };
  let tokenLevel = 0;
  const aligned = examples.map((example): GenerationExample => {
    const rows = example.teacherTokens === undefined ? undefined : alignTeacherLogprobs(tokenizer as Parameters<typeof alignTeacherLogprobs>[0], example.answer, apiTokenLogprobs(example.teacherTokens));
    if (rows === undefined) return { prompt: example.prompt, answer: example.answer };
    tokenLevel++;
    return { prompt: example.prompt, answer: example.answer, teacherTopLogprobs: rows };
  });
  return { examples: aligned, tokenLevel };
}

/** Tokens of one example as the model sees it: begin, prompt, answer marker, answer, end. */
function sequenceLength(tokenizer: Tokenizer, example: LanguageModelExample): number {
  return tokenizer.encode(example.prompt).length + tokenizer.encode(example.answer).length + 3;
}

/** The context: as set, or the longest example of any split with room to spare (rounded up to 16). */
function contextFor(settings: LanguageModelSettings, tokenizer: Tokenizer, all: readonly LanguageModelExample[]): number {
  if (settings.context !== undefined) return settings.context;
  const longest = Math.max(16, ...all.map((example) => sequenceLength(tokenizer, example)));
  return Math.min(8192, Math.ceil((longest * 1.25 + 8) / 16) * 16);
}

/** Optimiser steps: as set, or from epochs over the training examples, or the default. */
function stepsFor(settings: LanguageModelSettings, trainCount: number): number {
  if (settings.steps !== undefined) return settings.steps;
  if (settings.epochs !== undefined) return Math.max(1, Math.ceil((settings.epochs * trainCount) / Math.min(settings.batchSize, trainCount)));
  return DEFAULT_STEPS;
}

/** Examples that fit the context; the rest are counted in a warning. */
function fitting(examples: readonly LanguageModelExample[], tokenizer: Tokenizer, context: number, label: string, emit: EventSink): LanguageModelExample[] {
  const kept = examples.filter((example) => sequenceLength(tokenizer, example) - 1 <= context);
  if (kept.length < examples.length) emit({ type: 'warning', stage: 'train', message: `${examples.length - kept.length} ${label} examples are longer than student.lm.context (${context} tokens) and were left out` });
  return kept;
}

/** Share of the teacher's string values that must be spans of the input for `copyStrings: auto` to copy. */
export const COPY_STRINGS_SHARE = 0.98;

/** Whether the student copies string values from its input: as set, or (auto, extract only) when the teacher's strings almost all are spans of it. */
export function copyStringsFor(task: LoadedTask, settings: LanguageModelSettings, train: readonly LanguageModelExample[]): { copy: boolean; strings: number; copied: number } {
  const counts = task.spec.kind === 'extract' ? copiedStringCounts(train) : { strings: 0, copied: 0 };
  if (settings.copyStrings !== 'auto') return { copy: settings.copyStrings, ...counts };
  return { copy: counts.strings > 0 && counts.copied >= COPY_STRINGS_SHARE * counts.strings, ...counts };
}

/** Loads a saved language-model student, with the teacher's encoding when its tokenizer is the teacher's. */
export async function loadSavedLanguageModel(file: string): Promise<GenerativeStudent> {
  const bytes = new Uint8Array(await readFile(file));
  const description = decodeStudentFile(bytes).header['tokenizer'] as { kind?: string; encoding?: string } | undefined;
  if (description?.kind !== 'teacher') return languageModelFromBytes(bytes);
  const name = description.encoding === 'cl100k_base' ? 'cl100k_base' : 'o200k_base';
  return languageModelFromBytes(bytes, { encodings: { [name]: await loadEncoding(name) } });
}

/** What decides the language-model student: its settings, the task, the prompt and every non-test example. */
function languageModelFingerprint(task: LoadedTask, examples: readonly LanguageModelExample[]): string {
  const prompt = { messages: task.spec.prompt.messages.map(({ role, content }) => ({ role, content })) };
  return contentHash({ settings: task.spec.student, kind: task.spec.kind, prompt, examples: examples.filter((example) => example.split !== 'test') });
}

/** The saved language-model student when it was trained on the same data and settings (a stage-skip says so); else undefined. */
export async function reuseLanguageModelStage(task: LoadedTask, store: Store, examples: readonly LanguageModelExample[], paths: ProjectPaths, emit: EventSink): Promise<LanguageModelTrainOutcome | undefined> {
  const saved = await store.getState(STATE_KEY);
  if (!existsSync(paths.student) || saved === undefined || (await store.getState('train.fingerprint')) !== languageModelFingerprint(task, examples)) return undefined;
  emit({ type: 'stage-skip', stage: 'train', reason: 'the saved student was trained on the same data and settings' });
  const student = await loadSavedLanguageModel(paths.student);
  return { ...(JSON.parse(saved) as SavedTraining), student, reused: true, summary: student.training };
}

/** Trains the language-model student on the curated answers, or reuses the saved one if nothing changed. */
export async function trainLanguageModelStage(task: LoadedTask, store: Store, examples: readonly LanguageModelExample[], paths: ProjectPaths, emit: EventSink, force = false): Promise<LanguageModelTrainOutcome> {
  const settings = languageModelSettingsOf(task);
  const trainAll = examples.filter((example) => example.split === 'train');
  const validationAll = examples.filter((example) => example.split === 'val');
  if (trainAll.length < 4) throw new RunStoppedError(`only ${trainAll.length} curated training answers: the language-model student needs at least 4; collect more answers before training`, 'no-data');
  const prompt = { messages: task.spec.prompt.messages.map(({ role, content }) => ({ role, content })) };
  const fingerprint = languageModelFingerprint(task, examples);
  if (!force) {
    const reused = await reuseLanguageModelStage(task, store, examples, paths, emit);
    if (reused !== undefined) return reused;
  }
  const { tokenizer, kind } = await buildTokenizer(settings, trainAll);
  const context = contextFor(settings, tokenizer, examples);
  const train = withTeacherRows(fitting(trainAll, tokenizer, context, 'training', emit), tokenizer, kind);
  const validation = withTeacherRows(fitting(validationAll, tokenizer, context, 'validation', emit), tokenizer, kind);
  const steps = stepsFor(settings, train.examples.length);
  const copying = copyStringsFor(task, settings, trainAll);
  const copyNote = copying.strings === 0 ? '' : `; ${copying.copied}/${copying.strings} teacher strings are spans of the input, ${copying.copy ? 'strings copied from the input' : 'strings not copied'}`;
  emit({ type: 'stage-start', stage: 'train', detail: `lm student (${kind} tokenizer, ${train.tokenLevel > 0 ? `token-level KD on ${train.tokenLevel}` : 'sequence-level KD'}) on ${train.examples.length} examples (${validation.examples.length} for validation), up to ${steps} steps${copyNote}` });
  const curve: EvaluationReport[] = [];
  const trained = trainOrExplain(train.examples, validation.examples, {
    tokenizer,
    decoding: { copyStrings: copying.copy },
    config: { ...languageModelShape(settings), context },
    training: {
      steps, batchSize: settings.batchSize, learningRate: settings.learningRate, evaluateEvery: Math.min(settings.evaluateEvery, steps), patience: settings.patience,
      distillationWeight: settings.distillationWeight, seed: task.spec.student.seed, ...(settings.warmupSteps === undefined ? {} : { warmupSteps: settings.warmupSteps }),
    },
    onEvaluation: (report) => {
      curve.push(report);
      emit({ type: 'train-progress', step: report.step, steps, trainLoss: report.trainLoss, validationLoss: report.validationLoss, improved: report.improved });
    },
  });
  const longestAnswer = Math.max(1, ...train.examples.map((example) => tokenizer.encode(example.answer).length));
  const record: SavedTraining = {
    curve, tokenizer: kind, tokenLevelExamples: train.tokenLevel, trainExamples: train.examples.length, validationExamples: validation.examples.length,
    maxAnswerTokens: settings.maxAnswerTokens ?? Math.min(context, longestAnswer * 2 + 16), context,
  };
  await store.setState('train.fingerprint', '');
  await writeFile(paths.student, trained.toBytes(settings.storage));
  await recordStudentPrompt(paths.student, prompt);
  await store.setState(STATE_KEY, JSON.stringify(record));
  await store.setState('train.fingerprint', fingerprint);
  // Evaluate what the file holds (its weight storage), not the float32 weights in memory.
  const student = await loadSavedLanguageModel(paths.student);
  const summary = student.training;
  emit({
    type: 'stage-done', stage: 'train',
    summary: `best step ${summary?.bestStep ?? 0}/${summary?.stepsRun ?? 0}${summary?.stoppedEarly === true ? ' (early stop)' : ''}, validation loss ${(summary?.validationLoss ?? Number.NaN).toFixed(4)}, ${(summary?.seconds ?? 0).toFixed(1)} s, ${student.parameterCount().toLocaleString('en-US')} parameters`,
    data: { ...record, curve: curve.length, parameters: student.parameterCount() },
  });
  return { ...record, student, reused: false, summary };
}

/** Trains, turning the student's own errors (a context too small, a shape that does not fit) into one-line setup errors. */
function trainOrExplain(train: GenerationExample[], validation: GenerationExample[], options: Parameters<typeof trainLanguageModelStudent>[2]): GenerativeStudent {
  try {
    return trainLanguageModelStudent(train, validation.length > 0 ? validation : undefined, options).student;
  } catch (error) {
    if (error instanceof LanguageModelError) throw new SetupError(`student.lm: ${error.message}`, { cause: error });
    throw error;
  }
}
