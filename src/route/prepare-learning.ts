/**
 * Setting up the route's continual learning (`--retrain-every N`): the project's splits as the base
 * training data, escalations kept in `route-escalations.jsonl` in the project folder (read back after
 * a restart), retrains on a worker thread, promoted students written over the project's student.
 */
import path from 'node:path';
import { projectPaths } from '../pipeline/project.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { TrainingExample } from '../student/types.js';
import { answerReader } from '../task/task-kind.js';
import { readSafely } from '../task/kinds/read-safely.js';
import { mapChatCompletion } from '../teacher/openai-response.js';
import { UsageError } from '../util/errors.js';
import { fitInBackground } from './background-fit.js';
import { ContinualLearner, expectationsOf } from './continual.js';
import { DriftMonitor } from './drift.js';
import type { PreparedRoute } from './prepare.js';
import { projectExamples } from './project-examples.js';
import { RouteLearning, type TeacherAnswerReader } from './route-learning.js';

/** The continual-learning settings of `distillery route`. */
export interface LearningSettings {
  retrainEvery: number;
  targetAgreement: number;
  /** Share of student-answered calls also asked of the teacher. */
  shadowRate: number;
  /** Calls in the drift window. */
  driftWindow: number;
  log?: (line: string) => void;
}

/** The escalations file of a project. */
export function escalationsFileOf(projectDir: string): string {
  return path.join(projectDir, 'route-escalations.jsonl');
}

/** Reads a teacher's chat completion with the task's own answer reader; null unless it names one of the labels. */
function teacherReader(prepared: PreparedRoute): TeacherAnswerReader {
  const read = answerReader(prepared.task.spec);
  return (body) => {
    try {
      const completion = mapChatCompletion(body, { messages: [], askedForLogprobs: false, requestId: null, warnings: [] });
      const answer = readSafely(read, completion);
      return answer.kind === 'label' && answer.label !== null ? { label: answer.label, distribution: answer.distribution } : null;
    } catch {
      return null;
    }
  };
}

/** The route's learning side for a prepared route; a route without a student cannot learn (there is nothing to retrain from). */
export async function prepareLearning(prepared: PreparedRoute, settings: LearningSettings): Promise<RouteLearning> {
  const { student, threshold, prompt, teacher } = prepared.options;
  if (student === null) throw new UsageError('--retrain-every needs a student to start from: run `distillery run` first');
  if (!('predict' in student)) throw new UsageError('--retrain-every retrains classifier students for now; a language-model student is routed but not retrained');
  if (!(Number.isInteger(settings.retrainEvery) && settings.retrainEvery > 0)) throw new UsageError(`--retrain-every must be a positive whole number of calls; got ${settings.retrainEvery}`);
  const { spec, projectDir } = prepared.task;
  const paths = projectPaths(projectDir);
  const store = openSqliteStore(paths.database);
  let base: { train: TrainingExample[]; validation: TrainingExample[] };
  try {
    const { train, validation } = await projectExamples(store, spec.labels, spec.teacher.model);
    base = { train, validation };
  } finally {
    await store.close();
  }
  const log = settings.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const drift = new DriftMonitor(expectationsOf(student, threshold, base.validation, spec.labels), { window: settings.driftWindow, log });
  const learner = new ContinualLearner({
    kind: spec.student.kind, labels: spec.labels, settings: spec.student, base, retrainEvery: settings.retrainEvery, targetAgreement: settings.targetAgreement,
    fit: fitInBackground, escalationsFile: escalationsFileOf(projectDir), studentFile: paths.student, prompt: prompt ?? null, drift, log,
  }, { student, threshold, generation: 0 });
  return new RouteLearning({ learner, drift, shadowRate: settings.shadowRate, teacher, readAnswer: teacherReader(prepared), log });
}
