/**
 * Continual learning behind the route for language-model students (extract and generate tasks). As
 * for classifiers (continual.ts): every escalated call's teacher answer is an example, a deterministic
 * fifth (by the input's hash) and every shadow call are held out; every `retrainEvery` new training
 * examples the student is trained further in the background (a worker thread: it takes seconds to
 * minutes) on the project's training answers plus the escalations, scored against the current student
 * on the validation split plus the shadow sample with the task's generative metric — field F1 for
 * extract, chrF for generate — and promoted only if it is not worse, its threshold calibrated again.
 */
import { aggregateExtractScores, scoreExtractExample, type ExtractExampleScore } from '../eval/extract-metrics.js';
import { corpusChrf } from '../eval/text-metrics.js';
import type { GenerationExample } from '../student/lm/sequences.js';
import type { GenerativeStudent, WeightStorage } from '../student/lm/types.js';
import { calibrateThreshold, type Calibration } from './calibrate.js';
import type { DriftExpectations } from './drift.js';
import type { GenerativeRetrainRequest, GenerativeFit } from './generative-fit.js';
import { expectationsAt, Learner, type LearnerOptions, type LearnerSlot } from './learner.js';
import { agreesWithTeacher, answerWithConfidence, type GenerativeRouting } from './sequence-confidence.js';

/** A call the teacher answered: the input and the teacher's text (extract: its JSON, unfenced). */
export interface GenerativeEscalation {
  text: string;
  answer: string;
  /** A shadow call: held out, never trained on. */
  heldOut?: boolean;
}

/** The language-model student the route answers with (as the route runs it) and its threshold. */
export type GenerativeSlot = LearnerSlot<GenerativeRouting>;

/** How the generative learner works. */
export interface GenerativeContinualOptions extends LearnerOptions<GenerationExample> {
  /** The route's settings for a (new) student: schema, decoding, answer length. */
  routingOf: (student: GenerativeStudent) => GenerativeRouting;
  /** The metric retrains are judged by: field F1 (extract) or chrF (generate). */
  metric: 'field-f1' | 'chrf';
  /** Trains further off the request path (a worker thread in the route). */
  fit: (request: GenerativeRetrainRequest) => Promise<GenerativeFit>;
  /** Optimiser settings of a retrain (steps, batch size, learning rate…). */
  training: GenerativeRetrainRequest['training'];
  /** Weight storage of the student file (the task's student.lm.storage; default f32). */
  storage?: WeightStorage;
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
  return expectationsAt(pairsOn(routing, validation), threshold);
}

/** Collects escalations, trains the language-model student further in the background and promotes it when not worse. */
export class GenerativeLearner extends Learner<GenerativeEscalation, GenerationExample, GenerativeRouting> {
  constructor(options: GenerativeContinualOptions, slot: GenerativeSlot) {
    const { metric, storage } = options;
    super(options, {
      // An empty answer makes no example.
      example: (escalation) => (escalation.answer.trim() === '' ? null : { prompt: escalation.text, answer: escalation.answer }),
      readBack: (line) => {
        const value = line as GenerativeEscalation;
        return typeof value.text === 'string' && typeof value.answer === 'string' ? { text: value.text, answer: value.answer, ...(value.heldOut === true ? { heldOut: true } : {}) } : null;
      },
      // A retrain continues the current student's weights.
      fromCurrent: true,
      fit: async (train, current) => {
        const fit = await options.fit({ studentBytes: (current as GenerativeRouting).student.toBytes(storage), train, validation: options.base.validation, training: options.training, ...(storage === undefined ? {} : { storage }) });
        return { candidate: options.routingOf(fit.student), seconds: fit.seconds };
      },
      score: (routing, examples) => generativeScore(routing, examples, metric),
      calibrate: calibrateGenerativeOn,
      expectations: generativeExpectations,
      bytesOf: (routing) => routing.student.toBytes(storage),
      wording: { retrained: 'trained the language-model student further', metric: `${metric === 'chrf' ? 'chrF' : 'field F1'} ` },
    }, slot);
  }
}
