/**
 * The train stage of the span-tagger student (extract tasks whose schema is an object of strings or
 * string lists copied from the input): the teacher's curated answers become BIO tags, an averaged
 * perceptron trains once for the most epochs asked, and the epoch count kept is the one whose tagger
 * scores the best field F1 on the validation split (never test). The file lands where every student's
 * does, with the task's prompt recorded, and is reused when the data and settings are unchanged.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { extractMetrics } from '../eval/extract-metrics.js';
import { recordStudentPrompt } from '../student/file-format.js';
import { spanFieldsOf, type SpanField } from '../student/span/span-tagger.js';
import { spanStudent, spanStudentFromBytes, type SpanStudent } from '../student/span/span-student.js';
import { spanPlacement, trainSpanTagger } from '../student/span/train.js';
import { spanTaggerToBytes } from '../student/span/serialise.js';
import type { Store } from '../store/types.js';
import type { LoadedTask } from '../task/load.js';
import { spanSettingsSchema, type SpanSettings } from '../task/student-kind-settings.js';
import { contentHash } from '../util/hash.js';
import type { SpanTrainingFigures } from './generative-report-page.js';
import type { EvaluatedStudent } from './lm-evaluate-stage.js';
import { RunStoppedError, SetupError } from './errors.js';
import type { EventSink } from './events.js';
import type { LanguageModelExample } from './lm-examples.js';
import type { ProjectPaths } from './project.js';

/** The trained (or reused) span student and what its training measured. */
export interface SpanTrainOutcome {
  student: SpanStudent;
  reused: boolean;
  figures: SpanTrainingFigures;
  /** Validation field F1 of the epoch count kept (NaN without validation examples). */
  validationFieldF1: number;
  trainExamples: number;
  validationExamples: number;
  seconds: number;
  /** Writes this student's file (what `student.kind: auto` calls once it keeps the span tagger); absent when reused. */
  save?: () => Promise<void>;
}

const STATE_KEY = 'train.span';

/** The task's `student.span` settings, defaults filled in. */
export function spanSettingsOf(task: LoadedTask): SpanSettings {
  return task.spec.student.span ?? spanSettingsSchema.parse({});
}

/** The span tagger's fields for the task's schema, or undefined with the reason. */
export function spanFieldsFor(task: LoadedTask): { fields: SpanField[] | undefined; reason: string } {
  let reason = '';
  const fields = spanFieldsOf(task.spec.schema, (why) => { reason = why; });
  return { fields, reason };
}

/** Share of the training answers' non-empty values that are word-aligned spans of their input (NaN when there are none). */
export function spanShareOf(fields: readonly SpanField[], train: readonly LanguageModelExample[]): { values: number; placed: number; share: number } {
  const { values, placed } = spanPlacement(train.map((example) => ({ input: example.prompt, answer: example.answer })), fields);
  return { values, placed, share: values === 0 ? Number.NaN : placed / values };
}

/** Field F1 of answers against the teacher's on `examples`, under the task's schema. */
export function validationFieldF1(task: LoadedTask, examples: readonly LanguageModelExample[], answer: (prompt: string) => string): number {
  if (examples.length === 0) return Number.NaN;
  return extractMetrics(examples.map((example) => ({ teacher: example.answer, student: answer(example.prompt) })), task.spec.schema ?? {}).fields.f1;
}

/** The task's prompt as the student file records it. */
const promptOf = (task: LoadedTask) => ({ messages: task.spec.prompt.messages.map(({ role, content }) => ({ role, content })) });

/** What decides the span student: its settings, the task, the prompt and every non-test example. */
function spanFingerprint(task: LoadedTask, examples: readonly LanguageModelExample[]): string {
  return contentHash({ family: 'span', settings: task.spec.student, kind: task.spec.kind, prompt: promptOf(task), examples: examples.filter((example) => example.split !== 'test') });
}

/** The saved span student when it was trained on the same data and settings (a stage-skip says so); else undefined. */
export async function reuseSpanStage(task: LoadedTask, store: Store, examples: readonly LanguageModelExample[], paths: ProjectPaths, emit: EventSink): Promise<SpanTrainOutcome | undefined> {
  const saved = await store.getState(STATE_KEY);
  if (!existsSync(paths.student) || saved === undefined || (await store.getState('train.fingerprint')) !== spanFingerprint(task, examples)) return undefined;
  emit({ type: 'stage-skip', stage: 'train', reason: 'the saved span tagger was trained on the same data and settings' });
  return { ...(JSON.parse(saved) as Omit<SpanTrainOutcome, 'student' | 'reused'>), student: spanStudentFromBytes(new Uint8Array(await readFile(paths.student))), reused: true };
}

/** Trains the span tagger (or reuses the saved one); `write: false` keeps the file untouched (auto writes the one it keeps). */
export async function trainSpanStage(task: LoadedTask, store: Store, examples: readonly LanguageModelExample[], paths: ProjectPaths, emit: EventSink, options: { force: boolean; write: boolean }): Promise<SpanTrainOutcome> {
  const { fields, reason } = spanFieldsFor(task);
  if (fields === undefined) throw new SetupError(`student.kind span: the span tagger cannot answer this task's schema: ${reason} (use student.kind: lm, or auto)`);
  const settings = spanSettingsOf(task);
  const train = examples.filter((example) => example.split === 'train');
  const validation = examples.filter((example) => example.split === 'val');
  if (train.length < 4) throw new RunStoppedError(`only ${train.length} curated training answers: the span tagger needs at least 4; collect more answers before training`, 'no-data');
  const prompt = promptOf(task);
  const fingerprint = spanFingerprint(task, examples);
  if (!options.force && options.write) {
    const reused = await reuseSpanStage(task, store, examples, paths, emit);
    if (reused !== undefined) return reused;
  }
  const placement = spanShareOf(fields, train);
  const epochs = [...new Set(settings.epochs)].sort((a, b) => a - b);
  emit({ type: 'stage-start', stage: 'train', detail: `span tagger on ${train.length} examples (${validation.length} for validation); ${placement.placed}/${placement.values} teacher values are spans of the input; epochs ${epochs.join(', ')} tried on validation field F1` });
  const candidates: Array<{ epochs: number; validationFieldF1: number; tagger: ReturnType<typeof trainSpanTagger>['tagger'] }> = [];
  const { report } = trainSpanTagger(train.map((example) => ({ input: example.prompt, answer: example.answer })), task.spec.schema, {
    epochs: epochs.at(-1) ?? 10, bits: settings.bits, seed: task.spec.student.seed,
    onEpoch: (epoch, taggerNow) => {
      if (!epochs.includes(epoch)) return;
      const tagger = taggerNow();
      const f1 = validationFieldF1(task, validation, (text) => tagger.predict(text));
      candidates.push({ epochs: epoch, validationFieldF1: f1, tagger });
    },
  });
  // Ties (and no validation at all) keep the fewer epochs: the first candidate with the top score.
  const best = candidates.reduce((top, candidate) => (candidate.validationFieldF1 > top.validationFieldF1 ? candidate : top));
  const figures: SpanTrainingFigures = { candidates: candidates.map(({ epochs: count, validationFieldF1: f1 }) => ({ epochs: count, validationFieldF1: f1 })), chosenEpochs: best.epochs, bits: settings.bits, values: report.values, placed: report.placed };
  const record = { figures, validationFieldF1: best.validationFieldF1, trainExamples: train.length, validationExamples: validation.length, seconds: report.seconds };
  const bytes = spanTaggerToBytes(best.tagger);
  const save = () => writeSpanStudent(store, paths, bytes, prompt, fingerprint, JSON.stringify(record));
  if (options.write) await save();
  emit({
    type: 'stage-done', stage: 'train',
    summary: `span tagger: ${best.epochs} epochs kept (validation field F1 ${best.validationFieldF1.toFixed(3)}), ${report.seconds.toFixed(1)} s, ${best.tagger.parameterCount().toLocaleString('en-US')} non-zero weights`,
    data: { ...record, parameters: best.tagger.parameterCount() },
  });
  // Evaluate what the file holds (with its recorded prompt), not the tagger in memory.
  const student = options.write ? spanStudentFromBytes(new Uint8Array(await readFile(paths.student))) : spanStudent(best.tagger, prompt);
  return { ...record, student, reused: false, save };
}

/** Writes the span student's file with the task's prompt, and the state that lets a rerun reuse it. */
export async function writeSpanStudent(store: Store, paths: ProjectPaths, bytes: Uint8Array, prompt: { messages: Array<{ role: string; content: string }> }, fingerprint: string, record: string): Promise<void> {
  await store.setState('train.fingerprint', '');
  await writeFile(paths.student, bytes);
  await recordStudentPrompt(paths.student, prompt);
  await store.setState(STATE_KEY, record);
  await store.setState('train.fingerprint', fingerprint);
}

/** The span student as the evaluation sees it (answers are schema-valid by construction). */
export function evaluatedSpanStudent(training: SpanTrainOutcome): EvaluatedStudent {
  return {
    kind: 'span',
    answer: (prompt) => ({ text: training.student.generate(prompt).text, finishReason: 'stop' }),
    describe: { parameters: training.student.parameterCount(), tokenizer: 'words', context: 0, storage: 'f32', config: { bits: training.figures.bits, epochs: training.figures.chosenEpochs, fields: training.student.fields.length } },
    training: {
      curve: [], reused: training.reused, stepsRun: training.figures.chosenEpochs, bestStep: training.figures.chosenEpochs, seconds: training.seconds, tokensPerSecond: 0,
      tokenLevelExamples: 0, trainExamples: training.trainExamples, validationExamples: training.validationExamples, span: training.figures,
    },
  };
}
