/** The one guard around a kind's reader, for answers already paid for. */
import type { TeacherCompletion } from '../../teacher/types.js';
import type { AnswerReader, AnswerReading } from './types.js';

/**
 * Reads `completion` with `reader`, turning a reader that throws into a junk answer with the reason:
 * the answer is paid for by then, and must be stored (its completion with it) whatever the reading does.
 */
export function readSafely(reader: AnswerReader, completion: TeacherCompletion): AnswerReading {
  try {
    return reader(completion);
  } catch (error) {
    const reason = `the answer could not be read: ${error instanceof Error ? error.message : String(error)}`;
    return { kind: 'junk', label: null, distribution: null, tailMass: null, text: completion.text, junkReason: reason, warnings: [...completion.warnings, reason] };
  }
}
