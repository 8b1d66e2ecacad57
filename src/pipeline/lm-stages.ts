/**
 * The train and evaluate stages of extract and generate tasks (loaded by run-task.ts only for those
 * kinds): the language-model student, or for extract tasks the span tagger, or (`student.kind: auto`,
 * the extract default) whichever of the two scores the better validation field F1 when the schema and
 * the teacher's answers fit the span tagger. Both are scored by the one evaluate path.
 */
import type { GenerativeExample } from '../data/generative-example.js';
import type { Store } from '../store/types.js';
import type { LoadedTask } from '../task/load.js';
import type { CuratedRecord } from './curate-stage.js';
import { RunStoppedError } from './errors.js';
import { STAGES, type EventSink } from './events.js';
import type { StudentChoice } from './generative-report-page.js';
import { makeJudge } from './judge-stage.js';
import { languageModelExamples, type LanguageModelExample } from './lm-examples.js';
import { evaluatedLanguageModel, evaluateGenerativeStudent, type EvaluatedStudent } from './lm-evaluate-stage.js';
import { reuseLanguageModelStage, trainLanguageModelStage } from './lm-train-stage.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { budgetStop, type RunTaskOptions, type RunTaskResult } from './run-task.js';
import { evaluatedSpanStudent, reuseSpanStage, spanFieldsFor, spanSettingsOf, spanShareOf, trainSpanStage, validationFieldF1 } from './span-train-stage.js';

type StageOptions = RunTaskOptions & { emit: EventSink; last: number; resolved: ResolvedTeacher };

/** What `auto` decides before training anything: the span tagger does not fit (lm only, and why), or it fits (train both). */
function autoPlan(task: LoadedTask, examples: readonly LanguageModelExample[]): { fits: boolean; reason: string; spanShare: number } {
  const { fields, reason } = spanFieldsFor(task);
  if (fields === undefined) return { fits: false, reason: `the schema does not fit the span tagger: ${reason}`, spanShare: Number.NaN };
  const { values, placed, share } = spanShareOf(fields, examples.filter((example) => example.split === 'train'));
  const minimum = spanSettingsOf(task).minSpanShare;
  if (!(share >= minimum)) return { fits: false, reason: `${placed} of ${values} teacher values are word-aligned spans of the input, below student.span.minSpanShare ${minimum}`, spanShare: share };
  return { fits: true, reason: `${placed} of ${values} teacher values are word-aligned spans of the input`, spanShare: share };
}

/** Trains the student the task asks for (auto: chooses) and returns it as the evaluation sees it. */
async function trainStudent(task: LoadedTask, store: Store, examples: readonly LanguageModelExample[], result: RunTaskResult, options: StageOptions): Promise<EvaluatedStudent> {
  const { emit } = options;
  const force = options.retrain ?? false;
  const kind = task.spec.kind === 'extract' ? task.spec.student.kind : 'lm';
  if (kind === 'span') {
    result.spanTagger = await trainSpanStage(task, store, examples, result.paths, emit, { force, write: true });
    return evaluatedSpanStudent(result.spanTagger);
  }
  const plan = kind === 'auto' ? autoPlan(task, examples) : undefined;
  if (plan !== undefined && plan.fits) return chooseByValidation(task, store, examples, result, options, plan);
  result.languageModel = await trainLanguageModelStage(task, store, examples, result.paths, emit, force);
  const lm = evaluatedLanguageModel(task, result.languageModel);
  if (plan === undefined) return lm;
  const choice: StudentChoice = { chosen: 'lm', reason: plan.reason, spanShare: plan.spanShare, validationFieldF1: {} };
  emit({ type: 'stage-done', stage: 'train', summary: `student.kind auto chose lm: ${plan.reason}`, data: { choice } });
  return { ...lm, choice };
}

/** The store key of `auto`'s last choice, so that a rerun on the same data reuses the student it kept without training the other. */
const AUTO_STATE_KEY = 'train.auto';

/** A rerun of `auto`: the student it kept last time, when that one is reused unchanged (same data and settings); else undefined. */
async function reusedChoice(task: LoadedTask, store: Store, examples: readonly LanguageModelExample[], result: RunTaskResult, options: StageOptions): Promise<EvaluatedStudent | undefined> {
  const saved = await store.getState(AUTO_STATE_KEY);
  if (options.retrain === true || saved === undefined) return undefined;
  const choice = JSON.parse(saved) as StudentChoice;
  if (choice.chosen === 'span') {
    const span = await reuseSpanStage(task, store, examples, result.paths, options.emit);
    if (span === undefined) return undefined;
    result.spanTagger = span;
    return { ...evaluatedSpanStudent(span), choice };
  }
  const languageModel = await reuseLanguageModelStage(task, store, examples, result.paths, options.emit);
  if (languageModel === undefined) return undefined;
  result.languageModel = languageModel;
  return { ...evaluatedLanguageModel(task, languageModel), choice };
}

/** `auto` where the span tagger fits: trains both, keeps the one with the better validation field F1 (ties: the span tagger, smaller and faster). */
async function chooseByValidation(task: LoadedTask, store: Store, examples: readonly LanguageModelExample[], result: RunTaskResult, options: StageOptions, plan: { reason: string; spanShare: number }): Promise<EvaluatedStudent> {
  const { emit } = options;
  const force = options.retrain ?? false;
  const reused = await reusedChoice(task, store, examples, result, options);
  if (reused !== undefined) return reused;
  const span = await trainSpanStage(task, store, examples, result.paths, emit, { force, write: false });
  const languageModel = await trainLanguageModelStage(task, store, examples, result.paths, emit, force);
  const lm = evaluatedLanguageModel(task, languageModel);
  const validation = examples.filter((example) => example.split === 'val');
  const lmF1 = validationFieldF1(task, validation, (prompt) => lm.answer(prompt, task.spec.schema).text);
  const keepSpan = !(lmF1 > span.validationFieldF1);
  const scores = `validation field F1 span ${span.validationFieldF1.toFixed(3)}, lm ${lmF1.toFixed(3)} on ${validation.length} examples`;
  const choice: StudentChoice = { chosen: keepSpan ? 'span' : 'lm', reason: `${plan.reason}; ${scores}`, spanShare: plan.spanShare, validationFieldF1: { span: span.validationFieldF1, lm: lmF1 } };
  emit({ type: 'stage-done', stage: 'train', summary: `student.kind auto chose ${choice.chosen}: ${choice.reason}`, data: { choice } });
  if (keepSpan) await span.save?.();
  await store.setState(AUTO_STATE_KEY, JSON.stringify(choice));
  if (!keepSpan) {
    result.languageModel = languageModel;
    return { ...lm, choice };
  }
  result.spanTagger = span;
  return { ...evaluatedSpanStudent(span), choice };
}

/** Train and evaluate of extract and generate tasks. */
export async function runLanguageModelStages(
  task: LoadedTask, store: Store, records: readonly CuratedRecord[], generative: readonly GenerativeExample[], result: RunTaskResult, options: StageOptions,
): Promise<void> {
  const { emit, resolved } = options;
  const examples = languageModelExamples(task.spec.kind, generative, records);
  // Built before training, so that a missing key for the judge stops the run before hours of work.
  const judge = options.judge ?? (options.last >= STAGES.indexOf('evaluate') ? makeJudge(task, options.env) : undefined);
  const student = await trainStudent(task, store, examples, result, options).catch((error: unknown) => budgetStop(result, error));
  if (options.last < STAGES.indexOf('evaluate')) return;
  if (options.signal?.aborted === true) throw new RunStoppedError('The run was cancelled between stages; answers so far are saved.', 'aborted');
  result.generativeEvaluation = await evaluateGenerativeStudent(task, store, records, examples, student, resolved, result.paths, emit, {
    collection: result.collection, curation: result.curation, teacherLatencySamples: options.teacherLatencySamples ?? 0,
    ...(judge === undefined ? {} : { judge }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}
