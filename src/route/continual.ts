/**
 * Continual learning behind the route. Every call the route escalates comes back with the teacher's
 * answer: a training example production paid for anyway. A deterministic fifth of them (by the text's
 * hash) is held out as the shadow sample; every `retrainEvery` new training examples, a student is
 * fitted in the background on the project's training split plus the escalations, scored against the
 * current one on the project's validation split plus the shadow sample, and promoted only if it is not
 * worse. A promoted student's threshold is calibrated again on the validation split, its file replaces
 * the project's student atomically, and the drift monitor starts from its new expectations. The
 * bookkeeping is learner.ts's, shared with language-model students (generative-continual.ts).
 */
import type { Student, TrainingExample } from '../student/types.js';
import type { StudentSettings } from '../task/schema.js';
import type { BackgroundFit, RetrainRequest } from './background-fit.js';
import { calibrateThreshold, classifierConfidence, type Calibration, type ConfidenceSignal } from './calibrate.js';
import type { DriftExpectations } from './drift.js';
import { expectationsAt, Learner, type LearnerOptions, type LearnerSlot } from './learner.js';

export type { RetrainReport } from './learner.js';

/** A call the teacher answered: the input and the teacher's label (and distribution, when it gave one). */
export interface Escalation {
  text: string;
  label: string;
  distribution: number[] | null;
  /** A shadow call (the student answered, the teacher was asked too): held out, never trained on. */
  heldOut?: boolean;
}

/** The student the route answers with, and its threshold; replaced when a retrained student is promoted. */
export type StudentSlot = LearnerSlot<Student>;

/** How the learner works. */
export interface ContinualOptions extends LearnerOptions<TrainingExample> {
  kind: string;
  labels: readonly string[];
  settings: StudentSettings;
  /** Fits a student off the request path (a worker thread in the route). */
  fit: (request: RetrainRequest) => Promise<BackgroundFit>;
  /** The confidence signal the route's threshold applies to (default top probability): a promoted student is calibrated on it too. */
  signal?: ConfidenceSignal;
}

/** Agreement of `student` with the teacher's labels on `examples` (0 for no student, NaN for no examples). */
function agreementOn(student: Student | null, examples: readonly TrainingExample[], labels: readonly string[]): number {
  if (examples.length === 0) return Number.NaN;
  if (student === null) return 0;
  let agreeing = 0;
  for (const example of examples) if (student.predict(example.text).label === labels[example.label]) agreeing++;
  return agreeing / examples.length;
}

/** (confidence, agreement) pairs of `student` on examples labelled by the teacher. */
function pairsOn(student: Student, examples: readonly TrainingExample[], labels: readonly string[], signal: ConfidenceSignal) {
  return examples.map((example) => {
    const prediction = student.predict(example.text);
    return { confidence: classifierConfidence(prediction.probabilities, prediction.index, signal), agrees: prediction.label === labels[example.label] };
  });
}

/** Calibrates `student`'s threshold to `target` on examples labelled by the teacher. */
export function calibrateOn(student: Student, examples: readonly TrainingExample[], labels: readonly string[], target: number, signal: ConfidenceSignal = 'top-probability'): Calibration {
  return { ...calibrateThreshold(pairsOn(student, examples, labels, signal), target), signal };
}

/** The calibration expectations of a student at a threshold, for the drift monitor. */
export function expectationsOf(student: Student | null, threshold: number | null, validation: readonly TrainingExample[], labels: readonly string[], signal: ConfidenceSignal = 'top-probability'): DriftExpectations {
  if (student === null || threshold === null || validation.length === 0) return { escalationRate: null, shadowAgreement: null };
  return expectationsAt(pairsOn(student, validation, labels, signal), threshold);
}

/** Collects escalations, retrains in the background and promotes students that are not worse: the learner for classifiers. */
export class ContinualLearner extends Learner<Escalation, TrainingExample, Student> {
  constructor(options: ContinualOptions, slot: StudentSlot) {
    const { labels, signal } = options;
    const labelIndex = new Map(labels.map((label, index) => [label, index]));
    super(options, {
      // A label outside the task's list makes no example: junk is not trained on.
      example: (escalation) => {
        const label = labelIndex.get(escalation.label);
        return label === undefined ? null : { text: escalation.text, label, soft: escalation.distribution };
      },
      readBack: (line) => {
        const value = line as Escalation;
        if (typeof value.text !== 'string' || typeof value.label !== 'string') return null;
        return { text: value.text, label: value.label, distribution: Array.isArray(value.distribution) ? value.distribution : null, ...(value.heldOut === true ? { heldOut: true } : {}) };
      },
      fromCurrent: false,
      fit: async (train) => {
        const fit = await options.fit({ kind: options.kind, labels, settings: options.settings, train, validation: options.base.validation });
        return { candidate: fit.student, seconds: fit.seconds };
      },
      score: (student, examples) => agreementOn(student, examples, labels),
      calibrate: (student, validation, target) => calibrateOn(student, validation, labels, target, signal),
      expectations: (student, threshold, validation) => expectationsOf(student, threshold, validation, labels, signal),
      bytesOf: (student) => student.toBytes(),
      wording: { retrained: 'retrained', metric: '' },
    }, slot);
  }
}
