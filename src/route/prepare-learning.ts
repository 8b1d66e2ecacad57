/**
 * Setting up the route's continual learning (`--retrain-every N`): the project's splits as the base
 * training data, escalations kept in `route-escalations.jsonl` in the project folder (read back after
 * a restart), retrains on a worker thread, promoted students written over the project's student.
 */
import path from 'node:path';
import { projectPaths } from '../pipeline/project.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { TrainingExample } from '../student/types.js';
import { languageModelSettingsSchema } from '../task/student-kind-settings.js';
import { jsonText } from '../task/kinds/extract.js';
import { answerReader } from '../task/task-kind.js';
import { readSafely } from '../task/kinds/read-safely.js';
import { mapChatCompletion } from '../teacher/openai-response.js';
import { UsageError } from '../util/errors.js';
import { fitInBackground } from './background-fit.js';
import { generativeExpectations, GenerativeLearner } from './generative-continual.js';
import { fitGenerativeInBackground } from './generative-fit.js';
import { answersAgree, generativeRouting, type GenerativeRouting } from './sequence-confidence.js';
import { ContinualLearner, expectationsOf } from './continual.js';
import { DriftMonitor } from './drift.js';
import { labelKeeper, RouteLearning, type AnswerKeeper, type TeacherAnswerReader } from './route-learning.js';
import type { PreparedRoute } from './prepare.js';
import { generativeProjectExamples, projectExamples } from './project-examples.js';


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
  if (!(Number.isInteger(settings.retrainEvery) && settings.retrainEvery > 0)) throw new UsageError(`--retrain-every must be a positive whole number of calls; got ${settings.retrainEvery}`);
  if (!('predict' in student)) return prepareGenerativeLearning(prepared, student, settings);
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
  const signal = prepared.options.confidenceSignal ?? 'top-probability';
  const drift = new DriftMonitor(expectationsOf(student, threshold, base.validation, spec.labels, signal), { window: settings.driftWindow, log });
  const learner = new ContinualLearner({
    kind: spec.student.kind, labels: spec.labels, settings: spec.student, base, retrainEvery: settings.retrainEvery, targetAgreement: settings.targetAgreement,
    fit: fitInBackground, escalationsFile: escalationsFileOf(projectDir), studentFile: paths.student, prompt: prompt ?? null, drift, signal, log,
  }, { student, threshold, generation: 0 });
  return new RouteLearning({ learner, drift, shadowRate: settings.shadowRate, teacher, keeper: labelKeeper(learner, teacherReader(prepared)), log });
}

/** Most optimiser steps of one language-model retrain: it starts from the current weights, not from scratch. */
const GENERATIVE_RETRAIN_STEPS = 200;

/** The teacher's completion text as the language-model student learns it (extract: the JSON, unfenced); null without one. */
function completionKeeper(learner: GenerativeLearner, kind: 'extract' | 'generate', validate: GenerativeRouting['validate']): AnswerKeeper {
  return {
    keep(input, body, heldOut) {
      let text: string;
      try {
        const completion = mapChatCompletion(body, { messages: [], askedForLogprobs: false, requestId: null, warnings: [] });
        if (completion.finishReason === 'length') return null;
        text = kind === 'extract' ? jsonText(completion.text) : completion.text;
      } catch {
        return null;
      }
      if (text.trim() === '') return null;
      learner.addEscalation({ text: input, answer: text, ...(heldOut ? { heldOut: true } : {}) });
      return text;
    },
    agrees: (studentAnswer, teacherAnswer) => answersAgree(validate, studentAnswer, teacherAnswer),
  };
}

/** The learning side for a language-model student (extract, generate): retrains continue its weights on a worker thread. */
async function prepareGenerativeLearning(prepared: PreparedRoute, routing: GenerativeRouting, settings: LearningSettings): Promise<RouteLearning> {
  const { threshold, prompt, teacher } = prepared.options;
  const { spec, projectDir } = prepared.task;
  const kind = spec.kind === 'extract' ? 'extract' : 'generate';
  const paths = projectPaths(projectDir);
  const store = openSqliteStore(paths.database);
  let base: Awaited<ReturnType<typeof generativeProjectExamples>>;
  try {
    base = await generativeProjectExamples(store, kind, spec.teacher.model);
  } finally {
    await store.close();
  }
  const lm = spec.student.lm ?? languageModelSettingsSchema.parse({});
  const log = settings.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const drift = new DriftMonitor(generativeExpectations(routing, threshold, base.validation), { window: settings.driftWindow, log });
  const steps = Math.min(lm.steps ?? GENERATIVE_RETRAIN_STEPS, GENERATIVE_RETRAIN_STEPS);
  const learner = new GenerativeLearner({
    routingOf: (student) => generativeRouting(student, kind, spec.schema, undefined), metric: kind === 'extract' ? 'field-f1' : 'chrf',
    base, retrainEvery: settings.retrainEvery, targetAgreement: settings.targetAgreement, fit: (request) => fitGenerativeInBackground(request),
    training: { steps, batchSize: lm.batchSize, learningRate: lm.learningRate, warmupSteps: Math.min(lm.warmupSteps ?? 10, steps), evaluateEvery: Math.min(lm.evaluateEvery, steps), patience: lm.patience, seed: spec.student.seed },
    storage: lm.storage, escalationsFile: escalationsFileOf(projectDir), studentFile: paths.student, prompt: prompt ?? null, drift, log,
  }, { student: routing, threshold, generation: 0 });
  return new RouteLearning({ learner, drift, shadowRate: settings.shadowRate, teacher, keeper: completionKeeper(learner, kind, routing.validate), log });
}
