/**
 * Reading stored answers again. Every answer keeps the teacher completion it was read from, so when
 * the way answers are read changes (a fixed label match, a schema's new rule, another mapping), the
 * stored completions are read again with the new reader: no teacher call, nothing paid twice.
 */
import { readSafely } from '../task/kinds/read-safely.js';
import type { AnswerReader } from '../task/kinds/types.js';
import type { ResponseRecord } from '../store/types.js';

/** The answer as `reader` reads its stored completion; answers stored without one (before schema 3) stay as they were read. */
export function rereadResponse(response: ResponseRecord, reader: AnswerReader): ResponseRecord {
  if (response.completion === undefined || response.completion === null) return response;
  const answer = readSafely(reader, response.completion);
  return { ...response, kind: answer.kind, label: answer.label, distribution: answer.distribution, tailMass: answer.tailMass, text: answer.text };
}
