/** The train and evaluate stages of extract and generate tasks (loaded by run-task.ts only for those kinds). */
import type { GenerativeExample } from '../data/generative-example.js';
import type { Store } from '../store/types.js';
import type { LoadedTask } from '../task/load.js';
import type { CuratedRecord } from './curate-stage.js';
import { RunStoppedError } from './errors.js';
import { STAGES, type EventSink } from './events.js';
import { makeJudge } from './judge-stage.js';
import { languageModelExamples } from './lm-examples.js';
import { evaluateLanguageModel } from './lm-evaluate-stage.js';
import { trainLanguageModelStage } from './lm-train-stage.js';
import type { ResolvedTeacher } from './make-teacher.js';
import { budgetStop, type RunTaskOptions, type RunTaskResult } from './run-task.js';

/** Train and evaluate of extract and generate tasks: the language-model student. */
export async function runLanguageModelStages(
  task: LoadedTask, store: Store, records: readonly CuratedRecord[], generative: readonly GenerativeExample[], result: RunTaskResult,
  options: RunTaskOptions & { emit: EventSink; last: number; resolved: ResolvedTeacher },
): Promise<void> {
  const { emit, resolved } = options;
  const examples = languageModelExamples(task.spec.kind, generative, records);
  // Built before training, so that a missing key for the judge stops the run before hours of work.
  const judge = options.judge ?? (options.last >= STAGES.indexOf('evaluate') ? makeJudge(task, options.env) : undefined);
  result.languageModel = await trainLanguageModelStage(task, store, examples, result.paths, emit, options.retrain ?? false).catch((error: unknown) => budgetStop(result, error));
  if (options.last < STAGES.indexOf('evaluate')) return;
  if (options.signal?.aborted === true) throw new RunStoppedError('The run was cancelled between stages; answers so far are saved.', 'aborted');
  result.generativeEvaluation = await evaluateLanguageModel(task, store, records, examples, result.languageModel, resolved, result.paths, emit, {
    collection: result.collection, curation: result.curation, teacherLatencySamples: options.teacherLatencySamples ?? 0,
    ...(judge === undefined ? {} : { judge }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

