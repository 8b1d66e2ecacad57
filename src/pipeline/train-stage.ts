import { existsSync, readFileSync } from 'node:fs';
import { decodeStudentFile } from '../student/file-container.js';
import { createStudent } from '../student/registry.js';
import { loadStudentFile, readStudentPrompt, recordStudentPrompt, saveStudent, type StudentPrompt } from '../student/file-format.js';
import type { FitReport, Student, TrainingExample, TrainingSummary } from '../student/types.js';
import type { LoadedTask } from '../task/load.js';
import type { Store } from '../store/types.js';
import { contentHash } from '../util/hash.js';
import type { CuratedRecord } from './curate-stage.js';
import type { EventSink } from './events.js';
import { RunStoppedError } from './errors.js';
import type { ProjectPaths } from './project.js';

/** The trained student and how training went. */
export interface TrainOutcome {
  student: Student;
  /** This run's fit; null when an up-to-date saved student was reused. */
  fit: FitReport | null;
  /** How the student was trained: from this run's fit, or from the saved student's header when reused (null if it has none). */
  summary: TrainingSummary | null;
  /** True when the saved student was reused rather than trained by this run. */
  reused: boolean;
  trainExamples: number;
  validationExamples: number;
}

/** Turns curated records of one split into training examples (answers that name a label only). */
export function toExamples(records: readonly CuratedRecord[], split: CuratedRecord['split'], labels: readonly string[]): TrainingExample[] {
  const index = new Map(labels.map((label, position) => [label, position]));
  const examples: TrainingExample[] = [];
  for (const record of records) {
    const response = record.response;
    if (record.split !== split || response?.kind !== 'label' || response.label === null) continue;
    const label = index.get(response.label);
    if (label === undefined) continue;
    examples.push({ text: record.input.text, label, soft: response.distribution });
  }
  return examples;
}

/** The task's prompt as a student file records it (what `serve` inverts to find the input). */
function promptOfTask(task: LoadedTask): StudentPrompt {
  return { messages: task.spec.prompt.messages.map(({ role, content }) => ({ role, content })) };
}

/** Trains the student on the teacher's answers, or reuses the saved one if nothing changed. */
export async function trainStudent(
  task: LoadedTask,
  store: Store,
  records: readonly CuratedRecord[],
  paths: ProjectPaths,
  emit: EventSink,
  force = false,
): Promise<TrainOutcome> {
  const { spec } = task;
  const train = toExamples(records, 'train', spec.labels);
  const validation = toExamples(records, 'val', spec.labels);
  if (train.length < 2) {
    throw new RunStoppedError(`only ${train.length} labelled training examples: collect more answers before training`, 'no-data');
  }
  // `pretrain: inputs` learns from the unanswered inputs too, so they are part of what the student was trained on.
  const unlabelledTexts = records.filter((record) => record.split !== 'test' && record.response?.kind !== 'label').map((record) => record.input.text);
  const fingerprint = contentHash({ settings: spec.student, labels: spec.labels, train, validation, ...(spec.student.pretrain === 'inputs' ? { unlabelledTexts } : {}) });
  if (!force && existsSync(paths.student) && (await store.getState('train.fingerprint')) === fingerprint) {
    emit({ type: 'stage-skip', stage: 'train', reason: 'the saved student was trained on the same data and settings' });
    // Files from before the prompt was recorded (or after an edit of the prompt alone) get the task's prompt now.
    const prompt = promptOfTask(task);
    if (JSON.stringify(readStudentPrompt(paths.student)) !== JSON.stringify(prompt)) await recordStudentPrompt(paths.student, prompt);
    const saved = savedStudent(paths.student);
    return { ...saved, fit: null, reused: true, trainExamples: train.length, validationExamples: validation.length };
  }
  emit({ type: 'stage-start', stage: 'train', detail: `${spec.student.kind} student on ${train.length} examples (${validation.length} for validation)` });
  const student = createStudent(spec.student.kind, spec.labels, spec.student);
  const fit = student.fit(train, validation.length > 0 ? validation : train, {
    onEpoch: (report) => emit({ type: 'epoch', report, maxEpochs: spec.student.epochs }),
    // `pretrain: inputs` also learns from the inputs nobody paid an answer for (never the test split's).
    unlabelledTexts,
  });
  await saveStudent(student, paths.student, { prompt: promptOfTask(task) });
  await store.setState('train.fingerprint', fingerprint);
  const best = fit.epochs.find((epoch) => epoch.epoch === fit.bestEpoch);
  emit({
    type: 'stage-done',
    stage: 'train',
    summary: `${describeCandidates(fit)}best epoch ${fit.bestEpoch}/${fit.epochs.length}${fit.stoppedEarly ? ' (early stop)' : ''}, validation agreement ${((best?.validationAgreement ?? 0) * 100).toFixed(1)}%, ${fit.seconds.toFixed(1)} s`,
    data: { ...fit, epochs: fit.epochs.length },
  });
  const summary: TrainingSummary = {
    bestEpoch: fit.bestEpoch, epochsRun: fit.epochs.length, stoppedEarly: fit.stoppedEarly, validationLoss: best?.validationLoss ?? Number.NaN,
    validationAgreement: best?.validationAgreement ?? Number.NaN, trainExamples: train.length, validationExamples: validation.length,
    seconds: fit.seconds, examplesPerSecond: fit.examplesPerSecond,
  };
  return { student, fit, summary, reused: false, trainExamples: train.length, validationExamples: validation.length };
}

/** For `kind: auto`, the candidates' validation agreements and the pick, e.g. "auto: ngram 90.1%, *bag-mlp[64] 93.0%; ". */
function describeCandidates(fit: FitReport): string {
  if (!fit.candidates) return '';
  const parts = fit.candidates.map((candidate) => `${candidate.chosen ? '*' : ''}${candidate.name} ${(candidate.validationAgreement * 100).toFixed(1)}%`);
  return `auto (validation agreement, * = picked): ${parts.join(', ')}; `;
}

/** Loads the saved student with the training summary its header keeps, so a rerun still reports how it was trained. */
function savedStudent(file: string): { student: Student; summary: TrainingSummary | null } {
  const student = loadStudentFile(file);
  const training = decodeStudentFile(readFileSync(file)).header['training'] as Partial<TrainingSummary> | null | undefined;
  const complete = training !== null && training !== undefined && typeof training.bestEpoch === 'number' && typeof training.epochsRun === 'number';
  return { student, summary: complete ? (training as TrainingSummary) : null };
}
