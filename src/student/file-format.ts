/**
 * Saving and loading students: one versioned, checksummed file (layout in file-container.ts);
 * the kind recorded in the file picks the loader from the registry. This module is the Node side
 * (files on disk); the pure bytes-to-student part is runtime.ts, which also runs in a browser.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeStudentFile, encodeStudentFile, StudentFileError } from './file-container.js';
import { studentFromBytes } from './runtime.js';
import type { Student } from './types.js';
import { errnoCode, fileFailureReason } from '../util/node-errors.js';

export { studentFromBytes } from './runtime.js';

/**
 * The prompt a student was distilled with: the task's message templates, as the teacher received
 * them. `serve` inverts it to recover the input from an app that still sends the teacher's prompt.
 */
export interface StudentPrompt {
  messages: Array<{ role: string; content: string }>;
}

/** What a student file carries besides the model itself (recorded in its header). */
export interface StudentFileExtras {
  prompt?: StudentPrompt;
}

/** The header's prompt, or null for files written before it was recorded (or a malformed one). */
function promptOf(header: Record<string, unknown>): StudentPrompt | null {
  const prompt = header['prompt'] as { messages?: unknown } | undefined;
  const messages = prompt?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return null;
  const valid = messages.every((message: unknown) => typeof (message as { role?: unknown })?.role === 'string' && typeof (message as { content?: unknown })?.content === 'string');
  return valid ? { messages: (messages as StudentPrompt['messages']).map(({ role, content }) => ({ role, content })) } : null;
}

/** File bytes with `extras` written into the header; the tensors are copied as they are. */
function withExtras(bytes: Uint8Array, extras: StudentFileExtras): Uint8Array {
  if (extras.prompt === undefined) return bytes;
  const contents = decodeStudentFile(bytes);
  return encodeStudentFile(contents.kind, { ...contents.header, prompt: extras.prompt }, [...contents.tensors]);
}

/** The prompt a student file records it was distilled with; null in files that predate it. */
export function readStudentPrompt(path: string): StudentPrompt | null {
  try {
    return promptOf(decodeStudentFile(readFileSync(path)).header);
  } catch (error) {
    if (error instanceof StudentFileError) throw new StudentFileError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Records `prompt` in an existing student file's header, keeping its weights byte for byte. */
export async function recordStudentPrompt(path: string, prompt: StudentPrompt): Promise<void> {
  await writeAtomically(path, withExtras(readFileSync(path), { prompt }));
}

/** Loads a student file from disk; a missing or unreadable file is a StudentFileError (exit 2) saying so. */
export function loadStudentFile(path: string): Student {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new StudentFileError(`no student yet at ${path}: run \`distillery run task.yaml\` first`, { cause: error });
    const reason = fileFailureReason(error);
    if (reason !== undefined) throw new StudentFileError(`cannot read the student file ${path}: ${reason}`, { cause: error });
    throw error;
  }
  try {
    return studentFromBytes(bytes);
  } catch (error) {
    if (error instanceof StudentFileError) throw new StudentFileError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Writes the student (and `extras` in its header) to `path` atomically, creating folders as needed. */
export async function saveStudent(student: Student, path: string, extras: StudentFileExtras = {}): Promise<void> {
  await saveStudentBytes(student.toBytes(), path, extras);
}

/** Writes a student file's bytes (any kind's, e.g. a language model's at its weight storage) with `extras`, atomically. */
export async function saveStudentBytes(bytes: Uint8Array, path: string, extras: StudentFileExtras = {}): Promise<void> {
  await writeAtomically(path, withExtras(bytes, extras));
}

/** Writes bytes to a temporary file and renames it into place, so a reader never sees half a file. */
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}
