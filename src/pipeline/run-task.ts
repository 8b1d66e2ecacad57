import { openSqliteStore } from '../store/sqlite-store.js';
import type { CollectSummary } from '../collect/collector.js';
import type { LoadedTask } from '../task/load.js';
import type { InputRecord, ResponseRecord, Store } from '../store/types.js';
import { buildMessages } from '../task/template.js';
import { requestKey } from '../teacher/tokens.js';
import { collectAnswers } from './collect-stage.js';
import { collectActiveAnswers } from './active-collect-stage.js';
import { RunStoppedError, SetupError } from './errors.js';
import { answerReader, kindOf } from '../task/task-kind.js';
import { rereadResponse } from '../collect/reread.js';
import { curate } from './curate-stage.js';
import type { GenerativeCurationSummary } from './curate-generative-stage.js';
import { evaluate, type EvaluationOutcome } from './evaluate-stage.js';
import { STAGES, type EventSink, type Stage } from './events.js';
import { importInputs } from './import-stage.js';
import { makeTeacher, type ResolvedTeacher } from './make-teacher.js';
import { ensureProject, projectPaths, type ProjectPaths } from './project.js';
import { lockProject } from './project-lock.js';
import { trainStudent, type TrainOutcome } from './train-stage.js';
import type { GenerativeEvaluationOutcome } from './lm-evaluate-stage.js';
import type { LanguageModelTrainOutcome } from './lm-train-stage.js';
import type { SpanTrainOutcome } from './span-train-stage.js';

/** Options of one `distillery run`. */
export interface RunTaskOptions {
  task: LoadedTask;
  /** Run the stages up to and including this one (default: all). */
  until?: Stage;
  /** Retrain even when the saved student matches the data and settings. */
  retrain?: boolean;
  /** Send again the requests whose billed answer could not be used in an earlier run (they are paid again). */
  retryFailed?: boolean;
  emit?: EventSink;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Use this teacher instead of the one the task file names (tests, the demo). */
  teacher?: ResolvedTeacher;
  /** Use this judge instead of the one `evaluate.judge` names (tests); extract and generate tasks only. */
  judge?: ResolvedTeacher;
  /** Time this many teacher calls one at a time during evaluate (real calls, billed by a paid teacher); default 0: as collected. */
  teacherLatencySamples?: number;
}

/** What a run produced; parts are missing when it stopped early. */
export interface RunTaskResult {
  paths: ProjectPaths;
  inputs: number;
  collection: CollectSummary | null;
  training: TrainOutcome | null;
  evaluation: EvaluationOutcome | null;
  /** Extract and generate tasks: what curation filtered, decontaminated and exported. */
  curation: GenerativeCurationSummary | null;
  /** Extract and generate tasks: the language-model student's training (classify: `training`). */
  languageModel: LanguageModelTrainOutcome | null;
  /** The span-tagger student of an extract task (student.kind span, or auto when it kept the span tagger). */
  spanTagger: SpanTrainOutcome | null;
  /** Extract and generate tasks: the evaluation of the language-model student (classify: `evaluation`). */
  generativeEvaluation: GenerativeEvaluationOutcome | null;
  /** True when collection stopped at the budget and later stages used only what was bought. */
  budgetStopped: boolean;
}

/** Runs collect → curate → train → evaluate; every stage resumes from what the store already holds. */
export async function runTask(options: RunTaskOptions): Promise<RunTaskResult> {
  const { task } = options;
  const emit: EventSink = options.emit ?? (() => {});
  const last = STAGES.indexOf(options.until ?? 'evaluate');
  if (last >= STAGES.indexOf('train')) checkTrainable(task);
  const resolved = options.teacher ?? makeTeacher(task.spec, options.env);
  const paths = projectPaths(task.projectDir);
  await ensureProject(paths);
  const unlock = lockProject(paths.root);
  let store: Store;
  try {
    store = openSqliteStore(paths.database);
  } catch (error) {
    unlock();
    throw error;
  }
  const result: RunTaskResult = { paths, inputs: 0, collection: null, training: null, evaluation: null, curation: null, languageModel: null, spanTagger: null, generativeEvaluation: null, budgetStopped: false };
  try {
    const inputs = await importInputs(task, store, emit, resolved);
    result.inputs = inputs.length;
    if (last < STAGES.indexOf('collect')) return result;
    const collectStage = task.spec.collect.selection === 'active' ? collectActiveAnswers : collectAnswers;
    result.collection = await collectStage(task, store, inputs, resolved, emit, options.signal, options.retryFailed === true);
    result.budgetStopped = result.collection.stopReason === 'budget';
    if (last < STAGES.indexOf('curate')) return result;
    stopIfAborted(options.signal);
    const answers = await answersFor(task, store, resolved, inputs);
    const { records: curated, curation, generative } = await curate(task, store, inputs, answers, paths, emit);
    result.curation = curation;
    if (last < STAGES.indexOf('train')) return result;
    stopIfAborted(options.signal);
    if (generative !== null) {
      // Loaded only for these kinds: the language-model student is a large import that classify runs never need.
      const { runLanguageModelStages } = await import('./lm-stages.js');
      await runLanguageModelStages(task, store, curated, generative, result, { ...options, emit, last, resolved });
      return result;
    }
    result.training = await trainStudent(task, store, curated, paths, emit, options.retrain ?? false).catch((error: unknown) => budgetStop(result, error));
    if (last < STAGES.indexOf('evaluate')) return result;
    stopIfAborted(options.signal);
    result.evaluation = await evaluate(task, store, curated, result.training, resolved, paths, emit, {
      collection: result.collection, inputCount: inputs.length, teacherLatencySamples: options.teacherLatencySamples ?? 0,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return result;
  } finally {
    await store.close();
    unlock();
  }
}

/** Too little data because the budget ran out is a budget stop, and the user should hear it as one. */
export function budgetStop(result: RunTaskResult, error: unknown): never {
  if (result.budgetStopped && error instanceof RunStoppedError && error.reason === 'no-data') {
    throw new RunStoppedError(`${result.collection?.message ?? 'stopped at the budget'}\n${error.message}`, 'budget');
  }
  throw error;
}

/**
 * Stops, before anything is spent, a run that would train a student the task's kind cannot use (the
 * task file's validation already refuses these; a task built in code may still name one).
 */
function checkTrainable(task: LoadedTask): void {
  const kind = kindOf(task.spec);
  const family = task.spec.student.kind;
  const fits = kind.name === 'classify' ? family !== 'lm' && family !== 'span' : kind.studentFamilies.includes(family);
  if (fits) return;
  throw new SetupError(`${kind.name} tasks train the ${kind.name === 'classify' ? 'ngram, bag-mlp, auto or mlp' : kind.studentFamilies.join(' or ')} student, not student.kind ${family}`);
}

/** Between stages, a cancelled run stops rather than starting the next (training and scoring cannot be interrupted midway). */
function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new RunStoppedError('The run was cancelled between stages; answers so far are saved.', 'aborted');
}

/** The cached answer for each input under the current teacher settings. */
async function answersFor(task: LoadedTask, store: Store, resolved: ResolvedTeacher, inputs: readonly InputRecord[]): Promise<Map<string, ResponseRecord>> {
  const answers = new Map<string, ResponseRecord>();
  // Read with today's reader: a change in how answers are read applies to every stored completion, unpaid.
  const reader = answerReader(task.spec);
  for (const input of inputs) {
    const response = await store.getResponse(requestKey(resolved.teacher, buildMessages(task.spec, input.text, input.fields)));
    if (response) answers.set(input.id, rereadResponse(response, reader));
  }
  return answers;
}
