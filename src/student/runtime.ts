/**
 * The student runtime: rebuild a student from file bytes and predict, with no Node built-in anywhere
 * in its import graph (pinned by runtime.test.ts), so the same code runs in a browser bundle
 * (test/student-browser.e2e.test.ts). Reading files from disk lives in file-format.ts.
 */
import { decodeStudentFile, StudentFileError, type StudentFileContents } from './file-container.js';
import { studentKind } from './registry.js';
import type { Student } from './types.js';

export type { Prediction, Student } from './types.js';
export { decodeStudentFile, FORMAT_VERSION, StudentFileError } from './file-container.js';

/** Rebuilds a student from decoded contents; a kind's own failure becomes a StudentFileError. */
export function studentFromContents(contents: StudentFileContents): Student {
  if (contents.kind === 'lm') throw new StudentFileError('this is a language-model student (kind "lm"), which generates text: load it with loadLanguageModelStudent or languageModelFromBytes');
  if (contents.kind === 'span-tagger') throw new StudentFileError('this is a span-tagger student (kind "span-tagger"), which answers an extract task\'s JSON object: load it with loadStudent (or spanStudentFromBytes)');
  try {
    return studentKind(contents.kind).fromFile(contents);
  } catch (error) {
    if (error instanceof StudentFileError) throw error;
    throw new StudentFileError(`cannot load student file: ${(error as Error).message}`);
  }
}

/** Rebuilds a student from file bytes; throws StudentFileError for a foreign, corrupt or newer file. */
export function studentFromBytes(bytes: Uint8Array): Student {
  return studentFromContents(decodeStudentFile(bytes));
}
