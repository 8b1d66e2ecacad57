/**
 * The table of student kinds (transformers.js-style registry): each kind says how to create a new
 * student and how to rebuild one from a decoded file. Add a kind here and nowhere else.
 */
import type { StudentSettings } from '../task/schema.js';
import type { StudentFileContents } from './file-container.js';
import { createMlpStudent, mlpStudentFromFile } from './mlp/mlp-student.js';
import { createNgramStudent, ngramStudentFromFile } from './ngram/ngram-student.js';
import type { Student } from './types.js';

/** How one student kind is made and loaded. */
export interface StudentKind {
  description: string;
  create(labels: readonly string[], settings: StudentSettings): Student;
  fromFile(contents: StudentFileContents): Student;
}

/** Every supported student kind, by name. */
export const STUDENT_KINDS: Readonly<Record<string, StudentKind>> = Object.freeze({
  ngram: Object.freeze({
    description: 'fastText-style hashed word/char n-gram embedding bag with a linear softmax layer',
    create: createNgramStudent,
    fromFile: ngramStudentFromFile,
  }),
  mlp: Object.freeze({
    description: 'dense MLP over numeric feature vectors (ReLU hidden layers, optional dropout, softmax), trained by Adam in mini-batches',
    create: createMlpStudent,
    fromFile: mlpStudentFromFile,
  }),
});

/** The registry entry for `kind`, or an error listing the valid kinds. */
export function studentKind(kind: string): StudentKind {
  const entry = Object.hasOwn(STUDENT_KINDS, kind) ? STUDENT_KINDS[kind] : undefined;
  if (entry === undefined) throw new Error(`unknown student kind "${kind}": valid kinds are ${Object.keys(STUDENT_KINDS).join(', ')}`);
  return entry;
}

/** Creates an untrained student of `kind`. */
export function createStudent(kind: string, labels: readonly string[], settings: StudentSettings): Student {
  return studentKind(kind).create(labels, settings);
}
