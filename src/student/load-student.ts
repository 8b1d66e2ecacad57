/**
 * One loader for every student file: the container's kind says whether it holds a classifier (a
 * registry kind: ngram, mlp, bag-mlp, …) or a language model that generates text (`lm`). Callers
 * that serve or route either kind branch on `family`, never on the file's name.
 */
import { readFileSync } from 'node:fs';
import { errnoCode, fileFailureReason } from '../util/node-errors.js';
import { decodeStudentFile, StudentFileError } from './file-container.js';
import { languageModelFromBytes } from './lm/lm-student.js';
import { LANGUAGE_MODEL_KIND } from './lm/serialise.js';
import type { GenerativeStudent } from './lm/types.js';
import { studentFromContents } from './runtime.js';
import type { Student } from './types.js';

/** Which kind of answer a student gives: a label (classifier) or text (generative). */
export type StudentFamily = 'classifier' | 'generative';

/** A loaded student file with its family: `{ family: 'classifier', student }` or `{ family: 'generative', student }`. */
export type LoadedStudentFile = { family: 'classifier'; student: Student } | { family: 'generative'; student: GenerativeStudent };

/** Any student: a classifier (`predict`) or a language model (`generate`, `stream`). */
export type AnyStudent = Student | GenerativeStudent;

/** Whether `student` generates text (narrows to GenerativeStudent). */
export function isGenerativeStudent(student: AnyStudent): student is GenerativeStudent {
  return 'generate' in student && typeof student.generate === 'function';
}

/** The bytes of a student file; a missing or unreadable file is a StudentFileError (exit 2) saying so. */
function readStudentBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new StudentFileError(`no student yet at ${path}: run \`distillery run task.yaml\` first`, { cause: error });
    const reason = fileFailureReason(error);
    if (reason !== undefined) throw new StudentFileError(`cannot read the student file ${path}: ${reason}`, { cause: error });
    throw error;
  }
}

/** Rebuilds whichever student `bytes` hold. */
export function studentFileFromBytes(bytes: Uint8Array): LoadedStudentFile {
  const contents = decodeStudentFile(bytes);
  if (contents.kind === LANGUAGE_MODEL_KIND) return { family: 'generative', student: languageModelFromBytes(bytes) };
  return { family: 'classifier', student: studentFromContents(contents) };
}

/** Loads a student file of any kind from disk; errors name the file. */
export function loadStudentFileOfAnyKind(path: string): LoadedStudentFile {
  const bytes = readStudentBytes(path);
  try {
    return studentFileFromBytes(bytes);
  } catch (error) {
    if (error instanceof StudentFileError) throw new StudentFileError(`${path}: ${error.message}`);
    throw error;
  }
}
