/**
 * Everything `distillery route` needs before it listens: the task (its teacher, key and prices), the
 * student (or why there is none), and the threshold calibrated on the project's validation split,
 * written next to the project's report as route-calibration.{json,md}.
 */
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MissingKeyError, SetupError } from '../pipeline/errors.js';
import { isLoopbackURL } from '../pipeline/make-teacher.js';
import { projectPaths } from '../pipeline/project.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { readStudentPrompt } from '../student/file-format.js';
import { loadStudentFileOfAnyKind } from '../student/load-student.js';
import type { Student } from '../student/types.js';
import { loadTaskFile, type LoadedTask } from '../task/load.js';
import { resolvePrices } from '../teacher/prices.js';
import { UsageError } from '../util/errors.js';
import { calibrateBestSignal, calibrateThreshold, calibrationFragment, CONFIDENCE_SIGNALS, renderCalibrationMarkdown, splitPairs, type Calibration } from './calibrate.js';
import { generativeSplitPairs } from './generative-calibrate.js';
import type { RouteServerOptions } from './route-server.js';
import { generativeRouting, type GenerativeRouting } from './sequence-confidence.js';

/** The student as the route runs it: a classifier, or a language model with its routing settings. */
type RoutedStudent = Student | GenerativeRouting;

/** A route ready to start, and the lines its startup prints. */
export interface PreparedRoute {
  options: Omit<RouteServerOptions, 'host' | 'port'>;
  task: LoadedTask;
  /** Null when there is no student to calibrate. */
  calibration: Calibration | null;
  /** Where the calibration fragments were written; null with `calibration`. */
  files: { json: string; markdown: string } | null;
  /** Startup lines for people: who answers what, and why. */
  notes: string[];
}

/** The task file of a target: the file itself, or task.yaml in a project folder. */
function taskFileOf(target: string): string {
  if (/\.ya?ml$/i.test(target)) return target;
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory() !== true) throw new UsageError(`${target} is neither a task file (.yaml) nor a project folder`);
  const file = path.join(target, 'task.yaml');
  if (!existsSync(file)) throw new UsageError(`${target} has no task.yaml: pass the task file instead (the route needs the task's teacher)`);
  return file;
}

/** The teacher's key from the environment (null for a local teacher without one). */
function teacherKey(task: LoadedTask, env: NodeJS.ProcessEnv): string | null {
  const { apiKeyEnv, baseURL } = task.spec.teacher;
  if (apiKeyEnv === undefined) {
    if (isLoopbackURL(baseURL)) return null;
    throw new SetupError(`teacher.apiKeyEnv is not set, and ${baseURL} is not a local server: name the environment variable that holds the key`);
  }
  const value = env[apiKeyEnv]?.trim() ?? '';
  if (value === '') throw new MissingKeyError(`the teacher's key is missing: set the environment variable ${apiKeyEnv} (named by teacher.apiKeyEnv)`);
  return value;
}

/** The project's student for this task's kind, or null and the reason it cannot be used. */
function loadStudent(file: string, task: LoadedTask): { student: RoutedStudent | null; why: string | null } {
  if (!existsSync(file)) return { student: null, why: `no student file at ${file} (run \`distillery run\` first)` };
  let loaded: ReturnType<typeof loadStudentFileOfAnyKind>;
  try {
    loaded = loadStudentFileOfAnyKind(file);
  } catch (error) {
    return { student: null, why: `the student file ${file} cannot be loaded: ${(error as Error).message.split('\n')[0] ?? ''}` };
  }
  const { kind, schema } = task.spec;
  if (kind === 'classify') return loaded.family === 'classifier' ? { student: loaded.student, why: null } : { student: null, why: `the student file ${file} holds a ${loaded.family === 'span' ? 'span tagger' : 'language model'}, but this is a classify task` };
  // The span tagger has a confidence (its Viterbi margin) but no calibration, shadow or retraining path in route yet: say so rather than route on it.
  if (loaded.family === 'span') return { student: null, why: `the student file ${file} holds a span tagger (student.kind span), which route cannot use yet (serve it with \`distillery serve\`, or train student.kind: lm to route)` };
  if (loaded.family === 'classifier') return { student: null, why: `the student file ${file} holds a classifier (kind ${loaded.student.kind}), but this ${kind} task needs a language-model student` };
  return { student: generativeRouting(loaded.student, kind, schema, undefined), why: null };
}

/**
 * The threshold calibrated on the validation split: a classifier's on whichever confidence signal (top
 * probability, or margin over the second label) lets it answer more calls at the target; a language
 * model's on its sequence confidence.
 */
async function calibrateOnValidation(store: ReturnType<typeof openSqliteStore>, student: RoutedStudent, teacherModel: string, target: number): Promise<Calibration> {
  if (!('predict' in student)) return calibrateThreshold(await generativeSplitPairs(store, student, teacherModel, 'val'), target);
  const pairs = new Map(await Promise.all(CONFIDENCE_SIGNALS.map(async (signal) => [signal, await splitPairs(store, student, teacherModel, 'val', signal)] as const)));
  return calibrateBestSignal(pairs, target);
}

/** Loads the task and student and calibrates the threshold to `targetAgreement` on the validation split. */
export async function prepareRoute(target: string, targetAgreement: number, env: NodeJS.ProcessEnv = process.env): Promise<PreparedRoute> {
  if (!(targetAgreement > 0 && targetAgreement <= 1)) throw new UsageError(`--target-agreement must be a number in (0, 1], e.g. 0.98; got ${targetAgreement}`);
  const task = await loadTaskFile(taskFileOf(target));
  const { teacher } = task.spec;
  let prices: ReturnType<typeof resolvePrices>['prices'];
  try {
    prices = resolvePrices(teacher.model, task.spec.budget.prices, teacher.baseURL).prices;
  } catch (error) {
    throw new SetupError((error as Error).message);
  }
  const apiKey = teacherKey(task, env);
  const paths = projectPaths(task.projectDir);
  const { student, why } = loadStudent(paths.student, task);
  const base = { prompt: null, teacher: { baseUrl: teacher.baseURL, apiKey, timeoutMs: teacher.timeoutMs }, modelName: teacher.model, prices };
  if (student === null) {
    return { task, calibration: null, files: null, options: { ...base, student: null, threshold: null }, notes: [`every call goes to the teacher: ${why ?? ''}`] };
  }
  const store = openSqliteStore(paths.database);
  let calibration: Calibration;
  try {
    calibration = await calibrateOnValidation(store, student, teacher.model, targetAgreement);
  } finally {
    await store.close();
  }
  const files = { json: path.join(task.projectDir, 'route-calibration.json'), markdown: path.join(task.projectDir, 'route-calibration.md') };
  await writeFile(files.json, `${JSON.stringify(calibrationFragment(calibration), null, 2)}\n`);
  await writeFile(files.markdown, renderCalibrationMarkdown(calibration));
  const pick = calibration.point;
  const notes = pick === null
    ? [`every call goes to the teacher: ${calibration.reason ?? ''}; if the teacher is down, the student's best guess answers (x-distillery-route: student-fallback)`]
    : [`threshold ${pick.threshold.toFixed(4)}${calibration.signal === 'margin' ? ' on the margin between the top two label probabilities' : ''} (calibrated on ${calibration.examples} validation calls): the student answered ${(pick.coverage * 100).toFixed(1)}% of them at ${(pick.agreement * 100).toFixed(1)}% overall agreement with the teacher (target ${(targetAgreement * 100).toFixed(1)}%); curve in ${files.markdown}`];
  const prompt = readStudentPrompt(paths.student) ?? { messages: task.spec.prompt.messages.map(({ role, content }) => ({ role, content })) };
  return { task, calibration, files, options: { ...base, prompt, student, threshold: calibration.threshold, ...(calibration.signal === undefined ? {} : { confidenceSignal: calibration.signal }) }, notes };
}
