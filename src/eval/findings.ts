/**
 * What an evaluation must say besides its scores: how far to trust them (warnings on small samples)
 * and the examples behind them (disagreements, junk answers), so a user can look before acting.
 */
import type { CappedList, Disagreement, JunkAnswer } from './report-types.js';

/** Below this many scored test examples a report warns that its figures are rough. */
export const SMALL_TEST_SPLIT = 100;
/** Labels with fewer test examples than this are not named "weakest": one miss would decide it. */
export const MIN_LABEL_SUPPORT = 10;
/** At most this many disagreements and junk answers are listed in a report (the count says how many there were). */
export const LIST_CAP = 50;

/** The start of a text on one line, cut to `maxChars` with an ellipsis. */
export function snippet(text: string, maxChars = 160): string {
  const oneLine = text.replace(/\s+/gu, ' ').trim();
  return oneLine.length <= maxChars ? oneLine : `${oneLine.slice(0, maxChars - 1)}…`;
}

/** One scored test example, as evaluation sees it. */
export interface ScoredExample {
  inputId: string;
  source: string;
  text: string;
  teacherLabel: string;
  teacherProbability: number | null;
  studentLabel: string;
  studentProbability: number;
}

/** The examples where student and teacher differ, most confident student first (those are the surprising ones). */
export function listDisagreements(examples: readonly ScoredExample[], cap = LIST_CAP): CappedList<Disagreement> {
  const differing = examples.filter((example) => example.studentLabel !== example.teacherLabel);
  const ranked = [...differing].sort((a, b) => b.studentProbability - a.studentProbability || a.inputId.localeCompare(b.inputId));
  return {
    total: differing.length,
    shown: ranked.slice(0, cap).map((example) => ({
      inputId: example.inputId,
      source: example.source,
      snippet: snippet(example.text),
      teacher: { label: example.teacherLabel, probability: example.teacherProbability },
      student: { label: example.studentLabel, probability: example.studentProbability },
    })),
  };
}

/** Junk answers (the teacher named no label), in the order given, cut to `cap`. */
export function listJunk(answers: ReadonlyArray<{ inputId: string; source: string; text: string; split: JunkAnswer['split']; answer: string }>, cap = LIST_CAP): CappedList<JunkAnswer> {
  return {
    total: answers.length,
    shown: answers.slice(0, cap).map((item) => ({ inputId: item.inputId, source: item.source, snippet: snippet(item.text), split: item.split, answer: snippet(item.answer, 80) })),
  };
}

/** Warnings about how much the figures can be trusted. */
export function evaluationWarnings(testExamples: number, split: 'test' | 'val'): string[] {
  const warnings: string[] = [];
  if (split === 'val') warnings.push('the test split is empty, so the student was scored on the validation split it was early-stopped on: the figures are optimistic');
  if (testExamples < SMALL_TEST_SPLIT) {
    warnings.push(`only ${testExamples} ${split} example${testExamples === 1 ? '' : 's'} scored (fewer than ${SMALL_TEST_SPLIT}): the figures are rough, see the 95% interval; add inputs for a firmer measure`);
  }
  return warnings;
}
