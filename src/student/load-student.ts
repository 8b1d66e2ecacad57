/**
 * One loader for every student file: the container's kind says whether it holds a classifier (a
 * registry kind: ngram, mlp, bag-mlp, …), a language model that generates text (`lm`), or the span
 * tagger of extract tasks (`span-tagger`, which writes its JSON answer from spans of the input). Callers
 * that serve or route either kind branch on `family`, never on the file's name.
 */
import { readFileSync } from 'node:fs';
import { errnoCode, fileFailureReason } from '../util/node-errors.js';
import { decodeStudentFile, StudentFileError } from './file-container.js';
import { languageModelFromBytes } from './lm/lm-student.js';
import { LANGUAGE_MODEL_KIND } from './lm/serialise.js';
import type { GenerativeStudent } from './lm/types.js';
import { SPAN_TAGGER_KIND } from './span/serialise.js';
import { spanStudentFromBytes, type SpanStudent } from './span/span-student.js';
import { studentFromContents } from './runtime.js';
import type { Student } from './types.js';

/** Which kind of answer a student gives: a label (classifier), text (generative: a language model), or a JSON object of input spans (span). */
export type StudentFamily = 'classifier' | 'generative' | 'span';

/** A loaded student file with its family: classifier, generative (a language model) or span (the span tagger of extract tasks). */
export type LoadedStudentFile = { family: 'classifier'; student: Student } | { family: 'generative'; student: GenerativeStudent } | { family: 'span'; student: SpanStudent };

/** Any student: a classifier (`predict`), a language model (`generate`, `stream`), or a span tagger (`generate`, `stream` of its JSON answer). */
export type AnyStudent = Student | GenerativeStudent | SpanStudent;

/** Whether `student` is a language model that generates text token by token (narrows to GenerativeStudent). */
export function isGenerativeStudent(student: AnyStudent): student is GenerativeStudent {
  return student.kind === 'lm' && 'generate' in student && typeof student.generate === 'function';
}

/** Whether `student` is the span tagger of an extract task (narrows to SpanStudent). */
export function isSpanStudent(student: AnyStudent): student is SpanStudent {
  return student.kind === SPAN_TAGGER_KIND && 'tagger' in student;
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
  if (contents.kind === SPAN_TAGGER_KIND) return { family: 'span', student: spanStudentFromBytes(bytes) };
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
