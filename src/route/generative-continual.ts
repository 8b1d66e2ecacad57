/**
 * Continual learning behind the route for language-model students (extract and generate tasks). As
 * for classifiers (continual.ts): every escalated call's teacher answer is an example, a deterministic
 * fifth (by the input's hash) and every shadow call are held out; every `retrainEvery` new training
 * examples the student is trained further in the background (a worker thread: it takes seconds to
 * minutes) on the project's training answers plus the escalations, scored against the current student
 * on the validation split plus the shadow sample with the task's generative metric — field F1 for
 * extract, chrF for generate — and promoted only if it is not worse, its threshold calibrated again.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { aggregateExtractScores, scoreExtractExample, type ExtractExampleScore } from '../eval/extract-metrics.js';
import { corpusChrf } from '../eval/text-metrics.js';
import { recordStudentPrompt, type StudentPrompt } from '../student/file-format.js';
import type { GenerationExample } from '../student/lm/sequences.js';
import type { GenerativeStudent, WeightStorage } from '../student/lm/types.js';
import { fnv1a32 } from '../util/hash.js';
import { calibrateThreshold, type Calibration } from './calibrate.js';
import type { RetrainReport } from './continual.js';
import type { DriftExpectations, DriftMonitor } from './drift.js';
import type { GenerativeRetrainRequest, GenerativeFit } from './generative-fit.js';
import { agreesWithTeacher, answerWithConfidence, type GenerativeRouting } from './sequence-confidence.js';

/** A call the teacher answered: the input and the teacher's text (extract: its JSON, unfenced). */
export interface GenerativeEscalation {
  text: string;
  answer: string;
  /** A shadow call: held out, never trained on. */
  heldOut?: boolean;
}

/** The language-model student the route answers with (as the route runs it) and its threshold. */
export interface GenerativeSlot {
  student: GenerativeRouting | null;
  threshold: number | null;
  generation: number;
}

/** How the generative learner works. */
export interface GenerativeContinualOptions {
  /** The route's settings for a (new) student: schema, decoding, answer length. */
  routingOf: (student: GenerativeStudent) => GenerativeRouting;
  /** The metric retrains are judged by: field F1 (extract) or chrF (generate). */
  metric: 'field-f1' | 'chrf';
  /** The project's curated training and validation answers. */
  base: { train: GenerationExample[]; validation: GenerationExample[] };
  retrainEvery: number;
  targetAgreement: number;
  /** Trains further off the request path (a worker thread in the route). */
  fit: (request: GenerativeRetrainRequest) => Promise<GenerativeFit>;
  /** Optimiser settings of a retrain (steps, batch size, learning rate…). */
  training: GenerativeRetrainRequest['training'];
  /** Weight storage of the student file (the task's student.lm.storage; default f32). */
  storage?: WeightStorage;
  escalationsFile: string | null;
  studentFile: string | null;
  prompt: StudentPrompt | null;
  drift: DriftMonitor | null;
  holdOutShare?: number;
  log?: (line: string) => void;
}

/** The metric of `routing`'s student on `examples` (0 with no student, NaN with no examples). */
export function generativeScore(routing: GenerativeRouting | null, examples: readonly GenerationExample[], metric: 'field-f1' | 'chrf'): number {
  if (examples.length === 0) return Number.NaN;
  if (routing === null) return 0;
  const answers = examples.map((example) => answerWithConfidence(routing, example.prompt).generation.text);
  if (metric === 'chrf') return corpusChrf(answers, examples.map((example) => example.answer)) / 100;
  const isValid = (value: unknown) => routing.validate === undefined || routing.validate(value).length === 0;
  const scores = examples.map((example, index) => scoreExtractExample({ teacher: example.answer, student: answers[index] ?? '' }, isValid))
    .filter((score): score is ExtractExampleScore => score !== undefined);
  return aggregateExtractScores(scores).fields.f1;
}

/** (confidence, agreement) pairs of `routing` on examples labelled by the teacher. */
function pairsOn(routing: GenerativeRouting, examples: readonly GenerationExample[]) {
  return examples.map((example) => {
    const answer = answerWithConfidence(routing, example.prompt);
    return { confidence: answer.confidence, agrees: agreesWithTeacher(routing, answer, example.answer) };
  });
}

/** Calibrates a language-model student's threshold to `target` on teacher-answered examples. */
export function calibrateGenerativeOn(routing: GenerativeRouting, examples: readonly GenerationExample[], target: number): Calibration {
  return calibrateThreshold(pairsOn(routing, examples), target);
}

/** The drift monitor's expectations of a student at a threshold, from the validation split. */
export function generativeExpectations(routing: GenerativeRouting | null, threshold: number | null, validation: readonly GenerationExample[]): DriftExpectations {
  if (routing === null || threshold === null || validation.length === 0) return { escalationRate: null, shadowAgreement: null };
  const answered = pairsOn(routing, validation).filter((pair) => pair.confidence >= threshold);
  return { escalationRate: 1 - answered.length / validation.length, shadowAgreement: answered.length === 0 ? null : answered.filter((pair) => pair.agrees).length / answered.length };
}

/** Collects escalations, trains the language-model student further in the background and promotes it when not worse. */
export class GenerativeLearner {
  private readonly trainPool: GenerationExample[] = [];
  private readonly shadowPool: GenerationExample[] = [];
  private readonly holdOutShare: number;
  private readonly log: (line: string) => void;
  private trainedOn = 0;
  private inFlight: Promise<void> | null = null;
  readonly history: RetrainReport[] = [];

  constructor(private readonly options: GenerativeContinualOptions, readonly slot: GenerativeSlot) {
    this.holdOutShare = options.holdOutShare ?? 0.2;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    for (const escalation of this.readEscalations()) this.pool(escalation);
    this.trainedOn = this.trainPool.length;
  }

  /** Escalations kept so far: training ones and held-out shadow ones. */
  counts(): { train: number; shadow: number; sinceRetrain: number } {
    return { train: this.trainPool.length, shadow: this.shadowPool.length, sinceRetrain: this.trainPool.length - this.trainedOn };
  }

  /** Records the teacher's answer to an escalated (or shadow) call and starts a retrain when enough new ones have come. */
  addEscalation(escalation: GenerativeEscalation): void {
    if (escalation.answer.trim() === '') return;
    this.pool(escalation);
    if (this.options.escalationsFile !== null) appendFileSync(this.options.escalationsFile, `${JSON.stringify(escalation)}\n`);
    this.maybeRetrain();
  }

  /** Resolves once no retrain is running. */
  async idle(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
  }

  private pool(escalation: GenerativeEscalation): void {
    const example: GenerationExample = { prompt: escalation.text, answer: escalation.answer };
    const heldOut = escalation.heldOut === true || fnv1a32(escalation.text) / 2 ** 32 < this.holdOutShare;
    (heldOut ? this.shadowPool : this.trainPool).push(example);
  }

  /** Escalations an earlier route process appended; unreadable lines (a torn last line) are skipped. */
  private readEscalations(): GenerativeEscalation[] {
    const file = this.options.escalationsFile;
    if (file === null || !existsSync(file)) return [];
    const escalations: GenerativeEscalation[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const value = JSON.parse(line) as GenerativeEscalation;
        if (typeof value.text === 'string' && typeof value.answer === 'string') escalations.push({ text: value.text, answer: value.answer, ...(value.heldOut === true ? { heldOut: true } : {}) });
      } catch {
        // skipped
      }
    }
    return escalations;
  }

  private maybeRetrain(): void {
    if (this.inFlight !== null || this.slot.student === null || this.trainPool.length - this.trainedOn < this.options.retrainEvery) return;
    this.inFlight = this.retrain().catch((error: unknown) => this.log(`distillery route: ${(error as Error).message}; the current student keeps answering`)).finally(() => {
      this.inFlight = null;
      this.maybeRetrain();
    });
  }

  /** Trains the current student further on everything so far, compares and promotes it if it is not worse. */
  private async retrain(): Promise<void> {
    const { options } = this;
    const current = this.slot.student as GenerativeRouting;
    const escalationsUsed = this.trainPool.length;
    this.trainedOn = escalationsUsed;
    const train = [...options.base.train, ...this.trainPool.slice(0, escalationsUsed)];
    const fit = await options.fit({ studentBytes: current.student.toBytes(options.storage), train, validation: options.base.validation, training: options.training, ...(options.storage === undefined ? {} : { storage: options.storage }) });
    const candidate = options.routingOf(fit.student);
    const compared = [...options.base.validation, ...this.shadowPool];
    const currentAgreement = generativeScore(current, compared, options.metric);
    const candidateAgreement = generativeScore(candidate, compared, options.metric);
    const promoted = !(candidateAgreement < currentAgreement);
    const report: RetrainReport = {
      at: Date.now(), trainExamples: train.length, escalationsUsed, comparedOn: compared.length, currentAgreement, candidateAgreement, promoted,
      threshold: null, coverage: null, seconds: fit.seconds,
    };
    if (promoted) await this.promote(candidate, report);
    this.history.push(report);
    const name = options.metric === 'chrf' ? 'chrF' : 'field F1';
    const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
    this.log(`distillery route: trained the language-model student further on ${train.length} examples (${escalationsUsed} escalations) in ${fit.seconds.toFixed(1)} s: ` +
      `${name} ${percent(candidateAgreement)} against the current ${percent(currentAgreement)} on ${compared.length} held-out calls → ${promoted ? `promoted (generation ${this.slot.generation}${report.threshold === null ? ', every call to the teacher: no threshold reaches the target' : `, threshold ${report.threshold.toFixed(4)}`})` : 'kept the current student'}`);
  }

  private async promote(candidate: GenerativeRouting, report: RetrainReport): Promise<void> {
    const { options } = this;
    const calibration = calibrateGenerativeOn(candidate, options.base.validation, options.targetAgreement);
    if (options.studentFile !== null) {
      await writeFile(`${options.studentFile}.tmp`, candidate.student.toBytes(options.storage));
      if (options.prompt !== null) await recordStudentPrompt(`${options.studentFile}.tmp`, options.prompt);
      await rename(`${options.studentFile}.tmp`, options.studentFile);
    }
    this.slot.student = candidate;
    this.slot.threshold = calibration.threshold;
    this.slot.generation++;
    report.threshold = calibration.threshold;
    report.coverage = calibration.point?.coverage ?? null;
    options.drift?.reset(generativeExpectations(candidate, calibration.threshold, options.base.validation));
  }
}
