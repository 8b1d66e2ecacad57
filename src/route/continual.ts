/**
 * Continual learning behind the route. Every call the route escalates comes back with the teacher's
 * answer: a training example production paid for anyway. A deterministic fifth of them (by the text's
 * hash) is held out as the shadow sample; every `retrainEvery` new training examples, a student is
 * fitted in the background on the project's training split plus the escalations, scored against the
 * current one on the project's validation split plus the shadow sample, and promoted only if it is not
 * worse. A promoted student's threshold is calibrated again on the validation split, its file replaces
 * the project's student atomically, and the drift monitor starts from its new expectations.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { saveStudent, type StudentPrompt } from '../student/file-format.js';
import type { Student, TrainingExample } from '../student/types.js';
import type { StudentSettings } from '../task/schema.js';
import { fnv1a32 } from '../util/hash.js';
import type { BackgroundFit, RetrainRequest } from './background-fit.js';
import { calibrateThreshold, classifierConfidence, type Calibration, type ConfidenceSignal } from './calibrate.js';
import type { DriftExpectations, DriftMonitor } from './drift.js';

/** A call the teacher answered: the input and the teacher's label (and distribution, when it gave one). */
export interface Escalation {
  text: string;
  label: string;
  distribution: number[] | null;
  /** A shadow call (the student answered, the teacher was asked too): held out, never trained on. */
  heldOut?: boolean;
}

/** The student the route answers with, and its threshold; replaced when a retrained student is promoted. */
export interface StudentSlot {
  student: Student | null;
  threshold: number | null;
  /** 0 for the student the route started with, +1 per promotion. */
  generation: number;
}

/** One background retrain and its verdict. */
export interface RetrainReport {
  at: number;
  trainExamples: number;
  escalationsUsed: number;
  /** Examples the two students were compared on (validation split + shadow sample). */
  comparedOn: number;
  currentAgreement: number;
  candidateAgreement: number;
  promoted: boolean;
  /** The promoted student's threshold and validation coverage; null when kept or none reaches the target. */
  threshold: number | null;
  coverage: number | null;
  seconds: number;
}

/** How the learner works. */
export interface ContinualOptions {
  kind: string;
  labels: readonly string[];
  settings: StudentSettings;
  /** The project's curated splits, as training examples. */
  base: { train: TrainingExample[]; validation: TrainingExample[] };
  /** New training examples between retrains. */
  retrainEvery: number;
  /** The route's target agreement, for calibrating a promoted student. */
  targetAgreement: number;
  /** Fits a student off the request path (a worker thread in the route). */
  fit: (request: RetrainRequest) => Promise<BackgroundFit>;
  /** Where escalations are appended (one JSON object a line) and read back on restart; null keeps them in memory. */
  escalationsFile: string | null;
  /** Where a promoted student is written (with its prompt); null keeps it in memory. */
  studentFile: string | null;
  prompt: StudentPrompt | null;
  drift: DriftMonitor | null;
  /** Share of escalations held out as the shadow sample (default 0.2). */
  holdOutShare?: number;
  /** The confidence signal the route's threshold applies to (default top probability): a promoted student is calibrated on it too. */
  signal?: ConfidenceSignal;
  log?: (line: string) => void;
}

/** Agreement of `student` with the teacher's labels on `examples` (0 for no student, NaN for no examples). */
function agreementOn(student: Student | null, examples: readonly TrainingExample[], labels: readonly string[]): number {
  if (examples.length === 0) return Number.NaN;
  if (student === null) return 0;
  let agreeing = 0;
  for (const example of examples) if (student.predict(example.text).label === labels[example.label]) agreeing++;
  return agreeing / examples.length;
}

/** Calibrates `student`'s threshold to `target` on examples labelled by the teacher. */
export function calibrateOn(student: Student, examples: readonly TrainingExample[], labels: readonly string[], target: number, signal: ConfidenceSignal = 'top-probability'): Calibration {
  const pairs = examples.map((example) => {
    const prediction = student.predict(example.text);
    return { confidence: classifierConfidence(prediction.probabilities, prediction.index, signal), agrees: prediction.label === labels[example.label] };
  });
  return { ...calibrateThreshold(pairs, target), signal };
}

/** The calibration expectations of a student at a threshold, for the drift monitor. */
export function expectationsOf(student: Student | null, threshold: number | null, validation: readonly TrainingExample[], labels: readonly string[], signal: ConfidenceSignal = 'top-probability'): DriftExpectations {
  if (student === null || threshold === null || validation.length === 0) return { escalationRate: null, shadowAgreement: null };
  let answered = 0;
  let agreeing = 0;
  for (const example of validation) {
    const prediction = student.predict(example.text);
    if (classifierConfidence(prediction.probabilities, prediction.index, signal) < threshold) continue;
    answered++;
    if (prediction.label === labels[example.label]) agreeing++;
  }
  return { escalationRate: 1 - answered / validation.length, shadowAgreement: answered === 0 ? null : agreeing / answered };
}

/** Collects escalations, retrains in the background and promotes students that are not worse. */
export class ContinualLearner {
  private readonly trainPool: TrainingExample[] = [];
  private readonly shadowPool: TrainingExample[] = [];
  private readonly labelIndex: Map<string, number>;
  private readonly holdOutShare: number;
  private readonly log: (line: string) => void;
  private trainedOn = 0;
  private inFlight: Promise<void> | null = null;
  readonly history: RetrainReport[] = [];

  constructor(private readonly options: ContinualOptions, readonly slot: StudentSlot) {
    this.labelIndex = new Map(options.labels.map((label, index) => [label, index]));
    this.holdOutShare = options.holdOutShare ?? 0.2;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    for (const escalation of this.readEscalations()) this.pool(escalation);
    this.trainedOn = this.trainPool.length;
  }

  /** Escalations read so far: training ones and held-out shadow ones. */
  counts(): { train: number; shadow: number; sinceRetrain: number } {
    return { train: this.trainPool.length, shadow: this.shadowPool.length, sinceRetrain: this.trainPool.length - this.trainedOn };
  }

  /** Records the teacher's answer to an escalated call (or a shadow call) and starts a retrain when enough new ones have come. */
  addEscalation(escalation: Escalation): void {
    if (!this.pool(escalation)) return;
    if (this.options.escalationsFile !== null) appendFileSync(this.options.escalationsFile, `${JSON.stringify(escalation)}\n`);
    this.maybeRetrain();
  }

  /** Resolves once no retrain is running. */
  async idle(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
  }

  /** Adds an escalation to its pool; false for a label outside the task's list (junk is not trained on). */
  private pool(escalation: Escalation): boolean {
    const label = this.labelIndex.get(escalation.label);
    if (label === undefined) return false;
    const example: TrainingExample = { text: escalation.text, label, soft: escalation.distribution };
    const heldOut = escalation.heldOut === true || fnv1a32(escalation.text) / 2 ** 32 < this.holdOutShare;
    (heldOut ? this.shadowPool : this.trainPool).push(example);
    return true;
  }

  /** Escalations an earlier route process appended; unreadable lines are skipped (a crash mid-write leaves half a line). */
  private readEscalations(): Escalation[] {
    const file = this.options.escalationsFile;
    if (file === null || !existsSync(file)) return [];
    const escalations: Escalation[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const value = JSON.parse(line) as Escalation;
        if (typeof value.text !== 'string' || typeof value.label !== 'string') continue;
        escalations.push({ text: value.text, label: value.label, distribution: Array.isArray(value.distribution) ? value.distribution : null, ...(value.heldOut === true ? { heldOut: true } : {}) });
      } catch {
        // skipped: a torn last line
      }
    }
    return escalations;
  }

  private maybeRetrain(): void {
    if (this.inFlight !== null || this.trainPool.length - this.trainedOn < this.options.retrainEvery) return;
    this.inFlight = this.retrain().catch((error: unknown) => this.log(`distillery route: ${(error as Error).message}; the current student keeps answering`)).finally(() => {
      this.inFlight = null;
      this.maybeRetrain();
    });
  }

  /** Fits a candidate on everything so far, compares it with the current student and promotes it if it is not worse. */
  private async retrain(): Promise<void> {
    const { options } = this;
    const escalationsUsed = this.trainPool.length;
    this.trainedOn = escalationsUsed;
    const train = [...options.base.train, ...this.trainPool.slice(0, escalationsUsed)];
    const fit = await options.fit({ kind: options.kind, labels: options.labels, settings: options.settings, train, validation: options.base.validation });
    const compared = [...options.base.validation, ...this.shadowPool];
    const currentAgreement = agreementOn(this.slot.student, compared, options.labels);
    const candidateAgreement = agreementOn(fit.student, compared, options.labels);
    const promoted = !(candidateAgreement < currentAgreement);
    const report: RetrainReport = {
      at: Date.now(), trainExamples: train.length, escalationsUsed, comparedOn: compared.length, currentAgreement, candidateAgreement, promoted,
      threshold: null, coverage: null, seconds: fit.seconds,
    };
    if (promoted) await this.promote(fit.student, report);
    this.history.push(report);
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    this.log(`distillery route: retrained on ${train.length} examples (${escalationsUsed} escalations) in ${fit.seconds.toFixed(1)} s: ` +
      `${percent(candidateAgreement)} against the current ${percent(currentAgreement)} on ${compared.length} held-out calls → ${promoted ? `promoted (generation ${this.slot.generation}${report.threshold === null ? ', every call to the teacher: no threshold reaches the target' : `, threshold ${report.threshold.toFixed(4)}`})` : 'kept the current student'}`);
  }

  /** Swaps the candidate in: threshold calibrated on the validation split, file written, drift expectations renewed. */
  private async promote(student: Student, report: RetrainReport): Promise<void> {
    const { options } = this;
    const calibration = calibrateOn(student, options.base.validation, options.labels, options.targetAgreement, options.signal);
    if (options.studentFile !== null) await saveStudent(student, options.studentFile, options.prompt === null ? {} : { prompt: options.prompt });
    this.slot.student = student;
    this.slot.threshold = calibration.threshold;
    this.slot.generation++;
    report.threshold = calibration.threshold;
    report.coverage = calibration.point?.coverage ?? null;
    options.drift?.reset(expectationsOf(student, calibration.threshold, options.base.validation, options.labels, options.signal));
  }
}
