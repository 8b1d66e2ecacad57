/**
 * Saving and loading students: one versioned, checksummed file (layout in file-container.ts);
 * the kind recorded in the file picks the loader from the registry.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeStudentFile, StudentFileError } from './file-container.js';
import { studentKind } from './registry.js';
import type { Student } from './types.js';

/** Rebuilds a student from file bytes; throws StudentFileError for a foreign, corrupt or newer file. */
export function studentFromBytes(bytes: Uint8Array): Student {
  const contents = decodeStudentFile(bytes);
  if (contents.kind === 'lm') throw new StudentFileError('this is a language-model student (kind "lm"), which generates text: load it with loadLanguageModelStudent or languageModelFromBytes');
  try {
    return studentKind(contents.kind).fromFile(contents);
  } catch (error) {
    if (error instanceof StudentFileError) throw error;
    throw new StudentFileError(`cannot load student file: ${(error as Error).message}`);
  }
}

/** Loads a student file from disk. */
export function loadStudentFile(path: string): Student {
  try {
    return studentFromBytes(readFileSync(path));
  } catch (error) {
    if (error instanceof StudentFileError) throw new StudentFileError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Writes the student to `path` atomically (temporary file, then rename), creating folders as needed. */
export async function saveStudent(student: Student, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, student.toBytes());
  await rename(temporary, path);
}
