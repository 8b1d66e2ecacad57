/**
 * `continual` (section production): agreement over time as escalations retrain a student that started
 * from 10% of the data. The demo project's training split (answers of the real demo teacher, VS Code's
 * language detector) is shuffled; a student is fitted on the first 10% and put behind the route's
 * logic, calibrated to 98% overall agreement on the validation split; the other 90% arrive as traffic.
 * A call the student is not confident about is escalated: the teacher's stored answer for it (what the
 * teacher answered the demo, replayed rather than asked again) goes to the route's ContinualLearner,
 * which retrains every N escalations and promotes a student only when it is not worse on the
 * validation split plus its shadow sample. After each retrain, the student answering is scored on the
 * test split, which no student ever trains on.
 */
import { parseTaskSpec } from '../src/task/load.js';
import { lineChart } from '../src/eval/charts.js';
import { projectPaths } from '../src/pipeline/project.js';
import { calibrateOn, ContinualLearner, type StudentSlot } from '../src/route/continual.js';
import { projectExamples } from '../src/route/project-examples.js';
import { openSqliteStore } from '../src/store/sqlite-store.js';
import { createStudent } from '../src/student/registry.js';
import type { Student, TrainingExample } from '../src/student/types.js';
import { LANGUAGE_LABELS } from '../src/demo/language-labels.js';
import { createRandom, shuffleInPlace } from '../src/util/random.js';
import { metric } from './load/measure.js';
import type { BenchOptions } from './options.js';
import { demoProject } from './route-demo.js';
import { format, writeChart, type BenchmarkEntry } from './report.js';

const TARGET_AGREEMENT = 0.98;
const START_SHARE = 0.1;
const DEMO_TEACHER_MODEL = 'vscode-languagedetection';

/** The route at a moment: the student alone on test, and the route at its threshold (coverage, overall agreement). */
interface Moment { calls: number; escalations: number; generation: number; studentAgreement: number; coverage: number; routeAgreement: number }

/** Scores the slot's student on the test split, alone and as the route would use it. */
function measure(slot: StudentSlot, test: readonly TrainingExample[], labels: readonly string[]): Omit<Moment, 'calls' | 'escalations' | 'generation'> {
  let agreeing = 0;
  let answered = 0;
  let answeredAgreeing = 0;
  for (const example of test) {
    const prediction = (slot.student as Student).predict(example.text);
    const agrees = prediction.label === labels[example.label];
    if (agrees) agreeing++;
    if (slot.threshold !== null && (prediction.probabilities[prediction.index] ?? 0) >= slot.threshold) {
      answered++;
      if (agrees) answeredAgreeing++;
    }
  }
  return { studentAgreement: agreeing / test.length, coverage: answered / test.length, routeAgreement: (answeredAgreeing + test.length - answered) / test.length };
}

/** A student fitted in this process (the route fits on a worker thread; the fit is the same). */
function fitNow(kind: string, labels: readonly string[], settings: ReturnType<typeof parseTaskSpec>['student'], train: TrainingExample[], validation: TrainingExample[]): Student {
  const student = createStudent(kind, labels, settings);
  student.fit(train, validation);
  return student;
}

/** Calibrates `student`'s threshold on `validation` to the target. */
function thresholdOf(student: Student, validation: readonly TrainingExample[], labels: readonly string[]): number | null {
  return calibrateOn(student, validation, labels, TARGET_AGREEMENT).threshold;
}

/** Runs the simulation on the demo project and returns the `continual` entry. */
export async function continualEntry(options: BenchOptions): Promise<BenchmarkEntry> {
  const directory = await demoProject(options);
  const labels = [...LANGUAGE_LABELS];
  const store = openSqliteStore(projectPaths(directory).database);
  let splits: Awaited<ReturnType<typeof projectExamples>>;
  try {
    splits = await projectExamples(store, labels, DEMO_TEACHER_MODEL);
  } finally {
    await store.close();
  }
  const settings = parseTaskSpec(`name: x\nteacher:\n  baseURL: http://127.0.0.1:1/v1\n  model: m\nprompt:\n  messages:\n    - role: user\n      content: "{{text}}"\nlabels: [${labels.join(', ')}]\ninputs:\n  path: x.jsonl\nbudget:\n  maxUSD: 1\nstudent:\n  kind: ngram\n`).student;
  const train = [...splits.train];
  shuffleInPlace(train, createRandom(7));
  const startCount = Math.round(train.length * START_SHARE);
  const start = train.slice(0, startCount);
  const traffic = train.slice(startCount);
  // Quick mode retrains 4 times instead of 12, so that CI stays short.
  const retrainEvery = Math.max(50, Math.round(traffic.length / (options.quick ? 4 : 12)));
  const first = fitNow('ngram', labels, settings, start, splits.validation);
  const slot: StudentSlot = { student: first, threshold: thresholdOf(first, splits.validation, labels), generation: 0 };
  const learner = new ContinualLearner({
    kind: 'ngram', labels, settings, base: { train: start, validation: splits.validation }, retrainEvery, targetAgreement: TARGET_AGREEMENT,
    fit: async (request) => { const began = performance.now(); return { student: fitNow(request.kind, request.labels, request.settings, request.train, request.validation), seconds: (performance.now() - began) / 1000 }; },
    escalationsFile: null, studentFile: null, prompt: null, drift: null, log: (line) => process.stderr.write(`  ${line.replace('distillery route: ', '')}\n`),
  }, slot);
  const timeline: Moment[] = [{ calls: 0, escalations: 0, generation: 0, ...measure(slot, splits.test, labels) }];
  let escalations = 0;
  for (const [index, example] of traffic.entries()) {
    const prediction = (slot.student as Student).predict(example.text);
    if (slot.threshold !== null && (prediction.probabilities[prediction.index] ?? 0) >= slot.threshold) continue;
    escalations++;
    const retrains = learner.history.length;
    learner.addEscalation({ text: example.text, label: labels[example.label] as string, distribution: example.soft === undefined || example.soft === null ? null : Array.from(example.soft) });
    await learner.idle();
    if (learner.history.length > retrains) timeline.push({ calls: index + 1, escalations, generation: slot.generation, ...measure(slot, splits.test, labels) });
  }
  timeline.push({ calls: traffic.length, escalations, generation: slot.generation, ...measure(slot, splits.test, labels) });
  const ceilingStudent = fitNow('ngram', labels, settings, train, splits.validation);
  const ceiling = measure({ student: ceilingStudent, threshold: thresholdOf(ceilingStudent, splits.validation, labels), generation: 0 }, splits.test, labels);
  const startMoment = timeline[0] as Moment;
  const end = timeline.at(-1) as Moment;
  const chart = writeChart('continual.svg', lineChart([
    { name: 'continual: student alone on test', points: timeline.map((moment) => ({ x: moment.calls, y: moment.studentAgreement })) },
    { name: 'continual: share the route answers locally', points: timeline.map((moment) => ({ x: moment.calls, y: moment.coverage })), dashed: true },
    { name: 'trained on all the answers at once', points: [{ x: 0, y: ceiling.studentAgreement }, { x: traffic.length, y: ceiling.studentAgreement }], dashed: true },
  ], 'Continual learning behind the route: a student that started from 10% of the answers', {
    xLabel: 'calls served', yLabel: 'agreement with the teacher / share answered locally', yRange: [0, 1],
    yFormat: (value) => `${Math.round(value * 100)}%`,
  }), 'test agreement and local share against calls served');
  const table = [
    '| calls served | escalations (teacher calls) | generation | student alone on test | answered locally (test) | route overall agreement (test) |', '|---|---|---|---|---|---|',
    ...timeline.map((moment) => `| ${moment.calls} | ${moment.escalations} | ${moment.generation} | ${format(moment.studentAgreement * 100)}% | ${format(moment.coverage * 100)}% | ${format(moment.routeAgreement * 100)}% |`),
  ].join('\n');
  return {
    id: 'continual', title: 'Continual learning: agreement over time as escalations retrain a student that started from 10% of the data', command: options.command, repeats: 1,
    dataset: `\`distillery demo\`'s project: ${train.length} training answers of the demo teacher (${startCount} to start, ${traffic.length} as traffic), ${splits.validation.length} validation, ${splits.test.length} test`,
    settings: `ngram student (task defaults); route calibrated to ${TARGET_AGREEMENT * 100}% overall agreement on validation; retrain every ${retrainEvery} escalations; promotion when not worse on validation + shadow sample (a fifth of escalations, by hash); escalated calls answered by the teacher's stored answer (replayed, not asked again)`,
    peerName: 'a student trained on all the training answers at once', oursName: 'the route\'s student after the traffic',
    metrics: [
      metric('student alone: agreement on test at the end', '%', 'higher', [end.studentAgreement * 100], [ceiling.studentAgreement * 100]),
      metric('student alone: agreement on test at the start', '%', 'higher', [startMoment.studentAgreement * 100], null),
      metric('answered locally at the end (test)', '%', 'higher', [end.coverage * 100], [ceiling.coverage * 100]),
      metric('route overall agreement at the end (test)', '%', 'higher', [end.routeAgreement * 100], [ceiling.routeAgreement * 100]),
      metric('teacher calls paid (escalations) against answers the full student used', 'calls', 'lower', [escalations], [train.length]),
    ],
    body: `${chart}\n\n${table}`,
    notes: [
      `From ${format(startMoment.studentAgreement * 100)}% to ${format(end.studentAgreement * 100)}% agreement on test after ${learner.history.length} retrains (${learner.history.filter((report) => report.promoted).length} promoted), with ${escalations} teacher calls for the ${traffic.length} calls served; the student trained on all ${train.length} answers at once reaches ${format(ceiling.studentAgreement * 100)}%.`,
      'Escalations are the calls the student was least sure of, so the examples it learns from are the hard ones, not a random sample; the validation split stays random and is what each promotion is calibrated on.',
    ],
    extra: { timeline, ceiling, retrainEvery, history: learner.history },
  };
}
