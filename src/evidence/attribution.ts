/**
 * Parent attribution: which of several candidate parents a suspect's answers most resemble. Each
 * candidate (an OpenAI-compatible endpoint) answers the identity probes several times; a Distillery
 * classify student (the n-gram student by default) learns to tell the candidates apart from an
 * answer's text; its accuracy on answers held out from training is the measure of how well the probes
 * separate these candidates, reported with a 95% Wilson interval. The suspect's answers to the same
 * probes are then classified, and the votes and mean probabilities say which parent they resemble.
 * A resemblance, not a proof: a suspect distilled from a parent not among the candidates is still
 * assigned to the nearest one, which is why the watermark trace exists.
 */
import { wilsonInterval } from '../eval/metrics.js';
import { createStudent, type Student, type TrainingExample } from '../student/index.js';
import type { StudentSettings } from '../task/schema.js';
import type { ChatMessage } from '../teacher/index.js';
import { UsageError } from '../util/errors.js';
import { createRandom, shuffleInPlace } from '../util/random.js';
import { runProbes, type ProbeAnswer } from './probes.js';

/** A candidate parent: a name and how to ask it. */
export interface Candidate {
  name: string;
  ask: (messages: ChatMessage[]) => Promise<{ text: string } | undefined>;
}

/** The classifier's accuracy on held-out candidate answers. */
export interface HeldOutAccuracy {
  correct: number;
  total: number;
  accuracy: number;
  /** 95% Wilson interval. */
  lower: number;
  upper: number;
}

/** What attribution found. */
export interface AttributionResult {
  candidates: string[];
  /** Answers collected per candidate. */
  answers: Record<string, number>;
  heldOut: HeldOutAccuracy;
  /** The candidate the suspect's answers resemble most (highest mean probability). */
  predicted: string;
  /** Suspect answers classified as each candidate. */
  votes: Record<string, number>;
  /** Mean probability of each candidate over the suspect's answers. */
  meanProbability: Record<string, number>;
  suspectAnswers: number;
}

/** The student settings of the attribution classifier: word uni/bigrams plus char 2–4-grams (style shows in both). */
export function attributionSettings(seed = 1, kind: 'ngram' | 'bag-mlp' = 'ngram'): StudentSettings {
  return {
    kind, buckets: 1 << 16, dim: 16, wordNgrams: 2, charNgramMin: 2, charNgramMax: 4, textCharNgrams: 0,
    epochs: 40, learningRate: 0.5, temperature: 2, alpha: 0, patience: 8, seed,
  };
}

/** The classifier's input for one answer: the probe it answers, then its text. */
export function attributionText(answer: Pick<ProbeAnswer, 'probe' | 'text'>): string {
  return `probe_${answer.probe.replaceAll('-', '_')} ${answer.text}`;
}

/** Collects every candidate's answers to the probes (`samples` passes each). */
export async function collectCandidateAnswers(candidates: readonly Candidate[], samples: number): Promise<Map<string, ProbeAnswer[]>> {
  if (candidates.length < 2) throw new UsageError(`attribution needs at least two candidate parents, got ${candidates.length}`);
  const names = new Set(candidates.map((candidate) => candidate.name));
  if (names.size !== candidates.length) throw new UsageError('candidate names must be distinct');
  const answers = new Map<string, ProbeAnswer[]>();
  for (const candidate of candidates) answers.set(candidate.name, await runProbes(candidate.ask, samples));
  return answers;
}

/** Splits each candidate's answers into train / validation / test (60 / 20 / 20, at least one each), deterministically. */
function splitAnswers(answers: Map<string, ProbeAnswer[]>, labels: readonly string[], seed: number): Record<'train' | 'validation' | 'test', TrainingExample[]> {
  const parts = { train: [] as TrainingExample[], validation: [] as TrainingExample[], test: [] as TrainingExample[] };
  const random = createRandom(seed);
  labels.forEach((label, index) => {
    const own = [...(answers.get(label) ?? [])];
    if (own.length < 3) throw new UsageError(`candidate ${label} gave ${own.length} answers; attribution needs at least 3 per candidate (raise --probe-samples or --budget-usd)`);
    shuffleInPlace(own, random);
    const held = Math.max(1, Math.round(own.length * 0.2));
    const examples = own.map((answer) => ({ text: attributionText(answer), label: index, soft: null }));
    parts.test.push(...examples.slice(0, held));
    parts.validation.push(...examples.slice(held, 2 * held));
    parts.train.push(...examples.slice(2 * held));
  });
  return parts;
}

/** Trains the attribution classifier on the candidates' answers and measures it on the held-out ones. */
export function trainAttribution(answers: Map<string, ProbeAnswer[]>, options: { seed?: number; kind?: 'ngram' | 'bag-mlp' } = {}): { student: Student; heldOut: HeldOutAccuracy } {
  const labels = [...answers.keys()];
  const parts = splitAnswers(answers, labels, options.seed ?? 1);
  const student = createStudent(options.kind ?? 'ngram', labels, attributionSettings(options.seed ?? 1, options.kind ?? 'ngram'));
  student.fit(parts.train, parts.validation);
  const correct = parts.test.filter((example) => student.predict(example.text).index === example.label).length;
  const interval = wilsonInterval(correct, parts.test.length);
  return { student, heldOut: { correct, total: parts.test.length, accuracy: correct / parts.test.length, lower: interval.lower, upper: interval.upper } };
}

/** Classifies the suspect's answers: votes and mean probability per candidate. */
export function attributeSuspect(student: Student, suspectAnswers: readonly ProbeAnswer[]): Pick<AttributionResult, 'predicted' | 'votes' | 'meanProbability' | 'suspectAnswers'> {
  const votes = Object.fromEntries(student.labels.map((label) => [label, 0])) as Record<string, number>;
  const sums = new Array<number>(student.labels.length).fill(0);
  for (const answer of suspectAnswers) {
    const prediction = student.predict(attributionText(answer));
    votes[prediction.label] = (votes[prediction.label] ?? 0) + 1;
    prediction.probabilities.forEach((probability, index) => { sums[index] = sums[index]! + probability; });
  }
  const meanProbability = Object.fromEntries(student.labels.map((label, index) => [label, suspectAnswers.length === 0 ? 0 : sums[index]! / suspectAnswers.length])) as Record<string, number>;
  const predicted = student.labels.reduce((best, label) => (meanProbability[label]! > meanProbability[best]! ? label : best), student.labels[0]!);
  return { predicted, votes, meanProbability, suspectAnswers: suspectAnswers.length };
}

/** The whole attribution: collect candidates' answers, train, measure, classify the suspect. */
export async function runAttribution(candidates: readonly Candidate[], suspectAnswers: readonly ProbeAnswer[], options: { samples?: number; seed?: number; kind?: 'ngram' | 'bag-mlp' } = {}): Promise<AttributionResult> {
  if (suspectAnswers.length === 0) throw new UsageError('attribution needs the suspect\'s answers to the probes, and there are none');
  const answers = await collectCandidateAnswers(candidates, options.samples ?? 5);
  const { student, heldOut } = trainAttribution(answers, options);
  const counts = Object.fromEntries([...answers].map(([name, list]) => [name, list.length])) as Record<string, number>;
  return { candidates: [...answers.keys()], answers: counts, heldOut, ...attributeSuspect(student, suspectAnswers) };
}
