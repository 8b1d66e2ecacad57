/** Loading a language-model student from disk (Node only; browsers call languageModelFromBytes on fetched bytes). */
import { readFile, writeFile } from 'node:fs/promises';
import { languageModelFromBytes } from './lm-student.js';
import type { GenerativeStudent, WeightStorage } from './types.js';

/** Reads a language-model student file. */
export async function loadLanguageModelStudent(path: string): Promise<GenerativeStudent> {
  return languageModelFromBytes(new Uint8Array(await readFile(path)));
}

/** Writes `student` to `path` with weights stored as `storage`. */
export async function saveLanguageModelStudent(student: GenerativeStudent, path: string, storage: WeightStorage = 'f32'): Promise<void> {
  await writeFile(path, student.toBytes(storage));
}
