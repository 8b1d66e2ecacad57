/**
 * The held-out calls of an extract or generate project, for calibrating the route's threshold: each
 * kept input of a split with a completion from the task's teacher model (the newest when the store
 * holds several), against the language-model student's greedy answer and its sequence confidence.
 */
import type { Store } from '../store/types.js';
import type { ConfidencePair } from './calibrate.js';
import { agreesWithTeacher, answerWithConfidence, type GenerativeRouting } from './sequence-confidence.js';

/** One held-out call of a generative project. */
export interface GenerativeHeldOutCall extends ConfidencePair {
  text: string;
  teacherAnswer: string;
  studentAnswer: string;
}

/** The teacher's newest completion text per wanted input. */
async function teacherAnswers(store: Store, teacherModel: string, wanted: ReadonlySet<string>): Promise<Map<string, string>> {
  const newest = new Map<string, { text: string; createdAt: number }>();
  for (const response of await store.listResponses()) {
    const text = response.completion?.text;
    if (response.model !== teacherModel || text === undefined || !wanted.has(response.inputId)) continue;
    if (response.completion?.finishReason === 'length') continue;
    const known = newest.get(response.inputId);
    if (known === undefined || response.createdAt > known.createdAt) newest.set(response.inputId, { text, createdAt: response.createdAt });
  }
  return new Map([...newest].map(([id, entry]) => [id, entry.text]));
}

/** The (confidence, agreement) pairs of one split, the student answering each input as the route would. */
export async function generativeSplitPairs(store: Store, routing: GenerativeRouting, teacherModel: string, split: 'train' | 'val' | 'test' = 'val'): Promise<GenerativeHeldOutCall[]> {
  const [inputs, splits] = await Promise.all([store.listInputs(), store.listSplits()]);
  const wanted = new Set(splits.filter((assignment) => assignment.split === split && assignment.duplicateOf === null).map((assignment) => assignment.inputId));
  const answers = await teacherAnswers(store, teacherModel, wanted);
  const pairs: GenerativeHeldOutCall[] = [];
  for (const input of inputs) {
    const teacherAnswer = answers.get(input.id);
    if (teacherAnswer === undefined) continue;
    const answer = answerWithConfidence(routing, input.text);
    pairs.push({ confidence: answer.confidence, agrees: agreesWithTeacher(routing, answer, teacherAnswer), text: input.text, teacherAnswer, studentAnswer: answer.generation.text });
  }
  return pairs;
}
