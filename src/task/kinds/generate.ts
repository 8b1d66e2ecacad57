/** The generate kind: the answer is free text, kept as the teacher wrote it. */
import type { TeacherCompletion } from '../../teacher/types.js';
import type { AnswerReading, TaskKind } from './types.js';

/** Reads one completion as free text; an empty or blank text is junk. */
export function readGenerateAnswer(completion: TeacherCompletion): AnswerReading {
  const { text } = completion;
  const warnings = [...completion.warnings];
  if (text.trim() === '') return { kind: 'junk', label: null, distribution: null, tailMass: null, text, junkReason: 'empty: the answer is blank', warnings };
  return { kind: 'label', label: null, distribution: null, tailMass: null, text, value: text, warnings };
}

/** Answers are free text. */
export const generateKind: TaskKind = Object.freeze({
  name: 'generate',
  description: 'the answer is free text',
  placeholders: Object.freeze([]),
  promptValues: () => ({}),
  createReader: () => readGenerateAnswer,
  curationFilters: Object.freeze(['truncated', 'refusal', 'empty']),
  studentFamilies: Object.freeze(['lm']),
  metrics: Object.freeze(['exact-match', 'chrf', 'rouge-l', 'judge']),
});
