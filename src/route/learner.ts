/**
 * The bookkeeping of continual learning behind the route, for any student: every escalated call's
 * teacher answer is an example; a deterministic share of them (by the input's hash, default a fifth)
 * and every shadow call are held out as the shadow sample; every `retrainEvery` new training examples
 * a candidate is fitted in the background on the project's training split plus the escalations, scored
 * against the current student on the validation split plus the shadow sample, and promoted only if it
 * is not worse: its threshold calibrated again on the validation split, its file written over the
 * project's student atomically, the drift monitor restarted from its expectations. What differs by
 * student (classifiers: continual.ts; language models: generative-continual.ts) is a `LearnerKind`.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { saveStudentBytes, type StudentPrompt } from '../student/file-format.js';
import { fnv1a32 } from '../util/hash.js';
import type { Calibration, ConfidencePair } from './calibrate.js';
import type { DriftExpectations, DriftMonitor } from './drift.js';

/** What every escalation carries: the input, and whether it is a shadow call (held out, never trained on). */
export interface HeldOutMark {
  text: string;
  heldOut?: boolean;
}

/** The student the route answers with, and its threshold; replaced when a retrained student is promoted. */
export interface LearnerSlot<S> {
  student: S | null;
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

/** What the learner does the same for every student. */
export interface LearnerOptions<Example> {
  /** The project's curated splits, as examples. */
  base: { train: Example[]; validation: Example[] };
  /** New training examples between retrains. */
  retrainEvery: number;
  /** The route's target agreement, for calibrating a promoted student. */
  targetAgreement: number;
  /** Where escalations are appended (one JSON object a line) and read back on restart; null keeps them in memory. */
  escalationsFile: string | null;
  /** Where a promoted student is written (with its prompt); null keeps it in memory. */
  studentFile: string | null;
  prompt: StudentPrompt | null;
  drift: DriftMonitor | null;
  /** Share of escalations held out as the shadow sample (default 0.2). */
  holdOutShare?: number;
  log?: (line: string) => void;
}

/** What differs between students: how an escalation becomes an example, how a candidate is fitted, judged, calibrated and saved. */
export interface LearnerKind<Escalation extends HeldOutMark, Example, S> {
  /** The example an escalation becomes; null for one not to keep (junk is not trained on, nor written down). */
  example(escalation: Escalation): Example | null;
  /** An escalation as read back from a line of the escalations file (parsed JSON); null for one to skip. May throw (skipped too). */
  readBack(value: unknown): Escalation | null;
  /** True when a retrain continues the current student (then none starts without one). */
  fromCurrent: boolean;
  /** Fits a candidate off the request path on `train` (the base split plus the escalations). */
  fit(train: Example[], current: S | null): Promise<{ candidate: S; seconds: number }>;
  /** The comparison metric of `student` on `examples` (0 with no student, NaN with no examples); higher is better. */
  score(student: S | null, examples: readonly Example[]): number;
  /** The candidate's threshold calibrated to `target` on the validation split. */
  calibrate(student: S, validation: readonly Example[], target: number): Calibration;
  /** The drift monitor's expectations of a student at a threshold. */
  expectations(student: S, threshold: number | null, validation: readonly Example[]): DriftExpectations;
  /** The student file's bytes of a promoted student (its prompt is added by the learner). */
  bytesOf(student: S): Uint8Array;
  /** How the log line names a retrain ("retrained") and the metric (a prefix of the figures, e.g. "chrF "). */
  wording: { retrained: string; metric: string };
}

/** The drift monitor's expectations at `threshold` from (confidence, agreement) pairs on the validation split (at least one). */
export function expectationsAt(pairs: readonly ConfidencePair[], threshold: number): DriftExpectations {
  const answered = pairs.filter((pair) => pair.confidence >= threshold);
  return { escalationRate: 1 - answered.length / pairs.length, shadowAgreement: answered.length === 0 ? null : answered.filter((pair) => pair.agrees).length / answered.length };
}

/** Collects escalations, retrains in the background and promotes students that are not worse. */
export class Learner<Escalation extends HeldOutMark, Example, S> {
  private readonly trainPool: Example[] = [];
  private readonly shadowPool: Example[] = [];
  private readonly holdOutShare: number;
  private readonly log: (line: string) => void;
  private trainedOn = 0;
  private inFlight: Promise<void> | null = null;
  readonly history: RetrainReport[] = [];

  constructor(private readonly common: LearnerOptions<Example>, private readonly kind: LearnerKind<Escalation, Example, S>, readonly slot: LearnerSlot<S>) {
    this.holdOutShare = common.holdOutShare ?? 0.2;
    this.log = common.log ?? ((line) => process.stderr.write(`${line}\n`));
    for (const escalation of this.readEscalations()) this.pool(escalation);
    this.trainedOn = this.trainPool.length;
  }

  /** Escalations kept so far: training ones and held-out shadow ones. */
  counts(): { train: number; shadow: number; sinceRetrain: number } {
    return { train: this.trainPool.length, shadow: this.shadowPool.length, sinceRetrain: this.trainPool.length - this.trainedOn };
  }

  /** Records the teacher's answer to an escalated call (or a shadow call) and starts a retrain when enough new ones have come. */
  addEscalation(escalation: Escalation): void {
    if (!this.pool(escalation)) return;
    if (this.common.escalationsFile !== null) appendFileSync(this.common.escalationsFile, `${JSON.stringify(escalation)}\n`);
    this.maybeRetrain();
  }

  /** Resolves once no retrain is running. */
  async idle(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
  }

  /** Adds an escalation to its pool; false for one that makes no example. */
  private pool(escalation: Escalation): boolean {
    const example = this.kind.example(escalation);
    if (example === null) return false;
    const heldOut = escalation.heldOut === true || fnv1a32(escalation.text) / 2 ** 32 < this.holdOutShare;
    (heldOut ? this.shadowPool : this.trainPool).push(example);
    return true;
  }

  /** Escalations an earlier route process appended; unreadable lines are skipped (a crash mid-write leaves half a line). */
  private readEscalations(): Escalation[] {
    const file = this.common.escalationsFile;
    if (file === null || !existsSync(file)) return [];
    const escalations: Escalation[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const escalation = this.kind.readBack(JSON.parse(line));
        if (escalation !== null) escalations.push(escalation);
      } catch {
        // skipped: a torn last line
      }
    }
    return escalations;
  }

  private maybeRetrain(): void {
    if (this.inFlight !== null || (this.kind.fromCurrent && this.slot.student === null) || this.trainPool.length - this.trainedOn < this.common.retrainEvery) return;
    this.inFlight = this.retrain().catch((error: unknown) => this.log(`distillery route: ${(error as Error).message}; the current student keeps answering`)).finally(() => {
      this.inFlight = null;
      this.maybeRetrain();
    });
  }

  /** Fits a candidate on everything so far, compares it with the current student and promotes it if it is not worse. */
  private async retrain(): Promise<void> {
    const { common, kind } = this;
    const current = this.slot.student;
    const escalationsUsed = this.trainPool.length;
    this.trainedOn = escalationsUsed;
    const train = [...common.base.train, ...this.trainPool.slice(0, escalationsUsed)];
    const fit = await kind.fit(train, current);
    const compared = [...common.base.validation, ...this.shadowPool];
    const currentAgreement = kind.score(current, compared);
    const candidateAgreement = kind.score(fit.candidate, compared);
    const promoted = !(candidateAgreement < currentAgreement);
    const report: RetrainReport = {
      at: Date.now(), trainExamples: train.length, escalationsUsed, comparedOn: compared.length, currentAgreement, candidateAgreement, promoted,
      threshold: null, coverage: null, seconds: fit.seconds,
    };
    if (promoted) await this.promote(fit.candidate, report);
    this.history.push(report);
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    this.log(`distillery route: ${kind.wording.retrained} on ${train.length} examples (${escalationsUsed} escalations) in ${fit.seconds.toFixed(1)} s: ` +
      `${kind.wording.metric}${percent(candidateAgreement)} against the current ${percent(currentAgreement)} on ${compared.length} held-out calls → ${promoted ? `promoted (generation ${this.slot.generation}${report.threshold === null ? ', every call to the teacher: no threshold reaches the target' : `, threshold ${report.threshold.toFixed(4)}`})` : 'kept the current student'}`);
  }

  /** Swaps the candidate in: threshold calibrated on the validation split, file written, drift expectations renewed. */
  private async promote(candidate: S, report: RetrainReport): Promise<void> {
    const { common, kind } = this;
    const calibration = kind.calibrate(candidate, common.base.validation, common.targetAgreement);
    if (common.studentFile !== null) await saveStudentBytes(kind.bytesOf(candidate), common.studentFile, common.prompt === null ? {} : { prompt: common.prompt });
    this.slot.student = candidate;
    this.slot.threshold = calibration.threshold;
    this.slot.generation++;
    report.threshold = calibration.threshold;
    report.coverage = calibration.point?.coverage ?? null;
    common.drift?.reset(kind.expectations(candidate, calibration.threshold, common.base.validation));
  }
}
